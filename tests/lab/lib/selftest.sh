# `lab.sh selftest`: checks a running lab end to end, the way the program
# under test will use it. Prints one line per check and, last,
# "N passed, N failed". Hosts are left as they were found (a test package
# is purged, VXLAN links deleted, the netplan bridges moved back).
# shellcheck shell=bash

selftest_passed=0
selftest_failed=0

# check_that DESCRIPTION COMMAND...: the command's output is shown only on failure.
check_that() {
    local description=$1 output started=$EPOCHREALTIME
    shift
    if output=$("$@" 2>&1); then
        selftest_passed=$(( selftest_passed + 1 ))
        echo "ok    $description ($(seconds_since "$started") s)"
    else
        selftest_failed=$(( selftest_failed + 1 ))
        echo "FAIL  $description ($(seconds_since "$started") s)"
        [[ -n "$output" ]] && sed 's/^/      | /' <<<"$output" | tail -n 15
    fi
    return 0
}

# expect_output EXPECTED COMMAND...: the command succeeds and prints exactly EXPECTED.
expect_output() {
    local expected=$1 actual
    shift
    actual=$("$@") || return 1
    [[ "$actual" == "$expected" ]] || { echo "expected '$expected', got '$actual'"; return 1; }
}

on() { ssh_host -o BatchMode=yes -o ConnectTimeout=5 "$@"; }

# Password logins use OpenSSH's askpass hook, so the password is never on a command line.
ssh_with_password_file() {
    local password_file=$1; shift
    LAB_ASKPASS_FILE=$password_file SSH_ASKPASS="$LAB_HOME/askpass.sh" SSH_ASKPASS_REQUIRE=force \
        ssh -F "$LAB_SSH_CONFIG" -o PreferredAuthentications=password -o PubkeyAuthentication=no \
        -o NumberOfPasswordPrompts=1 -o ConnectTimeout=5 "$@" </dev/null
}

wrong_password_is_refused() {
    local wrong rc=0
    wrong=$(mktemp)
    echo "not-$(cat "$LAB_PASSWORD_FILE")" >"$wrong"
    ssh_with_password_file "$wrong" "$1" true 2>&1 || rc=$?
    rm -f "$wrong"
    (( rc == 255 )) || { echo "expected ssh to fail with 255, got $rc"; return 1; }
}

system_running() {
    expect_output running on "$1" timeout 60 systemctl is-system-running --wait
}

apt_installs_through_proxy() {
    on "$1" 'export DEBIAN_FRONTEND=noninteractive; apt-get -q update >/dev/null && apt-get -q install -y hello >/dev/null \
        && hello && apt-get purge -y -q hello >/dev/null'
}

proxy_answers() {
    local host=$1 expected=$2 url=$3
    expect_output "$expected" on "$host" curl -s -o /dev/null -w '%{http_code}' -x "$LAB_APT_PROXY_URL" "$url"
}

proxy_refuses_connect() {
    # curl fails when the tunnel is refused; the proxy's answer is what counts.
    expect_output 403 on "$1" "curl -s -o /dev/null -w '%{http_connect}' -x $LAB_APT_PROXY_URL https://deb.debian.org/; true"
}

# Unicast VXLAN between the first two hosts, as `ip` sets it up by hand.
vxlan_unicast() {
    local a=$1 b=$2 ia ib
    ia=$(host_index "$a"); ib=$(host_index "$b")
    on "$a" "ip link add vxlan5000 type vxlan id 5000 local $(host_mgmt_ip "$ia") remote $(host_mgmt_ip "$ib") dstport 4789 dev eth0 \
        && ip addr add 10.50.0.1/24 dev vxlan5000 && ip link set vxlan5000 up" || return 1
    on "$b" "ip link add vxlan5000 type vxlan id 5000 local $(host_mgmt_ip "$ib") remote $(host_mgmt_ip "$ia") dstport 4789 dev eth0 \
        && ip addr add 10.50.0.2/24 dev vxlan5000 && ip link set vxlan5000 up" || return 1
    local rc=0
    on "$a" ping -c 2 -W 2 10.50.0.2 || rc=1
    on "$a" ip link del vxlan5000; on "$b" ip link del vxlan5000
    return $rc
}

# Multicast VXLAN as CloudStack's modifyvxlan.sh makes it: group derived
# from the VNI, the VXLAN device enslaved to a brvx-<vni> bridge.
vxlan_multicast() {
    local vni=5001 group host n=0 rc=0
    group=239.$(( vni >> 16 & 255 )).$(( vni >> 8 & 255 )).$(( vni & 255 ))
    for host in "$@"; do
        n=$(( n + 1 ))
        on "$host" "ip link add vxlan$vni type vxlan id $vni group $group ttl 10 dev eth0 dstport 4789 \
            && ip link add brvx-$vni type bridge && ip link set vxlan$vni master brvx-$vni \
            && ip link set vxlan$vni up && ip link set brvx-$vni up && ip addr add 10.51.0.$n/24 dev brvx-$vni" || rc=1
    done
    for n in $(seq 2 $#); do on "$1" ping -c 2 -W 2 "10.51.0.$n" || rc=1; done
    for host in "$@"; do on "$host" "ip link del vxlan$vni; ip link del brvx-$vni"; done
    return $rc
}

# The move a CloudStack node's network setup makes: eth0 into cloudbr0 and
# eth1 into cloudbr1 (addresses, default route and a VXLAN-ready MTU of 1550
# go along), applied with `netplan apply`.
bridge_netplan() {
    local index=$1
    cat <<NETPLAN
network:
  version: 2
  renderer: networkd
  ethernets:
    eth0: {dhcp4: false, mtu: 1550}
    eth1: {dhcp4: false}
  bridges:
    cloudbr0:
      interfaces: [eth0]
      mtu: 1550
      addresses: [$(host_mgmt_ip "$index")/24]
      routes: [{to: default, via: $LAB_MGMT_GW}]
      parameters: {stp: false, forward-delay: 0}
    cloudbr1:
      interfaces: [eth1]
      addresses: [$(host_pub_ip "$index")/24]
      parameters: {stp: false, forward-delay: 0}
NETPLAN
}

move_to_bridges() {
    local host=$1
    bridge_netplan "$(host_index "$host")" | exec_in_host "$host" sh -c \
        'mkdir -p /root/lab-selftest && mv /etc/netplan/50-cloud-init.yaml /root/lab-selftest/ \
         && cat >/etc/netplan/01-lab-selftest.yaml && chmod 600 /etc/netplan/01-lab-selftest.yaml && netplan apply'
}

move_back_from_bridges() {
    exec_in_host "$1" sh -c 'rm -f /etc/netplan/01-lab-selftest.yaml && mv /root/lab-selftest/50-cloud-init.yaml /etc/netplan/ \
        && rmdir /root/lab-selftest && ip link del cloudbr0 && ip link del cloudbr1 \
        && ip link set eth0 mtu 1500 && netplan apply'
}

# networkd configures links a moment after `netplan apply` returns.
wait_for_address() {
    local host=$1 device=$2 address=$3 deadline=$(( EPOCHSECONDS + 10 ))
    until exec_in_host "$host" ip -4 -o addr show dev "$device" 2>/dev/null | grep -q " $address/"; do
        (( EPOCHSECONDS < deadline )) || { echo "$address did not appear on $device of $host:"; exec_in_host "$host" ip -br addr; return 1; }
        sleep 0.2
    done
}

default_route_via() {
    exec_in_host "$1" ip route show default | grep -q "dev $2 " \
        || { echo "the default route of $1 is not on $2:"; exec_in_host "$1" ip route; return 1; }
}

# After an address moves to another MAC (a new bridge), peers keep the old
# one until their neighbour entry expires (15-45 s, as on a real network)
# unless the moved host talks first; so it pings first, as a real one would.
reachable_after_move() {
    local host=$1 other=$2 index other_index deadline=$(( EPOCHSECONDS + 20 ))
    index=$(host_index "$host"); other_index=$(host_index "$other")
    until exec_in_host "$host" sh -c "ping -c 1 -W 1 $LAB_MGMT_GW && ping -c 1 -W 1 $(host_mgmt_ip "$other_index") \
            && ping -c 1 -W 1 $(host_pub_ip "$other_index")" >/dev/null \
        && on "$other" "ping -c 1 -W 1 $(host_mgmt_ip "$index") && ping -c 1 -W 1 $(host_pub_ip "$index")" >/dev/null \
        && on "$host" true; do
        (( EPOCHSECONDS < deadline )) || { echo "$host and $other do not reach each other, or the machine does not reach $host"; return 1; }
        sleep 0.5
    done
}

bridged_host_works() {
    local host=$1 other=$2 index
    index=$(host_index "$host")
    wait_for_address "$host" cloudbr0 "$(host_mgmt_ip "$index")" || return 1
    wait_for_address "$host" cloudbr1 "$(host_pub_ip "$index")" || return 1
    default_route_via "$host" cloudbr0 || return 1
    exec_in_host "$host" ip -o link show eth0 | grep -q 'master cloudbr0' || { echo "eth0 is not in cloudbr0"; return 1; }
    exec_in_host "$host" ip -o link show eth1 | grep -q 'master cloudbr1' || { echo "eth1 is not in cloudbr1"; return 1; }
    reachable_after_move "$host" "$other" || return 1
    # 1522 bytes of ICMP payload need more than 1500 on every lab link on the way.
    on "$host" ping -c 1 -W 2 -M "do" -s 1522 "$LAB_MGMT_GW" >/dev/null || { echo "a 1550-byte packet did not pass"; return 1; }
}

restored_host_works() {
    local host=$1 other=$2
    local index
    index=$(host_index "$host")
    wait_for_address "$host" eth0 "$(host_mgmt_ip "$index")" && wait_for_address "$host" eth1 "$(host_pub_ip "$index")" \
        && default_route_via "$host" eth0 && reachable_after_move "$host" "$other"
}

lab_cannot_route_out() {
    local out
    if out=$(ip -n "$LAB_NET_NS" route get 203.0.113.1 2>&1); then
        echo "the lab namespace has a route out: $out"; return 1
    fi
    grep -q unreachable <<<"$out" || { echo "unexpected: $out"; return 1; }
    [[ -z "$(ip -n "$LAB_NET_NS" route show default)" ]] || { echo "the lab namespace has a default route"; return 1; }
}

reboot_comes_back() {
    local host=$1 dir supervisor old_nspawn
    dir=$(host_dir "$host")
    supervisor=$(<"$dir/supervisor.pid")
    old_nspawn=$(<"$dir/nspawn.pid")
    exec_in_host "$host" systemctl reboot || { echo "could not ask $host to reboot"; return 1; }
    local deadline=$(( EPOCHSECONDS + 60 ))
    while [[ "$(cat "$dir/nspawn.pid")" == "$old_nspawn" ]] || ! on "$host" true 2>/dev/null; do
        (( EPOCHSECONDS < deadline )) || { echo "$host did not come back within 60 s"; return 1; }
        sleep 0.3
    done
    [[ "$(<"$dir/supervisor.pid")" == "$supervisor" ]] && pid_is_ours "$supervisor" "$LAB_MARKER" \
        || { echo "the supervisor changed or died"; return 1; }
    system_running "$host"
}

cmd_selftest() {
    local names name next first last count i started=$EPOCHREALTIME
    mapfile -t names < <(host_names)
    count=${#names[@]}
    first=${names[0]}
    last=${names[count-1]}

    for name in "${names[@]}"; do
        check_that "$name: systemd is running, no failed units" system_running "$name"
        check_that "$name: root logs in with the lab key" expect_output root on "$name" id -un
        check_that "$name: root logs in with the password" expect_output root ssh_with_password_file "$LAB_PASSWORD_FILE" "$name" id -un
        check_that "$name: debian logs in with the key and may sudo" expect_output 0 on "debian@$name" sudo -n id -u
    done
    check_that "$first: a wrong password is refused" wrong_password_is_refused "$first"

    if (( count >= 2 )); then
        for (( i = 0; i < count; i++ )); do
            name=${names[i]}; next=${names[(i + 1) % count]}
            check_that "$name -> $next: ping on both networks and by name" \
                on "$name" "ping -c 1 -W 2 $(host_mgmt_ip "$(host_index "$next")") && ping -c 1 -W 2 $(host_pub_ip "$(host_index "$next")") && ping -c 1 -W 2 $next"
        done
        check_that "VXLAN unicast $first <-> ${names[1]}" vxlan_unicast "$first" "${names[1]}"
        check_that "VXLAN multicast (CloudStack style) across ${names[*]:0:3}" vxlan_multicast "${names[@]:0:3}"
    else
        echo "skip  host-to-host and VXLAN checks (they need 2 hosts)"
    fi

    check_that "$first: apt installs a package through the lab proxy" apt_installs_through_proxy "$first"
    check_that "$first: the proxy answers 403 for a non-Debian URL" \
        proxy_answers "$first" 403 http://download.cloudstack.org/ubuntu/dists/jammy/InRelease
    check_that "$first: the proxy refuses CONNECT" proxy_refuses_connect "$first"
    check_that "the lab namespace routes nowhere else (route get 203.0.113.1)" lab_cannot_route_out

    if (( count >= 2 )); then
        check_that "$last: netplan moves eth0/eth1 into cloudbr0/cloudbr1" move_to_bridges "$last"
        check_that "$last: reachable on the bridges, 1550-byte frames pass" bridged_host_works "$last" "$first"
        check_that "$last: netplan moves the addresses back" move_back_from_bridges "$last"
        check_that "$last: reachable again on eth0/eth1" restored_host_works "$last" "$first"
    fi
    check_that "$last: comes back after systemctl reboot (same supervisor)" reboot_comes_back "$last"

    say "selftest took $(seconds_since "$started") s"
    echo "$selftest_passed passed, $selftest_failed failed"
    (( selftest_failed == 0 )) || return 1
}
