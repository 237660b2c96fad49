#!/usr/bin/env bash
# Installs the Pulumi engine into the project-local tools folder (.tools/pulumi/bin).
#
#   scripts/install-pulumi.sh          use your pulumi, or build what is missing, and install it
#   scripts/install-pulumi.sh --print  print the bin directory that would be used
#
# Your own Pulumi CLI first: a `pulumi` on PATH reporting 3.x at or above MINIMUM_PULUMI_VERSION
# is used as it is (linked, with the pulumi-language-nodejs installed next to it when there is
# one). Only when there is no usable CLI is one built from Go modules (the CLI and plugins
# cannot be downloaded on the machines this project is built on).
#
# What gets built, and why these versions (see README "The Pulumi engine"):
#   pulumi                        pkg/v3 v3.259.0 (the only pkg/v3 version the Go proxy serves)
#   pulumi-language-nodejs        sdk/v3 v3.68.0, the last release where the host lived inside sdk/v3;
#                                 its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) has no tags,
#                                 and the proxy refuses its pseudo-versions (403)
#   pulumi-resource-pulumi-nodejs the dynamic-provider launcher, a shell script shipped in @pulumi/pulumi
#
# Builds are cached by version under $CLOUDSTACK_INFRA_CACHE (default ~/.cache/cloudstack-infra),
# so a fresh clone on a machine that built once installs in seconds. GOMODCACHE/GOCACHE are the
# machine's defaults and are reused too.
set -euo pipefail

PULUMI_VERSION=3.259.0
LANGUAGE_HOST_SDK_VERSION=3.68.0
# The oldest CLI this program works with: the postgres:// state backend README documents for
# teams first shipped in 3.176.0 (pulumi/pulumi#19581). Everything else the program uses is
# older: the file backend's metadata=skip (gocloud.dev v0.23, 2021), the Automation API of
# @pulumi/pulumi 3.248.0 (needs 3.2.0), project-scoped DIY stacks (3.61.0), and resource options
# (dependsOn, parent, provider(s), deleteBeforeReplace, additionalSecretOutputs) from 3.0.
MINIMUM_PULUMI_VERSION=3.176.0

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache_root=${CLOUDSTACK_INFRA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cloudstack-infra}
build_key="pulumi-v${PULUMI_VERSION}-langhost-v${LANGUAGE_HOST_SDK_VERSION}"
cached_bin="$cache_root/$build_key/bin"
tools_bin="$repo/.tools/pulumi/bin"

if [[ "${1:-}" == "--print" ]]; then
    echo "$tools_bin"
    exit 0
fi

log() { printf '[install-pulumi] %s\n' "$*" >&2; }

export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod PULUMI_SKIP_UPDATE_CHECK=true

# Copies a module out of the module cache into a writable work directory and prints its path.
fetch_module_source() {
    local module=$1 version=$2 workdir=$3 dir
    dir=$(go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
    if [[ -z "$dir" || ! -d "$dir" ]]; then
        log "could not download $module@$version from the Go module proxy"
        go mod download -json "$module@$version" >&2 || true
        exit 1
    fi
    rm -rf "$workdir"
    cp -r "$dir" "$workdir"
    chmod -R u+w "$workdir"
    echo "$workdir"
}

# 0 when version $1 (X.Y.Z, optionally -prerelease or +build) is at or above $2 (X.Y.Z).
# A pre-release (3.176.0-alpha) comes before its release, as in semver.
version_at_least() {
    local have=$1 want=$2 core i
    core=${have%%[-+]*}
    local -a h w
    IFS=. read -r -a h <<<"$core"
    IFS=. read -r -a w <<<"$want"
    for i in 0 1 2; do
        ((10#${h[i]} > 10#${w[i]})) && return 0
        ((10#${h[i]} < 10#${w[i]})) && return 1
    done
    [[ "$have" != "$core"-* ]]
}

# The first `pulumi` on PATH that is not this project's own copy (a user who installed it the usual way).
pulumi_on_path() {
    local dir
    local -a dirs
    IFS=: read -r -a dirs <<<"${PATH:-}"
    for dir in "${dirs[@]}"; do
        [[ -n "$dir" && "$dir" != "$tools_bin" && "$dir" != "$cached_bin" ]] || continue
        if [[ -x "$dir/pulumi" && ! -d "$dir/pulumi" ]]; then
            echo "$dir/pulumi"
            return 0
        fi
    done
    return 1
}

# Prints the pulumi on PATH when it is usable as it is; otherwise says why not (on stderr) and fails.
usable_pulumi() {
    local p version
    p=$(pulumi_on_path) || {
        log "no pulumi on PATH"
        return 1
    }
    version=$(PULUMI_SKIP_UPDATE_CHECK=true "$p" version 2>/dev/null | head -n 1) || version=""
    if [[ ! "$version" =~ ^v?(3\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?)$ ]]; then
        log "pulumi on PATH ($p) reports version '${version:-nothing}': this program needs a Pulumi 3.x CLI, $MINIMUM_PULUMI_VERSION or newer"
        return 1
    fi
    version=${BASH_REMATCH[1]}
    if ! version_at_least "$version" "$MINIMUM_PULUMI_VERSION"; then
        log "pulumi on PATH ($p) is $version: this program needs $MINIMUM_PULUMI_VERSION or newer (the postgres:// state backend first shipped in $MINIMUM_PULUMI_VERSION); upgrade it, or use the project's own build"
        return 1
    fi
    log "using pulumi $version from PATH: $p"
    echo "$p"
}

build_cli() {
    local work=$1
    log "building pulumi v$PULUMI_VERSION (first time: several minutes)"
    local src
    src=$(fetch_module_source github.com/pulumi/pulumi/pkg/v3 "v$PULUMI_VERSION" "$work/pkg")
    # The relative replace of sdk/v3 only works inside the pulumi repository; require the release instead.
    (cd "$src" && go mod edit -dropreplace=github.com/pulumi/pulumi/sdk/v3 \
        -require="github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" &&
        go build -trimpath -buildvcs=false -tags osusergo,grpcnotrace \
            -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
            -o "$cached_bin/pulumi.tmp" ./cmd/pulumi)
    mv "$cached_bin/pulumi.tmp" "$cached_bin/pulumi"
}

build_language_host() {
    local work=$1
    log "building pulumi-language-nodejs from sdk/v3 v$LANGUAGE_HOST_SDK_VERSION"
    local src
    src=$(fetch_module_source github.com/pulumi/pulumi/sdk/v3 "v$LANGUAGE_HOST_SDK_VERSION" "$work/sdk")
    (cd "$src" && go build -trimpath -buildvcs=false \
        -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$LANGUAGE_HOST_SDK_VERSION" \
        -o "$cached_bin/pulumi-language-nodejs.tmp" ./nodejs/cmd/pulumi-language-nodejs)
    mv "$cached_bin/pulumi-language-nodejs.tmp" "$cached_bin/pulumi-language-nodejs"
}

install_dynamic_provider_launcher() {
    local launcher="$repo/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs"
    if [[ ! -f "$launcher" ]]; then
        log "node_modules/@pulumi/pulumi is missing: run 'npm ci' first"
        exit 1
    fi
    # The project's own launcher of the SDK's host (see there).
    install -m 0755 "$repo/scripts/dynamic-provider-launcher.sh" "$tools_bin/pulumi-resource-pulumi-nodejs"
}

main() {
    mkdir -p "$cached_bin" "$tools_bin"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT

    local ambient="" own_host=""
    if ambient=$(usable_pulumi); then
        ln -sfn "$ambient" "$tools_bin/pulumi"
        # Its own language host, installed next to it (the CLI would look there too, but this
        # folder comes first on PATH, and a plugin on PATH wins).
        own_host="$(dirname "$(readlink -f "$ambient")")/pulumi-language-nodejs"
        [[ -x "$own_host" ]] || {
            log "no pulumi-language-nodejs next to $(readlink -f "$ambient"): using the project's (sdk v$LANGUAGE_HOST_SDK_VERSION)"
            own_host=""
        }
    else
        log "using the project's pulumi v$PULUMI_VERSION, built from Go modules"
        [[ -x "$cached_bin/pulumi" ]] || build_cli "$work"
        install -m 0755 "$cached_bin/pulumi" "$tools_bin/pulumi"
    fi

    if [[ -n "$own_host" ]]; then
        ln -sfn "$own_host" "$tools_bin/pulumi-language-nodejs"
    else
        [[ -x "$cached_bin/pulumi-language-nodejs" ]] || build_language_host "$work"
        # Behind a wrapper that passes it the project's `typescript` option (see there).
        install -m 0755 "$cached_bin/pulumi-language-nodejs" "$tools_bin/pulumi-language-nodejs-sdk"
        rm -f "$tools_bin/pulumi-language-nodejs"
        install -m 0755 "$repo/scripts/language-host-wrapper.sh" "$tools_bin/pulumi-language-nodejs"
    fi
    install_dynamic_provider_launcher

    "$tools_bin/pulumi" version >/dev/null
    log "ready: $tools_bin ($("$tools_bin/pulumi" version))"
}

main "$@"
