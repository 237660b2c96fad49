# Taking a lab down and proving nothing of it is left. Only what this lab
# recorded is touched: PIDs whose command line still names the labdir,
# namespaces listed in logs/netns.list, cgroups under cloudstack-lab/<prefix>.
# shellcheck shell=bash

# Lines are "name" (before creation) and "name inode" (after).
recorded_netns_names() { [[ -f "$LAB_NETNS_LIST" ]] && awk '{ print $1 }' "$LAB_NETNS_LIST" | sort -u; return 0; }
# Only inodes that /run/netns/<name> still points to: a namespace deleted
# earlier frees its inode, which the kernel may give to another lab's.
recorded_netns_inodes() {
    local name inode
    [[ -f "$LAB_NETNS_LIST" ]] || return 0
    while read -r name inode; do
        [[ -n "$inode" && -e /run/netns/$name ]] || continue
        [[ "$(netns_inode "$name")" == "$inode" ]] && echo "$inode"
    done < "$LAB_NETNS_LIST" | sort -u
    return 0
}
# Prefixes contain no '-', so "lab-" never matches another lab's namespaces.
named_netns_of_lab() { ls /run/netns 2>/dev/null | awk -v p="$LAB_PREFIX-" 'index($0, p) == 1'; }
lab_cgroup_dirs() { ls -d /sys/fs/cgroup/*/"$LAB_CGROUP_NAME" 2>/dev/null || true; }

# PIDs found in the lab's cgroups: every process a host ever started.
pids_in_lab_cgroups() {
    local dir
    for dir in $(lab_cgroup_dirs); do
        find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null || true
    done | sort -un
}

# Supervisors, nspawn and the helper name a path under hosts/ or state/ in
# their command line; an engineer's `tail logs/...` or `ssh -F ssh_config` does not.
lab_process_pids() { pids_mentioning "$LAB_DIR/hosts/" "$LAB_DIR/state/"; }

recorded_pid() {
    local pid
    pid=$(cat "$1" 2>/dev/null) || return 0
    pid_is_ours "$pid" "$LAB_MARKER" && echo "$pid"
    return 0
}

# SIGTERM makes nspawn ask the host's systemd to halt (under a second).
# A host whose supervisor has crashed is halted through its nspawn directly.
stop_hosts() {
    local dir pid stopping=()
    for dir in "$LAB_DIR"/hosts/*/; do
        pid=$(recorded_pid "$dir/supervisor.pid")
        [[ -n "$pid" ]] || pid=$(recorded_pid "$dir/nspawn.pid")
        [[ -n "$pid" ]] || continue
        stopping+=("$pid")
        send_signal TERM "$pid"
    done
    (( ${#stopping[@]} )) || return 0
    wait_pids_gone 15 "${stopping[@]}" && return 0
    say "hosts did not halt within 15 s; killing them"
    # The container's PID 1 first: its death ends the host's whole PID namespace.
    for dir in "$LAB_DIR"/hosts/*/; do
        pid=$(container_pid1 "$(basename "$dir")") || true
        [[ -n "$pid" ]] && send_signal KILL "$pid"
        pid=$(recorded_pid "$dir/nspawn.pid")
        [[ -n "$pid" ]] && send_signal KILL "$pid"
    done
    send_signal KILL "${stopping[@]}"
    wait_pids_gone 5 "${stopping[@]}" || true
}

stop_helper() {
    local pid
    pid=$(recorded_pid "$LAB_STATE/helper.pid")
    [[ -n "$pid" ]] || return 0
    send_signal TERM "$pid"
    wait_pids_gone 3 "$pid" || send_signal KILL "$pid"
    wait_pids_gone 3 "$pid" || true
}

# Whatever survived (a crashed supervisor's host, a process that left the
# host's cgroup or namespace) is found by namespace, cgroup and command line.
kill_stragglers() {
    local round pids inodes
    mapfile -t inodes < <(recorded_netns_inodes)
    for round in 1 2 3 4 5; do
        pids=$( { (( ${#inodes[@]} )) && pids_in_netns_inodes "${inodes[@]}"; pids_in_lab_cgroups; lab_process_pids; } | sort -un)
        [[ -z "$pids" ]] && return 0
        # shellcheck disable=SC2086
        send_signal KILL $pids
        sleep 0.2
    done
}

remove_namespaces() {
    local name
    for name in $(recorded_netns_names); do
        [[ -e /run/netns/$name ]] && ip netns del "$name"
    done
    return 0
}

remove_cgroups() {
    local dir
    for dir in $(lab_cgroup_dirs); do
        find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
        rmdir "$(dirname "$dir")" 2>/dev/null || true   # cloudstack-lab/, when no other lab uses it
    done
    return 0
}

cmd_down() {
    local purge=0 started=$EPOCHREALTIME
    case "${1:-}" in
        "") ;;
        --purge) purge=1 ;;
        *) die "down: unknown option '$1' (allowed: --purge)" ;;
    esac
    phase_begin stop-hosts; stop_hosts; phase_end
    phase_begin cleanup
    stop_helper
    kill_stragglers
    remove_namespaces
    remove_cgroups
    phase_end
    if ! cmd_check; then
        die "down left something behind (listed above); nothing was deleted from $LAB_DIR"
    fi
    rm -rf "$LAB_DIR/hosts" "$LAB_STATE" "$LAB_DIR/ssh" "$LAB_KNOWN_HOSTS" "$LAB_SSH_CONFIG" "$LAB_INVENTORY" "$LAB_NETNS_LIST"
    if (( purge )); then rm -rf "$LAB_DIR"; fi
    say "down: lab '$LAB_PREFIX' removed in $(seconds_since "$started") s"
}

cmd_check() {
    local problems=() name pids inodes
    for name in $( { recorded_netns_names; named_netns_of_lab; } | sort -u); do
        [[ -e /run/netns/$name ]] && problems+=("network namespace $name")
    done
    grep -qF " $LAB_DIR/" /proc/self/mountinfo && problems+=("mounts under $LAB_DIR")
    mapfile -t inodes < <(recorded_netns_inodes)
    (( ${#inodes[@]} )) && pids=$(pids_in_netns_inodes "${inodes[@]}" | paste -sd' ') \
        && [[ -n "$pids" ]] && problems+=("processes in the lab's network namespaces: $pids")
    pids=$(lab_process_pids | paste -sd' ')
    [[ -n "$pids" ]] && problems+=("processes of the lab (supervisor, nspawn, helper): $pids")
    for name in $(lab_cgroup_dirs); do problems+=("cgroup $name"); done
    if (( ${#problems[@]} )); then
        for name in "${problems[@]}"; do printf "check: left of lab '%s': %s\n" "$LAB_PREFIX" "$name"; done
        return 1
    fi
    echo "check: nothing of lab '$LAB_PREFIX' left"
}
