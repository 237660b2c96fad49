# The lab's settings: defaults, validation, and the copy saved in the labdir.
# Every name, address and port of a lab derives from these, so several labs
# (other prefixes, subnets and ports) can run side by side.
# shellcheck shell=bash

LAB_REPO=$(cd "$LAB_HOME/../.." && pwd)
LAB_CACHE=${CLOUDSTACK_INFRA_CACHE:-$HOME/.cache/cloudstack-infra}

# Host i gets .(10+i); keeping i <= 50 leaves .61-.254 free for what the
# program under test allocates (CloudStack pod and public IP ranges).
LAB_MAX_HOSTS=50

# Saved with the lab so that down/add/status use the values it was made with.
LAB_SAVED_KEYS=(LAB_PREFIX LAB_MGMT_PREFIX LAB_PUB_PREFIX LAB_SSH_PORT_BASE LAB_APT_PROXY_PORT LAB_DIR LAB_BASE LAB_LOCAL_DIR)

# Host i's port 8080 (a management server's API) is forwarded from base+API_PORT_OFFSET+i.
LAB_API_PORT_OFFSET=100

settings_load() {
    LAB_PREFIX=${LAB_PREFIX:-lab}
    [[ "$LAB_PREFIX" =~ ^[a-z][a-z0-9]{0,9}$ ]] \
        || die "LAB_PREFIX='$LAB_PREFIX' is not allowed: use 1-10 lowercase letters or digits, starting with a letter (it names namespaces and the labdir)"
    LAB_DIR=${LAB_DIR:-$LAB_REPO/.lab/$LAB_PREFIX}
    LAB_STATE=$LAB_DIR/state
    if [[ -f "$LAB_STATE/config" ]]; then
        settings_read_saved
    fi
    LAB_MGMT_PREFIX=${LAB_MGMT_PREFIX:-10.15.0}
    LAB_PUB_PREFIX=${LAB_PUB_PREFIX:-10.16.0}
    LAB_SSH_PORT_BASE=${LAB_SSH_PORT_BASE:-22000}
    LAB_APT_PROXY_PORT=${LAB_APT_PROXY_PORT:-3142}
    LAB_LOCAL_DIR=${LAB_LOCAL_DIR:-}
    settings_validate
    settings_derive
}

# Saved values win over the environment: a lab keeps the addresses it has.
settings_read_saved() {
    local key value
    while IFS='=' read -r key value; do
        [[ " ${LAB_SAVED_KEYS[*]} " == *" $key "* ]] || continue
        if [[ -n "${!key:-}" && "${!key}" != "$value" ]]; then
            say "note: lab '$LAB_PREFIX' was made with $key=$value; ignoring $key=${!key} from the environment"
        fi
        printf -v "$key" '%s' "$value"
    done <"$LAB_STATE/config"
}

settings_save() {
    local key
    for key in "${LAB_SAVED_KEYS[@]}"; do printf '%s=%s\n' "$key" "${!key}"; done >"$LAB_STATE/config"
}

valid_three_octets() {
    local IFS=. octet decimal='(0|[1-9][0-9]{0,2})'
    [[ "$1" =~ ^$decimal\.$decimal\.$decimal$ ]] || return 1
    for octet in $1; do (( octet <= 255 )) || return 1; done
}

settings_validate() {
    local key
    for key in LAB_MGMT_PREFIX LAB_PUB_PREFIX; do
        valid_three_octets "${!key}" \
            || die "$key='${!key}' is not allowed: give the first three octets of a /24, e.g. 10.15.0"
    done
    [[ "$LAB_MGMT_PREFIX" != "$LAB_PUB_PREFIX" ]] \
        || die "LAB_MGMT_PREFIX and LAB_PUB_PREFIX are both '$LAB_MGMT_PREFIX': the two networks need different /24s"
    [[ "$LAB_SSH_PORT_BASE" =~ ^[0-9]+$ ]] && (( LAB_SSH_PORT_BASE >= 1024 && LAB_SSH_PORT_BASE + LAB_API_PORT_OFFSET + LAB_MAX_HOSTS <= 65535 )) \
        || die "LAB_SSH_PORT_BASE='$LAB_SSH_PORT_BASE' is not allowed: give a number from 1024 to $(( 65535 - LAB_API_PORT_OFFSET - LAB_MAX_HOSTS )) (host i listens on base+i for ssh and base+$LAB_API_PORT_OFFSET+i for port 8080)"
    [[ -z "$LAB_LOCAL_DIR" || -d "$LAB_LOCAL_DIR" ]] \
        || die "LAB_LOCAL_DIR='$LAB_LOCAL_DIR' is not a directory (it is served to the hosts as http://<mgmt gateway>:<proxy port>/local/)"
    [[ "$LAB_APT_PROXY_PORT" =~ ^[0-9]+$ ]] && (( LAB_APT_PROXY_PORT >= 1 && LAB_APT_PROXY_PORT <= 65535 )) \
        || die "LAB_APT_PROXY_PORT='$LAB_APT_PROXY_PORT' is not allowed: give a TCP port number (1-65535)"
}

settings_derive() {
    LAB_NET_NS=$LAB_PREFIX-net
    LAB_MGMT_GW=$LAB_MGMT_PREFIX.1
    LAB_PUB_GW=$LAB_PUB_PREFIX.1
    LAB_APT_PROXY_URL=http://$LAB_MGMT_GW:$LAB_APT_PROXY_PORT
    LAB_HOSTS_FILE=$LAB_STATE/hosts
    LAB_KEY=$LAB_DIR/ssh/id_ed25519
    LAB_PASSWORD_FILE=$LAB_DIR/ssh/password
    LAB_KNOWN_HOSTS=$LAB_DIR/known_hosts
    LAB_SSH_CONFIG=$LAB_DIR/ssh_config
    LAB_INVENTORY=$LAB_DIR/inventory.json
    LAB_LOGS=$LAB_DIR/logs
    LAB_NETNS_LIST=$LAB_LOGS/netns.list
    LAB_CGROUP_NAME=cloudstack-lab/$LAB_PREFIX
    # Marks this lab's processes; the slash keeps lab 'lab' apart from 'lab2'.
    LAB_MARKER=$LAB_DIR/
}

# Host names become hostnames and namespace names.
validate_host_name() {
    local name=$1
    [[ "$name" =~ ^[a-z]([a-z0-9-]{0,28}[a-z0-9])?$ ]] \
        || die "host name '$name' is not allowed: use 1-30 lowercase letters, digits or '-', starting with a letter and not ending with '-'"
    [[ "$name" != net ]] || die "host name 'net' is reserved: the lab's bridge namespace is called $LAB_PREFIX-net"
}

# state/hosts holds "index name" lines; the index fixes a host's addresses and port.
host_index() { awk -v n="$1" '$2 == n { print $1 }' "$LAB_HOSTS_FILE" 2>/dev/null; }
host_names() { awk '{ print $2 }' "$LAB_HOSTS_FILE" 2>/dev/null; }
host_mgmt_ip() { echo "$LAB_MGMT_PREFIX.$(( 10 + $1 ))"; }
host_pub_ip() { echo "$LAB_PUB_PREFIX.$(( 10 + $1 ))"; }
host_ssh_port() { echo $(( LAB_SSH_PORT_BASE + $1 )); }
host_api_port() { echo $(( LAB_SSH_PORT_BASE + LAB_API_PORT_OFFSET + $1 )); }
host_netns() { echo "$LAB_PREFIX-$1"; }
host_dir() { echo "$LAB_DIR/hosts/$1"; }

require_host() {
    [[ -n "$(host_index "$1")" ]] || die "no host '$1' in lab '$LAB_PREFIX' (hosts: $(host_names | tr '\n' ' '))"
}
