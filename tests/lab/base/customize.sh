#!/bin/bash
# Turns a debootstrap tree into the lab's shared base root filesystem.
# Everything per host (names, keys, passwords, addresses) is added later in
# each host's own overlay; this tree stays read-only and shared.
set -euo pipefail
root=$1
here=$(cd "$(dirname "$0")" && pwd)

# The same sources as the machine; hosts reach them only through the lab's apt proxy.
rm -f "$root/etc/apt/sources.list"
install -m 0644 /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/debian.sources"

install -m 0644 "$here/sshd-lab.conf" "$root/etc/ssh/sshd_config.d/lab.conf"
rm -f "$root"/etc/ssh/ssh_host_*

install -m 0755 "$here/udevadm" "$root/usr/local/sbin/udevadm"

chroot "$root" useradd --create-home --shell /bin/bash --groups sudo debian
install -m 0440 "$here/sudoers-debian" "$root/etc/sudoers.d/debian"

# Networking is managed from boot (netplan generates networkd files), as on a
# cloud image; nothing else must touch the NICs. No console logins, and no
# background apt runs that would hold the dpkg lock under a test.
systemctl --root="$root" enable systemd-networkd.service
systemctl --root="$root" mask console-getty.service getty@tty1.service \
    apt-daily.timer apt-daily-upgrade.timer apt-daily.service apt-daily-upgrade.service

# Per-host identity comes later; an empty machine-id is the "not yet set" state.
rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
: >"$root/etc/machine-id"

rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
mkdir -p "$root/var/lib/apt/lists/partial"
