#!/usr/bin/env bash
# Builds the Pulumi engine from Go modules (the CLI and plugins cannot be
# downloaded here) and installs it into the project-local tools folder.
#
#   scripts/install-pulumi.sh          build what is missing, install into .tools/pulumi
#   scripts/install-pulumi.sh --print  print the bin directory that would be used
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

export GOWORK=off GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

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

# A pulumi already on PATH at the pinned version is used as it is (a user who installed it the usual way).
ambient_pulumi() {
    local p
    p=$(command -v pulumi 2>/dev/null) || return 1
    [[ "$p" == "$tools_bin/pulumi" || "$p" == "$cached_bin/pulumi" ]] && return 1
    [[ "$("$p" version 2>/dev/null)" == "v$PULUMI_VERSION" ]] || return 1
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
    install -m 0755 "$launcher" "$tools_bin/pulumi-resource-pulumi-nodejs"
}

main() {
    mkdir -p "$cached_bin" "$tools_bin"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT

    local ambient=""
    ambient=$(ambient_pulumi) || ambient=""
    if [[ -n "$ambient" ]]; then
        log "using pulumi from PATH: $ambient"
        ln -sfn "$ambient" "$tools_bin/pulumi"
    else
        [[ -x "$cached_bin/pulumi" ]] || build_cli "$work"
        install -m 0755 "$cached_bin/pulumi" "$tools_bin/pulumi"
    fi

    # The CLI looks for bundled plugins next to its own (resolved) executable, and on PATH.
    [[ -x "$cached_bin/pulumi-language-nodejs" ]] || build_language_host "$work"
    install -m 0755 "$cached_bin/pulumi-language-nodejs" "$tools_bin/pulumi-language-nodejs"
    install_dynamic_provider_launcher

    "$tools_bin/pulumi" version >/dev/null
    log "ready: $tools_bin ($("$tools_bin/pulumi" version))"
}

main "$@"
