/** Checks of the zone's objects as CloudStack names them: unique names, and references between pods, clusters, hosts, storages and nodes. */
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { Settings } from "../settings";
import { K } from "./values";

function checkDuplicates(problems: ConfigProblems, list: { name: string }[], key: string, what: string): void {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
        if (item.name === "") return;
        if (!isSafe("objectName", item.name)) problems.add(K(`${key}[${i}].name`), item.name, "expected a name of letters, digits, space, _ . -");
        // CloudStack compares names case-insensitively (database collation).
        const lower = item.name.toLowerCase();
        if (seen.has(lower)) problems.add(K(`${key}[${i}].name`), item.name, `duplicates ${key}[${seen.get(lower)}].name; ${what} names must be unique (case-insensitive)`);
        seen.set(lower, i);
    });
}

export function checkZoneNames(settings: Settings, problems: ConfigProblems): void {
    const { zone } = settings;
    checkDuplicates(problems, zone.physicalNetworks, "zone.physicalNetworks", "physical network");
    checkDuplicates(problems, zone.pods, "zone.pods", "pod");
    checkDuplicates(problems, zone.clusters, "zone.clusters", "cluster");
    checkDuplicates(problems, zone.hosts, "zone.hosts", "host");
    checkDuplicates(problems, [...zone.primaryStorages, ...zone.secondaryStorages], "zone.storages", "storage");
    const ips = new Map<string, number>();
    zone.hosts.forEach((h, i) => {
        if (ips.has(h.ip)) problems.add(K(`zone.hosts[${i}].ip`), h.ip, `is also zone.hosts[${ips.get(h.ip)}].ip; CloudStack refuses a host IP twice`);
        ips.set(h.ip, i);
    });
}

export function checkZoneReferences(settings: Settings, problems: ConfigProblems): void {
    const { zone } = settings;
    const lower = (s: string) => s.toLowerCase();
    const pods = new Set(zone.pods.map((p) => lower(p.name)));
    // A cluster whose pod is unknown is reported once, at the cluster; its hosts and storages are not blamed for it.
    const clusters = new Map(zone.clusters.filter((c) => pods.has(lower(c.pod))).map((c) => [lower(c.name), c.pod]));
    const clusterNames = new Set(zone.clusters.map((c) => lower(c.name)));
    const physical = new Set(zone.physicalNetworks.map((p) => lower(p.name)));
    zone.clusters.forEach((c, i) => {
        if (!pods.has(lower(c.pod))) problems.add(K(`zone.clusters[${i}].pod`), c.pod, `names no pod in zone.pods (${zone.pods.map((p) => p.name).join(", ") || "none"})`);
    });
    zone.hosts.forEach((h, i) => {
        const clusterPod = clusters.get(lower(h.cluster));
        if (!clusterNames.has(lower(h.cluster))) problems.add(K(`zone.hosts[${i}].cluster`), h.cluster, `names no cluster in zone.clusters (${zone.clusters.map((c) => c.name).join(", ") || "none"})`);
        else if (clusterPod !== undefined && lower(clusterPod) !== lower(h.pod)) problems.add(K(`zone.hosts[${i}].pod`), h.pod, `cluster ${h.cluster} belongs to pod ${clusterPod}, not ${h.pod}`);
        if (h.node !== undefined) {
            const node = settings.nodes.find((n) => n.name === h.node);
            if (!node) problems.add(K(`zone.hosts[${i}].node`), h.node, `names no node in cloudstack:nodes`);
            else if (!node.roles.includes("kvm")) problems.add(K(`zone.hosts[${i}].node`), h.node, `node ${h.node} does not have the role "kvm"`);
        }
    });
    zone.primaryStorages.forEach((s, i) => {
        const key = `zone.primaryStorages[${i}]`;
        if (s.scope === "zone") return;
        const clusterPod = s.cluster === undefined ? undefined : clusters.get(lower(s.cluster));
        if (s.cluster === undefined || !clusterNames.has(lower(s.cluster))) {
            problems.add(K(`${key}.cluster`), s.cluster, "a cluster-scope primary storage must name a cluster from zone.clusters");
        } else if (clusterPod !== undefined && s.pod !== undefined && lower(s.pod) !== lower(clusterPod)) {
            problems.add(K(`${key}.pod`), s.pod, `cluster ${s.cluster} belongs to pod ${clusterPod}`);
        }
    });
    zone.publicIpRanges.forEach((r, i) => {
        if (!physical.has(lower(r.physicalNetwork))) problems.add(K(`zone.publicIpRanges[${i}].physicalNetwork`), r.physicalNetwork, "names no physical network in zone.physicalNetworks");
    });
    // When a host names an unknown node or cluster, that is the one problem to report, not its consequences.
    const hostsResolve = zone.hosts.every((h) => clusterNames.has(lower(h.cluster)) && (h.node === undefined || settings.nodes.some((n) => n.name === h.node)));
    const kvmNodes = settings.nodes.filter((n) => n.roles.includes("kvm") && !n.roles.includes("management"));
    for (const node of hostsResolve ? kvmNodes : []) {
        if (!zone.hosts.some((h) => h.node === node.name)) {
            problems.add(K("zone.hosts"), node.name, `kvm node ${node.name} is registered by no zone host; add a zone.hosts entry with node: ${node.name}`);
        }
    }
    for (const cluster of hostsResolve ? zone.clusters : []) {
        const hasHost = zone.hosts.some((h) => lower(h.cluster) === lower(cluster.name));
        const needsHost = zone.primaryStorages.some((s) => s.scope === "cluster" && s.cluster !== undefined && lower(s.cluster) === lower(cluster.name));
        if (needsHost && !hasHost) problems.note(K("zone.primaryStorages"), `cluster ${cluster.name} has no host in zone.hosts, but cluster-scope primary storage needs at least one host in cluster ${cluster.name}`);
    }
}
