# Logging, errors, timing and process helpers shared by every lab command.
# shellcheck shell=bash

say() { printf 'lab: %s\n' "$*" >&2; }
die() { printf 'lab: error: %s\n' "$*" >&2; exit 1; }

# Phase timings are printed so that slow steps show up in CI logs and benches.
phase_started=""
phase_name=""
phase_begin() { phase_name=$1; phase_started=$EPOCHREALTIME; }
phase_end() {
    local elapsed
    elapsed=$(awk -v a="$phase_started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    printf 'lab: phase %-14s %6ss\n' "$phase_name" "$elapsed" >&2
}
seconds_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# A recorded PID is only signalled while its command line still names this lab,
# so a PID reused by an unrelated process after a crash is never touched.
pid_is_ours() {
    local pid=$1 marker=$2
    [[ -n "$pid" && -r /proc/$pid/cmdline ]] || return 1
    tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF -- "$marker"
}

# A process may end between being found and being signalled; that is fine.
send_signal() { local signal=$1; shift; kill -"$signal" "$@" 2>/dev/null || true; }

# A zombie counts as gone: ended processes whose parent (the lab command that
# started them) has exited wait for the machine's PID 1 to reap them.
pid_alive() {
    local stat
    [[ -n "$1" ]] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ "${stat:0:1}" != Z ]]
}

# Waits until none of the PIDs exists any more, at most $1 seconds.
wait_pids_gone() {
    local timeout=$1; shift
    local deadline=$(( EPOCHSECONDS + timeout )) pid alive
    while :; do
        alive=0
        for pid in "$@"; do pid_alive "$pid" && alive=1; done
        (( alive == 0 )) && return 0
        (( EPOCHSECONDS >= deadline )) && return 1
        sleep 0.1
    done
}

# The inode of a namespace file identifies it even after its name is gone.
netns_inode() { stat -L -c %i "/run/netns/$1" 2>/dev/null; }

# PIDs of all processes whose network namespace has one of the given inodes.
pids_in_netns_inodes() {
    { stat -L -c '%i %n' /proc/[0-9]*/ns/net 2>/dev/null || true; } \
        | awk -v wanted=" $* " 'index(wanted, " " $1 " ") { split($2, p, "/"); print p[3] }'
}

# PIDs of processes whose command line mentions one of the strings (not this shell's own family).
# The strings reach grep through a file, so grep does not find itself.
pids_mentioning() {
    { grep -laF -f <(printf '%s\n' "$@") /proc/[0-9]*/cmdline 2>/dev/null || true; } \
        | awk -F/ -v a="$$" -v b="$BASHPID" -v c="$PPID" '$3 != a && $3 != b && $3 != c { print $3 }'
    return 0
}
