#!/bin/bash
# Gives a new lab host its identity, written into its own overlay before the
# first boot: hostname, machine-id, ssh host keys, users' passwords and keys,
# the network as netplan config (like an Ubuntu cloud image), apt proxy.
#
# Runs in a throw-away mount namespace (unshare -m), so the overlay mounted
# here is never visible on the machine and goes away with this process.
# Input (environment): HOST_DIR HOST_NAME BASE MGMT_IP PUB_IP PREFIX_LEN
# MGMT_GW APT_PROXY_URL ETC_HOSTS_FILE AUTHORIZED_KEY_FILE PASSWORD_FILE
set -euo pipefail
root=$HOST_DIR/root
mount -t overlay lab-provision \
    -o "lowerdir=$BASE,upperdir=$HOST_DIR/upper,workdir=$HOST_DIR/work" "$root"

echo "$HOST_NAME" >"$root/etc/hostname"
cp "$ETC_HOSTS_FILE" "$root/etc/hosts"
tr -d '-' </proc/sys/kernel/random/uuid >"$root/etc/machine-id"

ssh-keygen -q -A -f "$root"

# Passwords go through stdin only, never a command line.
password=$(<"$PASSWORD_FILE")
printf 'root:%s\ndebian:%s\n' "$password" "$password" | chpasswd -R "$root"

install_authorized_key() {
    local home=$1 owner=$2
    install -d -m 0700 -o "$owner" -g "$owner" "$root$home/.ssh"
    install -m 0600 -o "$owner" -g "$owner" "$AUTHORIZED_KEY_FILE" "$root$home/.ssh/authorized_keys"
}
install_authorized_key /root 0
install_authorized_key /home/debian "$(awk -F: '$1 == "debian" { print $3 }' "$root/etc/passwd")"

# The address is managed from boot (netplan -> networkd): a program that
# later moves it onto a bridge with `netplan apply` finds it where it would
# on a real server, not as a "foreign" address networkd refuses to give up.
umask 077
cat >"$root/etc/netplan/50-cloud-init.yaml" <<NETPLAN
network:
  version: 2
  renderer: networkd
  ethernets:
    eth0:
      addresses: [$MGMT_IP/$PREFIX_LEN]
      routes:
        - to: default
          via: $MGMT_GW
    eth1:
      addresses: [$PUB_IP/$PREFIX_LEN]
NETPLAN
umask 022

echo "Acquire::http::Proxy \"$APT_PROXY_URL\";" >"$root/etc/apt/apt.conf.d/01lab-proxy"
# Nothing answers DNS in the lab, so lookups fail at once instead of hanging;
# every lab host is in /etc/hosts.
printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$MGMT_GW" >"$root/etc/resolv.conf"

umount "$root"
