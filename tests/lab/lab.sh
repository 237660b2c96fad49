#!/bin/bash
# The multi-host test lab: Debian 12 hosts booted with systemd-nspawn, each
# in its own network namespace on two lab bridges. See tests/lab/README.md.
set -Eeuo pipefail
trap 'say "failed: $BASH_COMMAND (${BASH_SOURCE[0]}:$LINENO)"' ERR
LAB_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for lib in common settings base network hosts teardown selftest; do
    # shellcheck source=/dev/null
    source "$LAB_HOME/lib/$lib.sh"
done

usage() {
    cat <<'USAGE'
usage: lab.sh COMMAND
  up N | up NAME...     create and boot hosts (h1..hN, or the names given)
  add NAME              add one host to a running lab
  down [--purge]        remove everything of the lab (--purge: also its logs and labdir)
  status                list the hosts and whether they run
  check                 verify nothing of the lab is left (after down)
  selftest              check the running lab end to end; last line "N passed, N failed"
  ssh NAME [CMD...]     ssh to a host as root (key auth)
  exec NAME CMD...      run a command inside a host without ssh (nsenter)
  link NAME up|down     restore or cut a host's network cables (its veths on the lab bridges)
  reboot NAME           systemctl reboot in the host; returns when it answers ssh again
settings (environment; saved with the lab): LAB_PREFIX=lab LAB_MGMT_PREFIX=10.15.0
  LAB_PUB_PREFIX=10.16.0 LAB_SSH_PORT_BASE=22000 LAB_APT_PROXY_PORT=3142 LAB_DIR
  LAB_PASSWORD (default labpass), CLOUDSTACK_INFRA_CACHE (default ~/.cache/cloudstack-infra)
USAGE
}

require_root() { (( EUID == 0 )) || die "the lab needs root (namespaces, mounts, cgroups)"; }

require_tools() {
    local tool missing=()
    for tool in ip unshare nsenter setpriv setsid findmnt ss ssh ssh-keygen chpasswd flock dpkg-deb apt-get; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    [[ -x /usr/bin/python3 ]] || missing+=(/usr/bin/python3)
    (( ${#missing[@]} == 0 )) || die "missing tools: ${missing[*]}"
}

require_up() {
    [[ -f "$LAB_STATE/config" ]] || die "lab '$LAB_PREFIX' is not up (no $LAB_STATE/config)"
}

# "up 3" means h1 h2 h3; anything else is a list of names.
names_from_args() {
    (( $# )) || die "up needs a number of hosts or their names"
    if [[ $# -eq 1 && "$1" =~ ^[0-9]+$ ]]; then
        (( $1 >= 1 && $1 <= LAB_MAX_HOSTS )) || die "up $1: the number of hosts must be from 1 to $LAB_MAX_HOSTS"
        seq -f 'h%g' 1 "$1"
        return
    fi
    (( $# <= LAB_MAX_HOSTS )) || die "up: at most $LAB_MAX_HOSTS hosts"
    local name
    for name in "$@"; do validate_host_name "$name"; done
    [[ -z "$(printf '%s\n' "$@" | sort | uniq -d)" ]] || die "up: host names repeat: $(printf '%s\n' "$@" | sort | uniq -d | paste -sd' ')"
    printf '%s\n' "$@"
}

make_credentials() {
    mkdir -p "$LAB_DIR/ssh"
    chmod 0700 "$LAB_DIR" "$LAB_DIR/ssh"
    ssh-keygen -q -t ed25519 -N '' -C "cloudstack-infra lab $LAB_PREFIX" -f "$LAB_KEY"
    (umask 077; printf '%s\n' "${LAB_PASSWORD:-labpass}" >"$LAB_PASSWORD_FILE")
}

cmd_up() {
    local names started=$EPOCHREALTIME
    names=$(names_from_args "$@") || exit 1
    require_root
    require_tools
    [[ ! -f "$LAB_STATE/config" ]] || die "lab '$LAB_PREFIX' is already up; use 'add NAME', or 'down' first"
    cmd_check >/dev/null || die "lab '$LAB_PREFIX' has leftovers of an earlier run ($(cmd_check | tail -n 1)); run 'down' first"
    [[ -z "${LAB_PASSWORD+x}" || "$LAB_PASSWORD" =~ ^[^[:space:]:]+$ ]] \
        || die "LAB_PASSWORD is not allowed: use no whitespace and no ':'"
    local count
    count=$(wc -l <<<"$names")
    check_ports_free $(seq 1 "$count")

    phase_begin base; ensure_nspawn; ensure_inotify_instances; ensure_base; phase_end

    trap 'up_failed' EXIT
    rm -rf "$LAB_LOGS"
    mkdir -p "$LAB_STATE" "$LAB_LOGS"
    settings_save
    make_credentials
    paste -d' ' <(seq 1 "$count") <(echo "$names") >"$LAB_HOSTS_FILE"
    write_etc_hosts

    phase_begin network; net_create_lab; start_helper; phase_end
    phase_begin hosts
    # shellcheck disable=SC2046
    create_hosts $(host_names)
    write_client_files
    phase_end
    phase_begin ssh-ready
    # shellcheck disable=SC2046
    wait_ssh_ready $(host_names)
    phase_end
    trap - EXIT
    say "up: lab '$LAB_PREFIX' with $count hosts in $(seconds_since "$started") s"
    say "  ssh -F $LAB_SSH_CONFIG h1    inventory: $LAB_INVENTORY"
}

up_failed() {
    say "up failed; taking the half-made lab down (logs stay in $LAB_LOGS)"
    cmd_down >&2 || true
}

cmd_add() {
    (( $# == 1 )) || die "usage: add NAME"
    local name=$1 index started=$EPOCHREALTIME
    validate_host_name "$name"
    require_root
    require_up
    [[ -z "$(host_index "$name")" ]] || die "lab '$LAB_PREFIX' already has a host '$name'"
    index=$(( $(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$LAB_HOSTS_FILE") + 1 ))
    (( index <= LAB_MAX_HOSTS )) || die "lab '$LAB_PREFIX' has reached $LAB_MAX_HOSTS hosts"
    check_ports_free "$index"
    ensure_nspawn
    ensure_inotify_instances
    trap 'say "add failed; host $name may be half made: run down and up again"' EXIT
    echo "$index $name" >>"$LAB_HOSTS_FILE"
    write_etc_hosts
    create_hosts "$name"
    reload_helper
    write_client_files
    wait_ssh_ready "$name"
    add_to_running_etc_hosts "$name"
    trap - EXIT
    say "add: $name ($(host_mgmt_ip "$index"), ssh port $(host_ssh_port "$index")) in $(seconds_since "$started") s"
}

cmd_status() {
    if [[ ! -f "$LAB_STATE/config" ]]; then
        echo "lab '$LAB_PREFIX' is not up"
        cmd_check
        return
    fi
    local index name state pid
    echo "lab '$LAB_PREFIX' ($LAB_DIR): management $LAB_MGMT_PREFIX.0/24, public $LAB_PUB_PREFIX.0/24, apt proxy $LAB_APT_PROXY_URL"
    pid=$(recorded_pid "$LAB_STATE/helper.pid")
    echo "helper (ssh forwards, apt proxy): ${pid:+running, pid }${pid:-NOT RUNNING}"
    printf '%-12s %-15s %-15s %-6s %s\n' NAME MANAGEMENT PUBLIC SSH STATE
    while read -r index name; do
        if [[ -n "$(recorded_pid "$(host_dir "$name")/supervisor.pid")" ]]; then
            state=$(exec_in_host "$name" systemctl is-system-running 2>/dev/null) || true
            state=${state:-starting}
        else
            state=stopped
        fi
        printf '%-12s %-15s %-15s %-6s %s\n' "$name" "$(host_mgmt_ip "$index")" "$(host_pub_ip "$index")" \
            "$(host_ssh_port "$index")" "$state"
    done <"$LAB_HOSTS_FILE"
}

# Cuts (down) or restores (up) both of a host's cables at the lab's side: the
# host keeps its addresses and processes, but no packet reaches it, as when a
# switch port or the uplink fails.
cmd_link() {
    local name=$1 state=$2 index
    index=$(host_index "$name")
    ip -n "$LAB_NET_NS" link set "vm$index" "$state"
    ip -n "$LAB_NET_NS" link set "vp$index" "$state"
}

# Reboots a host the way its operator would (systemctl reboot): its supervisor
# starts it again; returns once it answers ssh.
cmd_reboot() {
    local name=$1 before now deadline=$(( EPOCHSECONDS + 90 ))
    before=$(container_pid1 "$name") || die "host '$name' is not running"
    exec_in_host "$name" systemctl reboot || die "reboot: systemctl reboot failed on '$name'"
    # The old sshd may answer for a moment: wait until the host's PID 1 is a new one.
    while now=$(container_pid1 "$name" 2>/dev/null); [[ -z $now || $now == "$before" ]]; do
        (( EPOCHSECONDS < deadline )) || die "reboot: '$name' did not come back within 90 s; see $LAB_LOGS/$name.log"
        sleep 0.2
    done
    wait_ssh_ready "$name"
}

main() {
    local command=${1:-help}
    (( $# )) && shift
    case "$command" in
        help|-h|--help) usage; return ;;
        up|add|down|status|check|selftest|ssh|exec|link|reboot) ;;
        *) usage >&2; die "unknown command '$command'" ;;
    esac
    settings_load
    case "$command" in
        up) cmd_up "$@" ;;
        add) cmd_add "$@" ;;
        down) require_root; cmd_down "$@" ;;
        status) require_root; cmd_status ;;
        check) require_root; cmd_check ;;
        selftest) require_root; require_up; cmd_selftest || exit 1 ;;
        ssh) (( $# )) || die "usage: ssh NAME [CMD...]"; require_up; require_host "$1"; exec ssh -F "$LAB_SSH_CONFIG" "$@" ;;
        exec) (( $# >= 2 )) || die "usage: exec NAME CMD..."; require_root; require_up; require_host "$1"; exec_in_host "$@" ;;
        link) (( $# == 2 )) && [[ $2 == up || $2 == down ]] || die "usage: link NAME up|down (not: link $*)"; require_root; require_up; require_host "$1"; cmd_link "$@" ;;
        reboot) (( $# == 1 )) || die "usage: reboot NAME"; require_root; require_up; require_host "$1"; cmd_reboot "$1" ;;
    esac
}

main "$@"
