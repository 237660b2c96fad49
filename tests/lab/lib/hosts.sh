# Making hosts: provision each overlay, start its supervisor, start the
# helper (ssh forwards + apt proxy), write the client files, wait for ssh.
# shellcheck shell=bash

write_etc_hosts() {
    local index name
    {
        printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n'
        while read -r index name; do printf '%s\t%s\n' "$(host_mgmt_ip "$index")" "$name"; done <"$LAB_HOSTS_FILE"
    } >"$LAB_STATE/etc-hosts"
}

provision_host() {
    local index=$1 name=$2 dir
    dir=$(host_dir "$name")
    mkdir -p "$dir/upper" "$dir/work" "$dir/root"
    cat >"$dir/supervisor.env" <<ENV
HOST_NAME=$name
NETNS=$(host_netns "$name")
BASE=$LAB_BASE
CGROUP_NAME=$LAB_CGROUP_NAME/$name
NSPAWN=$LAB_NSPAWN
NSPAWN_LIBS=$LAB_NSPAWN_LIBS
ENV
    HOST_DIR=$dir HOST_NAME=$name BASE=$LAB_BASE PREFIX_LEN=24 \
        MGMT_IP=$(host_mgmt_ip "$index") PUB_IP=$(host_pub_ip "$index") MGMT_GW=$LAB_MGMT_GW \
        APT_PROXY_URL=$LAB_APT_PROXY_URL ETC_HOSTS_FILE=$LAB_STATE/etc-hosts \
        AUTHORIZED_KEY_FILE=$LAB_KEY.pub PASSWORD_FILE=$LAB_PASSWORD_FILE \
        unshare --mount --propagation private -- "$LAB_HOME/provision-host.sh" \
        >"$LAB_LOGS/$name.provision.log" 2>&1
}

start_supervisor() {
    local name=$1 dir
    dir=$(host_dir "$name")
    # setsid: the host outlives this command and ignores its terminal's signals.
    setsid "$LAB_HOME/supervisor.sh" "$dir" </dev/null >>"$LAB_LOGS/$name.log" 2>&1 &
    echo $! >"$dir/supervisor.pid"
}

# Creates and boots the named hosts (already listed in state/hosts).
create_hosts() {
    local name failed=()
    local -A provisioning=()   # name -> PID; hosts are provisioned in parallel
    for name in "$@"; do
        net_create_host "$(host_index "$name")" "$name"
    done
    for name in "$@"; do
        provision_host "$(host_index "$name")" "$name" &
        provisioning[$name]=$!
    done
    for name in "$@"; do
        wait "${provisioning[$name]}" || failed+=("$name")
    done
    (( ${#failed[@]} == 0 )) || die "provisioning ${failed[*]} failed; see $LAB_LOGS/${failed[0]}.provision.log"
    for name in "$@"; do start_supervisor "$name"; done
}

start_helper() {
    local ready=$LAB_STATE/helper.ready
    rm -f "$ready"
    setsid /usr/bin/python3 "$LAB_HOME/helper.py" \
        --netns "/run/netns/$LAB_NET_NS" --hosts-file "$LAB_HOSTS_FILE" \
        --mgmt-prefix "$LAB_MGMT_PREFIX" --ssh-port-base "$LAB_SSH_PORT_BASE" \
        --api-port-base "$(( LAB_SSH_PORT_BASE + LAB_API_PORT_OFFSET ))" --local-dir "$LAB_LOCAL_DIR" \
        --proxy-address "$LAB_MGMT_GW" --proxy-port "$LAB_APT_PROXY_PORT" \
        --mirror-hosts "$(mirror_hosts)" --cache-dir "$LAB_CACHE/apt-proxy" \
        --ready-file "$ready" </dev/null >>"$LAB_LOGS/helper.log" 2>&1 &
    echo $! >"$LAB_STATE/helper.pid"
    local pid=$!
    while [[ ! -s "$ready" ]]; do
        pid_alive "$pid" || die "the helper (ssh forwards, apt proxy) did not start: $(tail -n 3 "$LAB_LOGS/helper.log")"
        sleep 0.05
    done
}

reload_count() { awk '/reloaded/ { n++ } END { print n + 0 }' "$LAB_STATE/helper.ready"; }

# The helper listens on new forwards after SIGHUP and confirms in its ready file.
reload_helper() {
    local ready=$LAB_STATE/helper.ready pid before
    pid=$(<"$LAB_STATE/helper.pid")
    pid_is_ours "$pid" "$LAB_MARKER" || die "the lab's helper is not running; run down and up again"
    before=$(reload_count)
    kill -HUP "$pid"
    local deadline=$(( EPOCHSECONDS + 10 ))
    while (( $(reload_count) == before )); do
        (( EPOCHSECONDS < deadline )) || die "the helper did not take the new host"
        sleep 0.05
    done
}

check_ports_free() {
    local index port
    for index in "$@"; do
        for port in "$(host_ssh_port "$index")" "$(host_api_port "$index")"; do
            [[ -z "$(ss -Htln "sport = :$port")" ]] \
                || die "port 127.0.0.1:$port (host $index) is already in use; choose another LAB_SSH_PORT_BASE (now $LAB_SSH_PORT_BASE)"
        done
    done
}

ssh_host() { ssh -F "$LAB_SSH_CONFIG" "$@"; }

wait_ssh_ready() {
    local name deadline=$(( EPOCHSECONDS + 90 )) pending=("$@") still
    while (( ${#pending[@]} )); do
        still=()
        for name in "${pending[@]}"; do
            ssh_host -o ConnectTimeout=2 -o BatchMode=yes "$name" true 2>/dev/null || still+=("$name")
        done
        pending=("${still[@]}")
        (( ${#pending[@]} == 0 )) && break
        (( EPOCHSECONDS < deadline )) \
            || die "no ssh to ${pending[*]} after 90 s; see $LAB_LOGS/${pending[0]}.log"
        sleep 0.2
    done
}

host_key_of() { cut -d' ' -f1-2 "$(host_dir "$1")/upper/etc/ssh/ssh_host_ed25519_key.pub"; }

write_client_files() {
    local index name
    while read -r index name; do
        printf '[127.0.0.1]:%s %s\n' "$(host_ssh_port "$index")" "$(host_key_of "$name")"
    done <"$LAB_HOSTS_FILE" >"$LAB_KNOWN_HOSTS"
    while read -r index name; do
        cat <<SSHCONFIG
Host $name
    HostName 127.0.0.1
    Port $(host_ssh_port "$index")
    User root
    IdentityFile $LAB_KEY
    IdentitiesOnly yes
    UserKnownHostsFile $LAB_KNOWN_HOSTS
    StrictHostKeyChecking yes

SSHCONFIG
    done <"$LAB_HOSTS_FILE" >"$LAB_SSH_CONFIG"
    write_inventory
}

write_inventory() {
    local index name first=1
    umask 077
    {
        printf '{\n  "prefix": "%s",\n' "$LAB_PREFIX"
        printf '  "managementCidr": "%s.0/24", "managementGateway": "%s",\n' "$LAB_MGMT_PREFIX" "$LAB_MGMT_GW"
        printf '  "publicCidr": "%s.0/24", "publicGateway": "%s",\n' "$LAB_PUB_PREFIX" "$LAB_PUB_GW"
        printf '  "aptProxy": "%s",\n' "$LAB_APT_PROXY_URL"
        [[ -z "$LAB_LOCAL_DIR" ]] || printf '  "localUrl": "%s/local",\n' "$LAB_APT_PROXY_URL"
        printf '  "privateKeyFile": "%s", "knownHosts": "%s",\n' "$LAB_KEY" "$LAB_KNOWN_HOSTS"
        printf '  "hosts": [\n'
        while read -r index name; do
            (( first )) || printf ',\n'
            first=0
            printf '    { "name": "%s", "sshHost": "127.0.0.1", "sshPort": %s, "apiPort": %s, ' "$name" "$(host_ssh_port "$index")" "$(host_api_port "$index")"
            printf '"managementIp": "%s", "publicIp": "%s", ' "$(host_mgmt_ip "$index")" "$(host_pub_ip "$index")"
            printf '"managementNic": "eth0", "publicNic": "eth1", "user": "root", '
            printf '"password": %s, "hostKey": "%s" }' "$(json_string_of_file "$LAB_PASSWORD_FILE")" "$(host_key_of "$name")"
        done <"$LAB_HOSTS_FILE"
        printf '\n  ]\n}\n'
    } >"$LAB_INVENTORY.tmp"
    mv "$LAB_INVENTORY.tmp" "$LAB_INVENTORY"
    umask 022
}

# The password is the only free-form value; python quotes it as JSON.
json_string_of_file() { /usr/bin/python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().rstrip("\n")))' "$1"; }

# Lets running hosts resolve a newly added one by name.
add_to_running_etc_hosts() {
    local new_name=$1 line name
    line="$(host_mgmt_ip "$(host_index "$new_name")")	$new_name"
    for name in $(host_names); do
        [[ "$name" == "$new_name" ]] && continue
        exec_in_host "$name" sh -c "grep -q '[[:space:]]$new_name\$' /etc/hosts || echo '$line' >>/etc/hosts" \
            || say "warning: could not add $new_name to /etc/hosts of $name"
    done
}

container_pid1() {
    local nspawn_pid
    nspawn_pid=$(cat "$(host_dir "$1")/nspawn.pid" 2>/dev/null) || return 1
    pid_is_ours "$nspawn_pid" "$LAB_MARKER" || return 1
    ps -o pid= --ppid "$nspawn_pid" | awk 'NR == 1 { print $1 }'
}

# Runs a command in a host's namespaces with the host's own capability
# bounding set, as if started by the host's systemd (but without its cgroup).
exec_in_host() {
    local name=$1 pid1 mask bit caps=""
    shift
    pid1=$(container_pid1 "$name") && [[ -n "$pid1" ]] || die "host '$name' is not running"
    mask=$((16#$(awk '/^CapBnd:/ { print $2 }' "/proc/$pid1/status")))
    for bit in $(seq 0 63); do (( mask >> bit & 1 )) && caps+=",+cap_$bit"; done
    setpriv --bounding-set "-all$caps" -- \
        nsenter --target "$pid1" --mount --uts --ipc --net --pid --cgroup -- \
        env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 "$@"
}
