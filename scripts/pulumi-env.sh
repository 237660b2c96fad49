# Source this file to run the project's Pulumi engine by hand:
#   source scripts/pulumi-env.sh && pulumi stack ls
#
# It never lets Pulumi use the network: no update check, no plugin downloads,
# no registry lookups, and a local file backend unless you chose another one.
# shellcheck shell=bash

_cloudstack_infra_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

export PATH="$_cloudstack_infra_repo/.tools/pulumi/bin:$PATH"
# The project's engine: your own pulumi (linked) or the project's build; see scripts/install-pulumi.sh.
if [[ ! -x "$_cloudstack_infra_repo/.tools/pulumi/bin/pulumi" ]]; then
    echo "pulumi-env.sh: no Pulumi engine in $_cloudstack_infra_repo/.tools/pulumi/bin (not installed, or the pulumi it linked to is gone):" \
        "run scripts/install-pulumi.sh (it uses a pulumi 3.176.0 or newer from PATH, else builds one)" >&2
fi
# The project's own engine home unless you chose one; only the project's own
# has the engine's automatic log turned off (scripts/engine-home.js).
if [[ -z "${PULUMI_HOME:-}" ]]; then
    export PULUMI_HOME="$_cloudstack_infra_repo/.pulumi-home"
    node "$_cloudstack_infra_repo/scripts/engine-home.js" "$PULUMI_HOME"
fi
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DISABLE_REGISTRY_RESOLVE=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
# Type checking is the job of `npm test` (tsc --noEmit); runs only transpile.
export PULUMI_NODEJS_TRANSPILE_ONLY=true
# A stale agent socket makes every SSH dial fail; the program passes keys explicitly.
unset SSH_AUTH_SOCK

# metadata=skip: the file backend otherwise rewrites a metadata sidecar
# (<stack>.json.attrs) in place on every checkpoint, and a `kill -9` between
# its truncation and its write leaves every later command failing with
# "failed to load checkpoint: EOF". The checkpoint itself is replaced by a
# rename, so without the sidecar a killed run cannot leave the state unreadable.
if [[ -z "${PULUMI_BACKEND_URL:-}" ]]; then
    mkdir -p "$_cloudstack_infra_repo/.pulumi-state"
    export PULUMI_BACKEND_URL="file://$_cloudstack_infra_repo/.pulumi-state?metadata=skip"
fi

# Secrets use the passphrase provider. Without a passphrase of your own, one is
# generated once per user (0600) and reused; back it up with your state.
if [[ -z "${PULUMI_CONFIG_PASSPHRASE+x}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
    _cloudstack_infra_pass="${XDG_CONFIG_HOME:-$HOME/.config}/cloudstack-infra/passphrase"
    if [[ ! -s "$_cloudstack_infra_pass" ]]; then
        (umask 077 && mkdir -p "$(dirname "$_cloudstack_infra_pass")" &&
            head -c 32 /dev/urandom | base64 >"$_cloudstack_infra_pass")
    fi
    export PULUMI_CONFIG_PASSPHRASE_FILE="$_cloudstack_infra_pass"
    unset _cloudstack_infra_pass
fi
unset _cloudstack_infra_repo
