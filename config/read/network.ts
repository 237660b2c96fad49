/** Reads cloudstack:network: the management and public segments and the host-wide network settings. */
import { DEFAULTS } from "../defaults";
import { FieldReader } from "../fields";
import { NetworkSegmentSettings, NetworkSettings } from "../settings";

function readSegment(r: FieldReader, defaultBridge: string, zoneOnly: boolean): NetworkSegmentSettings {
    const optional = zoneOnly ? "" : undefined;
    const segment: NetworkSegmentSettings = {
        cidr: r.string("cidr", optional),
        gateway: r.string("gateway", optional),
        bridge: r.string("bridge", defaultBridge),
        mtu: r.optionalInteger("mtu", 576, 9216),
        routes: r.records("routes", (route) => ({ to: route.string("to"), via: route.string("via") })),
    };
    r.rejectUnknown();
    return segment;
}

export function readNetwork(r: FieldReader, zoneOnly: boolean): NetworkSettings {
    const network: NetworkSettings = {
        management: readSegment(r.object("management"), DEFAULTS.managementBridge, zoneOnly),
        public: readSegment(r.object("public"), DEFAULTS.publicBridge, zoneOnly),
        defaultRoute: r.oneOf("defaultRoute", ["public", "management"] as const, "public"),
        dnsServers: r.stringList("dnsServers", DEFAULTS.dnsServers),
        searchDomains: r.stringList("searchDomains", []),
        ntpServers: r.stringList("ntpServers", DEFAULTS.ntpServers),
        timezone: r.string("timezone", DEFAULTS.timezone),
        domain: r.string("domain", DEFAULTS.domain),
        igmpMaxMemberships: r.integer("igmpMaxMemberships", DEFAULTS.igmpMaxMemberships, 20, 4096),
        rollbackSeconds: r.integer("rollbackSeconds", DEFAULTS.rollbackSeconds, 30, 3600),
    };
    r.rejectUnknown();
    return network;
}
