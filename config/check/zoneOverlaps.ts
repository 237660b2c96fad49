/** Checks across the zone's ranges: reserved ranges that overlap, pods in one subnet, addresses inside a reserved range, storage outside the exports. */
import { cidrsOverlap, IpRange, isIPv4, isNetmask, prefixOfNetmask, rangeContains, rangesOverlap, toNumber } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { K } from "./values";
import { networkCidr } from "./zoneAddresses";

interface NamedRange extends IpRange {
    key: string;
    label: string;
}

function zoneRanges(settings: Settings): NamedRange[] {
    const { zone } = settings;
    return [
        ...zone.pods.map((p, i) => ({ key: `zone.pods[${i}]`, label: `pod ${p.name}`, start: p.startIp, end: p.endIp })),
        ...zone.publicIpRanges.map((r, i) => ({ key: `zone.publicIpRanges[${i}]`, label: `public range ${r.startIp}-${r.endIp}`, start: r.startIp, end: r.endIp })),
    ];
}

/**
 * Two pods of a zone whose subnets (gateway/netmask) overlap: createPod refuses the
 * second with "The subnet of the pod you are adding conflicts with the subnet of pod
 * ... Please specify a different CIDR." It compares both subnets at the shorter prefix
 * (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:6011-6018).
 */
export function checkPodSubnets(settings: Settings, problems: ConfigProblems): void {
    const pods = settings.zone.pods
        .map((pod, i) => ({ pod, i, cidr: isIPv4(pod.gateway) && isNetmask(pod.netmask) ? `${pod.gateway}/${prefixOfNetmask(pod.netmask)}` : "" }))
        .filter((p) => p.cidr !== "");
    for (let a = 0; a < pods.length; a++) {
        for (let b = a + 1; b < pods.length; b++) {
            if (cidrsOverlap(pods[a].cidr, pods[b].cidr)) {
                problems.add(
                    K(`zone.pods[${pods[b].i}].gateway`),
                    pods[b].pod.gateway,
                    `with netmask ${pods[b].pod.netmask} makes the subnet ${networkCidr(pods[b].cidr)}, which conflicts with the subnet ${networkCidr(pods[a].cidr)} of pod ${pods[a].pod.name}; CloudStack refuses two pods of a zone in one subnet. Put the ranges in one pod, or give each pod its own subnet`,
                );
            }
        }
    }
}

/** Storage on the NFS node must be a path the node exports, i.e. under nfs.exportRoot. */
export function checkStorageUnderExportRoot(settings: Settings, problems: ConfigProblems): void {
    const { nfs, zone } = settings;
    if (isZoneOnly(settings) || nfs.server === "") return;
    const storages = [
        ...zone.primaryStorages.map((s, i) => ({ s, key: `zone.primaryStorages[${i}].path` })),
        ...zone.secondaryStorages.map((s, i) => ({ s, key: `zone.secondaryStorages[${i}].path` })),
    ];
    for (const { s, key } of storages) {
        if (s.server === nfs.server && isSafe("path", s.path) && !s.path.startsWith(`${nfs.exportRoot}/`)) {
            problems.add(K(key), s.path, `is on the NFS node (${nfs.server}) but not under nfs.exportRoot (${nfs.exportRoot}), which is all it exports`);
        }
    }
}

/** Ranges that overlap each other, or that contain a node's or host's own address. */
export function checkZoneOverlaps(settings: Settings, problems: ConfigProblems): void {
    const ranges = zoneRanges(settings).filter((r) => isIPv4(r.start) && isIPv4(r.end) && toNumber(r.start) <= toNumber(r.end));
    for (let a = 0; a < ranges.length; a++) {
        for (let b = a + 1; b < ranges.length; b++) {
            if (rangesOverlap(ranges[a], ranges[b])) {
                problems.add(K(ranges[b].key), `${ranges[b].start}-${ranges[b].end}`, `overlaps ${ranges[a].label} (${ranges[a].start}-${ranges[a].end}); reserved ranges must not overlap`);
            }
        }
    }
    const addresses: { key: string; ip: string }[] = [
        ...settings.nodes.flatMap((n, i) => [
            { key: `nodes[${i}].address`, ip: n.address },
            { key: `nodes[${i}].managementAddress`, ip: n.managementAddress ?? "" },
            { key: `nodes[${i}].publicAddress`, ip: n.publicAddress ?? "" },
        ]),
        ...settings.zone.hosts.map((h, i) => ({ key: `zone.hosts[${i}].ip`, ip: h.ip })),
        ...settings.zone.primaryStorages.map((s, i) => ({ key: `zone.primaryStorages[${i}].server`, ip: s.server })),
    ].filter((a) => isIPv4(a.ip));
    for (const address of addresses) {
        const inside = ranges.find((r) => rangeContains(r, address.ip));
        if (inside) problems.add(K(address.key), address.ip, `lies inside ${inside.label} (${inside.start}-${inside.end}), which CloudStack hands out to system VMs; move the range or the address`);
    }
}
