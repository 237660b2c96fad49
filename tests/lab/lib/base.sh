# What the hosts run on: systemd-nspawn (extracted, not installed) and the
# shared read-only base root filesystem, both cached under $LAB_CACHE.
# shellcheck shell=bash

LAB_SUITE=bookworm
LAB_BASE_PACKAGES=openssh-server,python3,iproute2,sudo,systemd,systemd-sysv,dbus,libpam-systemd,iputils-ping,procps,netbase,ca-certificates,curl,gnupg,less,lsb-release,kmod,netplan.io,udev
LAB_APT_SOURCES=/etc/apt/sources.list.d/debian.sources

# URIs of the machine's Debian sources, one per line (deb822 format).
apt_source_uris() {
    [[ -r "$LAB_APT_SOURCES" ]] || die "cannot read $LAB_APT_SOURCES: the lab takes its Debian mirror from there"
    awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$LAB_APT_SOURCES"
}

# The archive mirror is the URI whose stanza lists the plain suite.
debian_mirror() {
    awk -v suite="$LAB_SUITE" '
        BEGIN { RS = ""; FS = "\n" }
        {
            uris = ""; has = 0
            for (i = 1; i <= NF; i++) {
                if ($i ~ /^URIs:/) { uris = $i; sub(/^URIs: */, "", uris) }
                if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) has = 1 }
            }
            if (has && uris != "") { split(uris, u, " "); print u[1]; exit }
        }' "$LAB_APT_SOURCES"
}

# Host names the apt proxy may fetch from: exactly the machine's own mirrors.
mirror_hosts() { apt_source_uris | sed -E 's#^[a-z]+://([^/:]+).*#\1#' | sort -u | paste -sd, -; }

ensure_nspawn() {
    if command -v systemd-nspawn >/dev/null; then
        LAB_NSPAWN=$(command -v systemd-nspawn); LAB_NSPAWN_LIBS=""
        return
    fi
    local version dir
    version=$(apt-cache policy systemd-container | awk '/Candidate:/ { print $2 }')
    [[ -n "$version" && "$version" != "(none)" ]] || die "apt knows no systemd-container package (run apt-get update)"
    dir=$LAB_CACHE/nspawn-$version
    if [[ ! -x "$dir/usr/bin/systemd-nspawn" ]]; then
        say "fetching systemd-nspawn $version (extracted into $dir, not installed)"
        local tmp=$dir.tmp
        rm -rf "$tmp"; mkdir -p "$tmp/debs"
        (cd "$tmp/debs" && apt-get download -q -o APT::Sandbox::User=root \
            "systemd-container=$version" "libsystemd-shared=$version" >/dev/null) \
            || die "apt-get download systemd-container=$version libsystemd-shared=$version failed"
        local deb
        for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp"; done
        rm -rf "$tmp/debs"
        mv "$tmp" "$dir"
    fi
    LAB_NSPAWN=$dir/usr/bin/systemd-nspawn
    # The binary has a RUNPATH, so LD_LIBRARY_PATH wins over the machine's older library.
    LAB_NSPAWN_LIBS=$dir/usr/lib/x86_64-linux-gnu/systemd
}

# Every host's systemd, journald, networkd and logind hold inotify instances
# (about 7 a host, measured), all counted against root's limit, 128 on Debian:
# labs running side by side (the test suite runs three suites at once) pass it,
# and a host that cannot get one never reaches ssh ("Too many open files" in its
# log). The limit is raised, never lowered.
LAB_INOTIFY_INSTANCES=1024
ensure_inotify_instances() {
    local now
    now=$(cat /proc/sys/fs/inotify/max_user_instances)
    (( now >= LAB_INOTIFY_INSTANCES )) && return
    sysctl -q -w "fs.inotify.max_user_instances=$LAB_INOTIFY_INSTANCES" \
        || die "could not raise fs.inotify.max_user_instances from $now to $LAB_INOTIFY_INSTANCES (lab hosts need about 7 each)"
    say "raised fs.inotify.max_user_instances from $now to $LAB_INOTIFY_INSTANCES (lab hosts need about 7 each)"
}

hash_of() { sha256sum | cut -c1-12; }

# Two cached stages: the slow debootstrap (keyed by suite, mirror and
# packages) and the quick customization on a copy of it (keyed also by the
# files under base/), so changing the customization does not re-run debootstrap.
ensure_base() {
    local mirror bootstrap_key base_key
    mirror=$(debian_mirror)
    [[ -n "$mirror" ]] || die "no URIs for suite '$LAB_SUITE' in $LAB_APT_SOURCES"
    bootstrap_key=$(printf '%s\n' "$LAB_SUITE" "$mirror" "$LAB_BASE_PACKAGES" | hash_of)
    base_key=$( { echo "$bootstrap_key"; cat "$LAB_APT_SOURCES" "$LAB_HOME"/base/*; } | hash_of)
    LAB_BASE=$LAB_CACHE/lab-base-$base_key
    [[ -f "$LAB_BASE/.complete" ]] && return

    mkdir -p "$LAB_CACHE"
    exec {lock_fd}>"$LAB_CACHE/.lab-base.lock"
    flock "$lock_fd"
    if [[ ! -f "$LAB_BASE/.complete" ]]; then
        build_bootstrap "$LAB_CACHE/lab-bootstrap-$bootstrap_key" "$mirror"
        say "customizing the base into $LAB_BASE"
        rm -rf "$LAB_BASE.tmp"
        cp -a "$LAB_CACHE/lab-bootstrap-$bootstrap_key" "$LAB_BASE.tmp"
        rm -f "$LAB_BASE.tmp/.complete"
        "$LAB_HOME/base/customize.sh" "$LAB_BASE.tmp" >"$LAB_CACHE/lab-base-$base_key.log" 2>&1 \
            || die "customizing the base failed; see $LAB_CACHE/lab-base-$base_key.log"
        touch "$LAB_BASE.tmp/.complete"
        mv "$LAB_BASE.tmp" "$LAB_BASE"
    fi
    exec {lock_fd}>&-
}

build_bootstrap() {
    local target=$1 mirror=$2 log=$1.log
    [[ -f "$target/.complete" ]] && return
    if ! command -v debootstrap >/dev/null; then
        say "installing debootstrap (apt-get install --no-install-recommends debootstrap)"
        apt-get install -y -q --no-install-recommends debootstrap >/dev/null \
            || die "apt-get install debootstrap failed"
    fi
    say "building the base root filesystem with debootstrap (about 2 minutes, log: $log)"
    rm -rf "$target.tmp"
    nice -n 10 debootstrap --variant=minbase --include="$LAB_BASE_PACKAGES" \
        "$LAB_SUITE" "$target.tmp" "$mirror" >"$log" 2>&1 \
        || die "debootstrap failed; see $log"
    touch "$target.tmp/.complete"
    mv "$target.tmp" "$target"
}
