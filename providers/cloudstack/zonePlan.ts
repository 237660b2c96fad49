/**
 * The zone's objects in the order CloudStack 4.19 needs them (reference §2.2),
 * each with what its create takes and what it waits for, computed from the
 * settings alone. components/Zone.ts turns every entry into a dynamic
 * resource for the engine; tests and benches create the same entries with the
 * providers, in the same order. One plan: a test of the zone exercises the
 * order users get.
 *
 * Why each waits for what it does: pods and public ranges after the physical
 * networks (traffic labels and enabled providers); storage of a cluster after
 * that cluster's hosts (a pool needs an Up host to mount it); the image store
 * after the clusters (adding the first one registers the SystemVM template for
 * the hypervisors the zone has); enablement after everything.
 */
import { ZoneHostSettings, ZoneSettings } from "../../config/settings";
import { SETTING_NAMES } from "./operations";

export type ZoneObjectKind = "zone" | "zoneSetting" | "physicalNetwork" | "pod" | "publicIpRange" | "cluster" | "host" | "primaryStorage" | "secondaryStorage" | "enablement";

export interface ZoneObjectPlan {
    kind: ZoneObjectKind;
    /** Unique within the zone ("pod Internal"); what other entries refer to. */
    key: string;
    /** The resource name's suffix: `<zone component name>-<suffix>`. */
    resourceSuffix: string;
    /** Plain inputs from the settings (besides the connection and the ids). */
    inputs: Record<string, unknown>;
    /** Inputs that take another entry's id: input name → that entry's key. */
    ids: Record<string, string>;
    /** Entries it waits for besides those whose ids it takes. */
    after: string[];
    /** A host's settings: its registration also needs a password (or the management key) and its node's provisioning. */
    host?: ZoneHostSettings;
}

/** The key of the named item of a list, or a clear error naming what refers to it. */
function keyOf(kind: string, name: string | undefined, known: readonly string[], referrer: string): string {
    if (name === undefined || !known.includes(name)) {
        throw new Error(`${referrer} refers to ${kind} "${name}", which the zone does not define (defined: ${known.join(", ") || "none"})`);
    }
    return `${kind} ${name}`;
}

export function planZone(zone: ZoneSettings): ZoneObjectPlan[] {
    const plan: ZoneObjectPlan[] = [];
    const add = (entry: ZoneObjectPlan) => plan.push(entry);
    const zoneId = { zoneId: "zone" };
    const networkNames = zone.physicalNetworks.map((pn) => pn.name);
    const podNames = zone.pods.map((pod) => pod.name);
    const clusterNames = zone.clusters.map((cluster) => cluster.name);
    const networks = networkNames.map((name) => `physical network ${name}`);

    add({
        kind: "zone",
        key: "zone",
        resourceSuffix: "zone",
        inputs: { name: zone.name, dns1: zone.dns1, dns2: zone.dns2, internalDns1: zone.internalDns1, internalDns2: zone.internalDns2, networkType: zone.networkType, guestCidr: zone.guestCidr },
        ids: {},
        after: [],
    });
    // The guest MTU reaches CloudStack as the zone's vr.private.interface.max.mtu: while end users may not pick
    // their own (allow.end.users.to.specify.vr.mtu, false by default), every guest network's router takes this
    // value for its guest-side (private) interfaces
    // (server/src/main/java/com/cloud/network/NetworkServiceImpl.java@4.19.3.0 validateMtuConfig; zone-scoped
    // VRPrivateInterfaceMtu in api/src/main/java/com/cloud/network/NetworkService.java@4.19.3.0).
    add({
        kind: "zoneSetting",
        key: `setting ${SETTING_NAMES.guestMtu}`,
        resourceSuffix: "guest-mtu",
        inputs: { name: SETTING_NAMES.guestMtu, value: String(zone.guestMtu) },
        ids: zoneId,
        after: [],
    });
    for (const pn of zone.physicalNetworks) {
        add({
            kind: "physicalNetwork",
            key: `physical network ${pn.name}`,
            resourceSuffix: `network-${pn.name}`,
            inputs: { name: pn.name, isolationMethod: pn.isolationMethod, vniStart: pn.vniStart, vniEnd: pn.vniEnd, trafficTypes: pn.trafficTypes.map((t) => ({ type: t.type, kvmLabel: t.kvmLabel })) },
            ids: zoneId,
            after: [],
        });
    }
    for (const pod of zone.pods) {
        add({
            kind: "pod",
            key: `pod ${pod.name}`,
            resourceSuffix: `pod-${pod.name}`,
            inputs: { name: pod.name, gateway: pod.gateway, netmask: pod.netmask, startIp: pod.startIp, endIp: pod.endIp },
            ids: zoneId,
            after: networks,
        });
    }
    for (const range of zone.publicIpRanges) {
        const network = keyOf("physical network", range.physicalNetwork, networkNames, `public IP range ${range.startIp}-${range.endIp}`);
        add({
            kind: "publicIpRange",
            key: `public IP range ${range.startIp}`,
            resourceSuffix: `public-${range.startIp}`,
            inputs: { vlan: range.vlan, gateway: range.gateway, netmask: range.netmask, startIp: range.startIp, endIp: range.endIp },
            ids: { ...zoneId, physicalNetworkId: network },
            after: networks,
        });
    }
    for (const cluster of zone.clusters) {
        add({
            kind: "cluster",
            key: `cluster ${cluster.name}`,
            resourceSuffix: `cluster-${cluster.name}`,
            inputs: { name: cluster.name, hypervisor: cluster.hypervisor, clusterType: cluster.clusterType },
            ids: { ...zoneId, podId: keyOf("pod", cluster.pod, podNames, `cluster ${cluster.name}`) },
            after: [],
        });
    }
    const hostsOfCluster = (cluster: string) => zone.hosts.filter((h) => h.cluster === cluster).map((h) => `host ${h.name}`);
    for (const host of zone.hosts) {
        add({
            kind: "host",
            key: `host ${host.name}`,
            resourceSuffix: `host-${host.name}`,
            inputs: { ip: host.ip, username: host.username },
            ids: { ...zoneId, podId: keyOf("pod", host.pod, podNames, `host ${host.name}`), clusterId: keyOf("cluster", host.cluster, clusterNames, `host ${host.name}`) },
            after: [],
            host,
        });
    }
    for (const storage of zone.primaryStorages) {
        const referrer = `primary storage ${storage.name}`;
        const where: Record<string, string> =
            storage.scope === "cluster" ? { podId: keyOf("pod", storage.pod, podNames, referrer), clusterId: keyOf("cluster", storage.cluster, clusterNames, referrer) } : {};
        add({
            kind: "primaryStorage",
            key: `primary storage ${storage.name}`,
            resourceSuffix: `primary-${storage.name}`,
            inputs: { scope: storage.scope, name: storage.name, server: storage.server, path: storage.path },
            ids: { ...zoneId, ...where },
            // A cluster pool needs an Up host in its cluster; a zone pool any Up host.
            after: storage.scope === "cluster" ? hostsOfCluster(storage.cluster as string) : zone.hosts.map((h) => `host ${h.name}`),
        });
    }
    for (const storage of zone.secondaryStorages) {
        add({
            kind: "secondaryStorage",
            key: `secondary storage ${storage.name}`,
            resourceSuffix: `secondary-${storage.name}`,
            inputs: { name: storage.name, server: storage.server, path: storage.path, provider: storage.provider },
            ids: zoneId,
            after: clusterNames.map((name) => `cluster ${name}`),
        });
    }
    add({
        kind: "enablement",
        key: "enablement",
        resourceSuffix: "enable",
        inputs: { zoneName: zone.name, readyTimeoutSeconds: zone.readyTimeoutSeconds },
        ids: zoneId,
        after: plan.filter((e) => ["zoneSetting", "physicalNetwork", "publicIpRange", "host", "primaryStorage", "secondaryStorage"].includes(e.kind)).map((e) => e.key),
    });
    return plan;
}
