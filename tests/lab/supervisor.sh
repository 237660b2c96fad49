#!/bin/bash
# Keeps one lab host running: systemd-nspawn --boot on the host's overlay
# root, started again when the host reboots (nspawn exits 133), stopped
# cleanly on SIGTERM (nspawn asks the host's systemd to halt).
#
# Usage: supervisor.sh HOST_DIR   (HOST_DIR/supervisor.env says the rest)
#
# The machine has no systemd, so nspawn is given what systemd would give it:
# a cgroup of its own per host (two hosts in one cgroup clash) and a tmpfs
# over /run/systemd (its lock and propagation directories must not land on
# the machine). Both live in a private mount namespace that ends with this
# process, so no mount of the lab is ever visible on the machine.
set -uo pipefail
host_dir=$1
# shellcheck source=/dev/null
source "$host_dir/supervisor.env"   # HOST_NAME NETNS BASE CGROUP_NAME NSPAWN NSPAWN_LIBS

if [[ "${2:-}" != --inside ]]; then
    for hierarchy in systemd unified; do
        mkdir -p "/sys/fs/cgroup/$hierarchy/$CGROUP_NAME"
        echo $$ >"/sys/fs/cgroup/$hierarchy/$CGROUP_NAME/cgroup.procs"
    done
    exec unshare --mount --propagation private -- "$0" "$host_dir" --inside
fi

exec 9<"/run/netns/$NETNS"
# This namespace got copies of every named netns mount on the machine,
# other labs' too; holding them would keep those namespaces alive after
# their owners delete them. nspawn gets the host's netns through fd 9.
findmnt -rn -o TARGET | grep '^/run/netns/.' | while read -r target; do umount -l "$target"; done

mount -t tmpfs -o mode=0755,size=16m lab-run-systemd /run/systemd
mount -t overlay lab-root \
    -o "lowerdir=$BASE,upperdir=$host_dir/upper,workdir=$host_dir/work" "$host_dir/root"

stopping=0
child=""
trap 'stopping=1; [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM INT

while :; do
    echo "supervisor: starting $HOST_NAME ($(date -Is))"
    SYSTEMD_NSPAWN_API_VFS_WRITABLE=network LD_LIBRARY_PATH=$NSPAWN_LIBS \
        "$NSPAWN" --boot --keep-unit --register=no --quiet \
        --directory="$host_dir/root" --machine="$HOST_NAME" \
        --network-namespace-path=/proc/self/fd/9 \
        --capability=CAP_NET_ADMIN,CAP_IPC_LOCK \
        --resolv-conf=off --timezone=off --link-journal=no --console=read-only \
        </dev/null &
    child=$!
    echo "$child" >"$host_dir/nspawn.pid"
    # A trapped signal interrupts wait; wait again until nspawn has really ended.
    while :; do
        wait "$child"; status=$?
        kill -0 "$child" 2>/dev/null || break
    done
    child=""
    echo "supervisor: $HOST_NAME ended with status $status ($(date -Is))"
    if (( status == 133 && stopping == 0 )); then continue; fi
    exit "$status"
done
