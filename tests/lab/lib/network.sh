# The lab's networks: one namespace holding the management and public
# bridges (no uplink, no default route), and one namespace per host with
# eth0 on the management bridge and eth1 on the public bridge.
# shellcheck shell=bash

LAB_BRIDGE_MTU=9000

# Names are recorded before they are made, so a crash half-way is still cleaned up.
netns_record_and_add() {
    local name=$1 list=$LAB_NETNS_LIST
    echo "$name" >>"$list"
    ip netns add "$name" || die "ip netns add $name failed (is a lab with prefix '$LAB_PREFIX' already up?)"
    echo "$name $(netns_inode "$name")" >>"$list"
    ip -n "$name" link set lo up
}

net_create_lab() {
    local ns=$LAB_NET_NS
    netns_record_and_add "$ns"
    # Bridges and the lab side of every veth take jumbo frames, so a host may
    # raise its own NICs and bridges (e.g. to 1550 for VXLAN) without the lab
    # dropping the bigger frames. Multicast is flooded as on a plain switch,
    # which CloudStack's multicast VXLAN relies on.
    ip -n "$ns" link add br-mgmt mtu "$LAB_BRIDGE_MTU" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$ns" link add br-pub mtu "$LAB_BRIDGE_MTU" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    ip -n "$ns" addr add "$LAB_MGMT_GW/24" dev br-mgmt
    ip -n "$ns" addr add "$LAB_PUB_GW/24" dev br-pub
    ip -n "$ns" link set br-mgmt up
    ip -n "$ns" link set br-pub up
    # Routing between the two lab networks only: there is no other route.
    ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
    # When a host moves its address to another MAC (eth0 -> cloudbr0), the
    # gateway (the machine's way in) re-learns it within about 3 s instead of
    # the kernel's default 15-45 s; hosts keep Debian's defaults.
    local bridge
    for bridge in br-mgmt br-pub; do
        ip netns exec "$ns" sysctl -q -w "net.ipv4.neigh.$bridge.base_reachable_time_ms=1000" \
            "net.ipv4.neigh.$bridge.delay_first_probe_time=1" \
            "net.ipv4.neigh.$bridge.retrans_time_ms=300" "net.ipv4.neigh.$bridge.ucast_solicit=2"
    done
}

host_mac() { printf '02:1a:00:%02x:00:%02x' "$1" "$2"; }

net_create_host() {
    local index=$1 name=$2 ns
    ns=$(host_netns "$name")
    netns_record_and_add "$ns"
    ip -n "$LAB_NET_NS" link add "vm$index" mtu "$LAB_BRIDGE_MTU" type veth \
        peer name eth0 address "$(host_mac "$index" 1)" netns "$ns"
    ip -n "$LAB_NET_NS" link add "vp$index" mtu "$LAB_BRIDGE_MTU" type veth \
        peer name eth1 address "$(host_mac "$index" 2)" netns "$ns"
    ip -n "$ns" link set eth0 mtu 1500
    ip -n "$ns" link set eth1 mtu 1500
    ip -n "$LAB_NET_NS" link set "vm$index" master br-mgmt up
    ip -n "$LAB_NET_NS" link set "vp$index" master br-pub up
}
