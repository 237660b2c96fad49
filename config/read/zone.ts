/** Reads cloudstack:zone: the zone and every object in it, as CloudStack will be asked to create them. */
import { DEFAULTS } from "../defaults";
import { FieldReader } from "../fields";
import {
    ClusterSettings,
    NetworkSettings,
    PhysicalNetworkSettings,
    PodSettings,
    PrimaryStorageSettings,
    PublicIpRangeSettings,
    SecondaryStorageSettings,
    TRAFFIC_TYPES,
    ZoneHostSettings,
    ZoneSettings,
} from "../settings";
import { vxlanUnderlayMtu } from "../vxlanMtu";

/** "5000-6000" (the seed's form) or separate vniStart/vniEnd. */
function readVniRange(r: FieldReader): { vniStart: number; vniEnd: number } {
    if (r.has("vniRange")) {
        const text = r.string("vniRange");
        const match = /^(\d+)\s*-\s*(\d+)$/.exec(text);
        if (!match) {
            r.problems.add(r.key("vniRange"), text, 'expected "START-END", e.g. "5000-6000"');
            return { vniStart: 0, vniEnd: 0 };
        }
        return { vniStart: Number(match[1]), vniEnd: Number(match[2]) };
    }
    return { vniStart: r.integer("vniStart", undefined, 0, Number.MAX_SAFE_INTEGER), vniEnd: r.integer("vniEnd", undefined, 0, Number.MAX_SAFE_INTEGER) };
}

export function readZone(r: FieldReader, network: NetworkSettings): ZoneSettings {
    const dns1 = r.string("dns1", network.dnsServers[0] ?? "");
    const physicalNetworks = r.records(
        "physicalNetworks",
        (p): PhysicalNetworkSettings => ({
            name: p.string("name"),
            isolationMethod: p.oneOf("isolationMethod", ["VXLAN", "VLAN"] as const, "VXLAN"),
            ...readVniRange(p),
            trafficTypes: p.records(
                "trafficTypes",
                (t) => ({
                    type: t.oneOf("type", TRAFFIC_TYPES),
                    kvmLabel: t.string("kvmLabel"),
                }),
                true,
            ),
        }),
        true,
    );
    const zone: ZoneSettings = {
        name: r.string("name"),
        dns1,
        dns2: r.optionalString("dns2") ?? network.dnsServers[1],
        internalDns1: r.string("internalDns1", dns1),
        internalDns2: r.optionalString("internalDns2"),
        networkType: r.oneOf("networkType", ["Advanced"] as const, "Advanced"),
        guestCidr: r.string("guestCidr"),
        guestMtu: 0,
        physicalNetworks,
        publicIpRanges: r.records(
            "publicIpRanges",
            (p): PublicIpRangeSettings => ({
                physicalNetwork: p.string("physicalNetwork", physicalNetworks[0]?.name ?? ""),
                startIp: p.string("startIp"),
                endIp: p.string("endIp"),
                gateway: p.string("gateway"),
                netmask: p.string("netmask"),
                vlan: p.string("vlan", "untagged"),
            }),
            true,
        ),
        pods: r.records(
            "pods",
            (p): PodSettings => ({
                name: p.string("name"),
                gateway: p.string("gateway"),
                netmask: p.string("netmask"),
                startIp: p.string("startIp"),
                endIp: p.string("endIp"),
            }),
            true,
        ),
        clusters: r.records(
            "clusters",
            (c): ClusterSettings => ({
                name: c.string("name"),
                pod: c.string("pod"),
                hypervisor: c.oneOf("hypervisor", ["KVM"] as const, "KVM"),
                clusterType: c.oneOf("clusterType", ["CloudManaged"] as const, "CloudManaged"),
            }),
            true,
        ),
        hosts: r.records(
            "hosts",
            (h): ZoneHostSettings => ({
                name: h.string("name"),
                cluster: h.string("cluster"),
                pod: h.string("pod"),
                ip: h.string("ip"),
                node: h.optionalString("node"),
                username: h.string("username", "root"),
                useManagementKey: h.boolean("useManagementKey", true),
            }),
            true,
        ),
        primaryStorages: r.records(
            "primaryStorages",
            (s): PrimaryStorageSettings => ({
                name: s.string("name"),
                scope: s.oneOf("scope", ["cluster", "zone"] as const, "cluster"),
                cluster: s.optionalString("cluster"),
                pod: s.optionalString("pod"),
                server: s.string("server"),
                path: s.string("path"),
            }),
            true,
        ),
        secondaryStorages: r.records(
            "secondaryStorages",
            (s): SecondaryStorageSettings => ({
                name: s.string("name"),
                server: s.string("server"),
                path: s.string("path"),
                provider: s.oneOf("provider", ["NFS"] as const, "NFS"),
            }),
            true,
        ),
        readyTimeoutSeconds: r.integer("readyTimeoutSeconds", DEFAULTS.zoneReadyTimeoutSeconds, 60, 86400),
        apiUrl: r.optionalString("apiUrl"),
    };
    zone.guestMtu = r.optionalInteger("guestMtu", 576, 9166) ?? vxlanUnderlayMtu(zone, network) - DEFAULTS.vxlanOverhead;
    r.rejectUnknown();
    return zone;
}
