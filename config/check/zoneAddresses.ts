/** Checks of the zone's own addresses: DNS, the guest CIDR, pod and public ranges, hosts and storage servers. */
import { cidrContains, cidrsOverlap, isCidr, isIPv4, isNetmask, networkOf, prefixOfNetmask, rangeContains, toNumber } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { checkCidr, checkIp, K } from "./values";

/** Checks one range with its gateway and netmask; true when all parts are well formed and consistent (so callers add no follow-ons). */
function checkRange(problems: ConfigProblems, key: string, range: { startIp: string; endIp: string; gateway: string; netmask: string }): boolean {
    const okStart = checkIp(problems, `${key}.startIp`, range.startIp, "10.15.0.160");
    const okEnd = checkIp(problems, `${key}.endIp`, range.endIp, "10.15.0.170");
    const okGateway = checkIp(problems, `${key}.gateway`, range.gateway, "10.15.0.1");
    const okMask = isNetmask(range.netmask);
    if (!okMask) problems.add(K(`${key}.netmask`), range.netmask, "expected a netmask like 255.255.255.0");
    if (!(okStart && okEnd && okGateway && okMask)) return false;
    if (toNumber(range.startIp) > toNumber(range.endIp)) {
        problems.add(K(`${key}.startIp`), range.startIp, `must not be after endIp ${range.endIp}`);
        return false;
    }
    const cidr = `${range.gateway}/${prefixOfNetmask(range.netmask)}`;
    let inside = true;
    for (const field of ["startIp", "endIp"] as const) {
        if (!cidrContains(cidr, range[field])) {
            problems.add(K(`${key}.${field}`), range[field], `must lie inside the network ${networkCidr(cidr)} of its gateway and netmask`);
            inside = false;
        }
    }
    if (rangeContains({ start: range.startIp, end: range.endIp }, range.gateway)) {
        problems.add(K(`${key}.gateway`), range.gateway, `lies inside its own range ${range.startIp}-${range.endIp}; the gateway must be outside it`);
    }
    return inside;
}

export function networkCidr(cidr: string): string {
    const net = networkOf(cidr);
    const first = [24, 16, 8, 0].map((shift) => Number((net.first >> BigInt(shift)) & 255n)).join(".");
    return `${first}/${net.prefix}`;
}

export function checkZoneAddresses(settings: Settings, problems: ConfigProblems): void {
    const { zone, network } = settings;
    if (zone.name !== "" && !isSafe("objectName", zone.name)) problems.add(K("zone.name"), zone.name, "expected a name of letters, digits, space, _ . -");
    checkIp(problems, "zone.dns1", zone.dns1, "8.8.8.8");
    checkIp(problems, "zone.dns2", zone.dns2, "8.8.4.4");
    checkIp(problems, "zone.internalDns1", zone.internalDns1, "10.15.0.1");
    checkIp(problems, "zone.internalDns2", zone.internalDns2, "10.15.0.2");
    if (zone.apiUrl !== undefined && !isSafe("url", zone.apiUrl)) problems.add(K("zone.apiUrl"), zone.apiUrl, "expected http(s)://HOST:PORT/client/api");
    const zoneOnly = isZoneOnly(settings);
    const guestCidrOk = checkCidr(problems, "zone.guestCidr", zone.guestCidr, "192.168.0.0/24");
    if (guestCidrOk && !isPrivateGuestCidr(zone.guestCidr)) {
        // utils/src/main/java/com/cloud/utils/net/NetUtils.java@4.19.3.0:1141 (validateGuestCidr): createZone refuses anything else.
        problems.add(K("zone.guestCidr"), zone.guestCidr, "must lie inside private address space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10); CloudStack refuses other guest CIDRs");
    }
    if (guestCidrOk && !zoneOnly) {
        for (const name of ["management", "public"] as const) {
            if (isCidr(network[name].cidr) && cidrsOverlap(zone.guestCidr, network[name].cidr)) {
                problems.add(K("zone.guestCidr"), zone.guestCidr, `overlaps the ${name} network ${network[name].cidr}; guest networks must not overlap the underlying L3 networks`);
            }
        }
    }
    zone.pods.forEach((pod, i) => {
        if (checkRange(problems, `zone.pods[${i}]`, pod) && !zoneOnly && isCidr(network.management.cidr)) {
            for (const field of ["startIp", "endIp", "gateway"] as const) {
                if (!cidrContains(network.management.cidr, pod[field])) {
                    problems.add(K(`zone.pods[${i}].${field}`), pod[field], `must lie inside the management network ${network.management.cidr} (the pod range holds system VM management addresses)`);
                }
            }
        }
    });
    zone.publicIpRanges.forEach((range, i) => {
        if (checkRange(problems, `zone.publicIpRanges[${i}]`, range) && !zoneOnly && isCidr(network.public.cidr)) {
            for (const field of ["startIp", "endIp"] as const) {
                if (!cidrContains(network.public.cidr, range[field])) {
                    problems.add(K(`zone.publicIpRanges[${i}].${field}`), range[field], `must lie inside the public network ${network.public.cidr}`);
                }
            }
        }
        if (range.vlan !== "untagged" && !/^\d+$/.test(range.vlan)) {
            problems.add(K(`zone.publicIpRanges[${i}].vlan`), range.vlan, 'expected "untagged" or a VLAN number');
        }
    });
    zone.hosts.forEach((host, i) => {
        if (checkIp(problems, `zone.hosts[${i}].ip`, host.ip, "10.15.0.117") && !zoneOnly && isCidr(network.management.cidr) && !cidrContains(network.management.cidr, host.ip)) {
            problems.add(K(`zone.hosts[${i}].ip`), host.ip, `must lie inside the management network ${network.management.cidr}`);
        }
    });
    [...zone.primaryStorages, ...zone.secondaryStorages].forEach((storage) => {
        const key = storageKey(settings, storage.name);
        if (storage.server !== "" && !isIPv4(storage.server) && !isSafe("host", storage.server)) problems.add(K(`${key}.server`), storage.server, "expected the NFS server's IPv4 address or DNS name");
        if (storage.path !== "" && !isSafe("path", storage.path)) problems.add(K(`${key}.path`), storage.path, "expected an absolute export path such as /export/primary");
    });
}

const GUEST_CIDR_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

function isPrivateGuestCidr(cidr: string): boolean {
    const net = networkOf(cidr);
    return GUEST_CIDR_BLOCKS.some((block) => {
        const b = networkOf(block);
        return net.prefix >= b.prefix && net.first >= b.first && net.last <= b.last;
    });
}

function storageKey(settings: Settings, name: string): string {
    const p = settings.zone.primaryStorages.findIndex((s) => s.name === name);
    return p >= 0 ? `zone.primaryStorages[${p}]` : `zone.secondaryStorages[${settings.zone.secondaryStorages.findIndex((s) => s.name === name)}]`;
}
