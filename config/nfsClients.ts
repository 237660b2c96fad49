/**
 * The default NFS export clients (issue 9, defect 10): exactly the addresses
 * that mount the exports, never whole networks.
 *
 * - management nodes (they mount secondary storage to seed the SystemVM template),
 * - KVM nodes and zone hosts (primary storage, and secondary for templates),
 * - the pods' reserved ranges: the secondary storage VM mounts secondary
 *   storage from its storage NIC, and without a storage IP range it gets only
 *   control and management NICs, the management NIC taking a pod-range address
 *   (services/secondary-storage/controller/src/main/java/org/apache/cloudstack/secondarystorage/SecondaryStorageManagerImpl.java@4.19.3.0:641;
 *   PodBasedNetworkGuru allocates from the pod range, server/src/main/java/com/cloud/network/guru/StorageNetworkGuru.java@4.19.3.0:47).
 */
import { IPv4 } from "ip-num";
import { cidrContains, isCidr, isIPv4, toNumber } from "./net";
import { NetworkSettings, NodeSettings, ZoneSettings } from "./settings";

export function defaultNfsClients(
    server: string,
    nodes: NodeSettings[],
    network: NetworkSettings,
    zone: Pick<ZoneSettings, "hosts" | "pods">,
): string[] {
    const clients: string[] = [];
    const add = (entry: string) => {
        if (!clients.includes(entry)) clients.push(entry);
    };
    for (const node of nodes.filter((n) => n.roles.includes("management") || n.roles.includes("kvm"))) {
        nodeAddressesTowards(server, node, network).forEach((address) => add(`${address}/32`));
    }
    zone.hosts.filter((h) => isIPv4(h.ip)).forEach((h) => add(`${h.ip}/32`));
    for (const pod of zone.pods) {
        if (isIPv4(pod.startIp) && isIPv4(pod.endIp) && toNumber(pod.startIp) <= toNumber(pod.endIp)) {
            rangeAsCidrs(pod.startIp, pod.endIp).forEach(add);
        }
    }
    return clients;
}

/** The node's address on the network the NFS server lies in; every known address when that is unknown. */
function nodeAddressesTowards(server: string, node: NodeSettings, network: NetworkSettings): string[] {
    const onNetwork = (cidr: string, address: string | undefined) => isCidr(cidr) && isIPv4(server) && cidrContains(cidr, server) && address !== undefined && isIPv4(address) && cidrContains(cidr, address);
    for (const [cidr, address] of [
        [network.management.cidr, node.managementAddress],
        [network.public.cidr, node.publicAddress],
        [network.management.cidr, node.address],
        [network.public.cidr, node.address],
    ] as const) {
        if (onNetwork(cidr, address)) return [address!];
    }
    return [node.address, node.managementAddress, node.publicAddress].filter((a): a is string => a !== undefined && isIPv4(a)).filter((a, i, all) => all.indexOf(a) === i);
}

/**
 * The smallest list of CIDR blocks covering start..end exactly. Single addresses are written /32 too:
 * every entry is then a CIDR, which both exports(5) and the NFS step's check accept.
 */
export function rangeAsCidrs(start: string, end: string): string[] {
    const blocks: string[] = [];
    let next = toNumber(start);
    const last = toNumber(end);
    while (next <= last) {
        let size = 1n;
        let prefix = 32;
        // Grow the block while it stays aligned on `next` and inside the range.
        while (prefix > 0 && next % (size * 2n) === 0n && next + size * 2n - 1n <= last) {
            size *= 2n;
            prefix -= 1;
        }
        const address = IPv4.fromNumber(next).toString();
        blocks.push(`${address}/${prefix}`);
        next += size;
    }
    return blocks;
}
