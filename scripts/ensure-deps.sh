#!/usr/bin/env bash
# Installs what the program and its tests need on this machine, once:
# npm packages (pinned by package-lock.json) and the Pulumi engine built from
# Go modules. With --test it also installs the Debian tools the tests use.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

log() { printf '[ensure-deps] %s\n' "$*" >&2; }

# npm's lockfile is the source of truth; reinstall when it changed since the last install.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.lock-hash || "$(cat node_modules/.lock-hash)" != "$lock_hash" ]]; then
    log "installing npm packages"
    # Optional native add-ons of ssh2 are not needed (it falls back to pure JavaScript).
    npm ci --no-audit --no-fund --omit=optional --loglevel=error
    echo "$lock_hash" >node_modules/.lock-hash
fi

scripts/install-pulumi.sh

if [[ "${1:-}" == "--test" ]]; then
    # sshd: real SSH for the runner's tests; shellcheck: every rendered script;
    # mariadb: backup and restore tests; sfdisk: the NFS data-disk test;
    # dpkg-scanpackages: the lab's stand-in package repository; rsync: backups of the exports;
    # postgresql (15): the shared-state test runs a private server of its own;
    # ansible-vault: the importer tests make their vaults with the real one.
    missing=()
    for pair in /usr/sbin/sshd:openssh-server /usr/bin/shellcheck:shellcheck /usr/sbin/mariadbd:mariadb-server /sbin/sfdisk:fdisk /usr/bin/dpkg-scanpackages:dpkg-dev /usr/bin/rsync:rsync /usr/lib/postgresql/15/bin/postgres:postgresql /usr/bin/ansible-vault:ansible-core; do
        [[ -e "${pair%%:*}" ]] || missing+=("${pair##*:}")
    done
    if ((${#missing[@]})); then
        if [[ $(id -u) -ne 0 ]]; then
            log "missing Debian packages (${missing[*]}); run as root or install them: apt-get install ${missing[*]}"
            exit 1
        fi
        log "installing Debian packages: ${missing[*]}"
        # policy-rc.d keeps the packages' services from starting on this machine.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
        (apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
            (apt-get update >/dev/null && apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null))
    fi
fi
