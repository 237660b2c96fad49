/**
 * What the stack exports for people: a mermaid picture of the deployment and
 * where each node's logs are.
 */
import { DEFAULTS } from "./defaults";
import { cidrContains, isIPv4 } from "./net";
import { NodeSettings, nodesWithRole, Role, Settings } from "./settings";
import { isZoneOnly } from "./zoneOnly";

const LOGS: Record<Role, string[]> = {
    management: [
        "/var/log/cloudstack/management/management-server.log",
        "/var/log/cloudstack/management/apilog.log",
        "/var/log/cloudstack/usage/usage.log",
    ],
    database: ["/var/log/mysql/error.log"],
    nfs: ["journalctl -u nfs-server -u rpc-statd -u nfs-mountd"],
    kvm: ["/var/log/cloudstack/agent/agent.log", "/var/log/cloudstack/agent/setup.log", "/var/log/libvirt/libvirtd.log"],
    loadbalancer: ["journalctl -u haproxy -u keepalived"],
};

export function logFilesOf(settings: Settings): Record<string, string[]> {
    return Object.fromEntries(settings.nodes.map((node) => [node.name, [...new Set(node.roles.flatMap((role) => LOGS[role]))]]));
}

/** Mermaid node ids must be plain words. */
const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;

/** The node's known addresses (SSH, management, public). */
function addressesOf(node: NodeSettings): string[] {
    return [...new Set([node.address, node.managementAddress, node.publicAddress].filter((a): a is string => a !== undefined && isIPv4(a)))];
}

/** The node's address inside `cidr`, if one is known. */
function addressIn(node: NodeSettings, cidr: string): string | undefined {
    return cidr === "" ? undefined : addressesOf(node).find((a) => cidrContains(cidr, a));
}

/** Nodes, the two networks with each node's bridge and address on them, and who talks to whom. */
function describeNodes(settings: Settings, lines: string[]): void {
    const { network, database, management } = settings;
    const segments = [
        { key: "mgmtnet", name: "management", segment: network.management },
        { key: "pubnet", name: "public", segment: network.public },
    ];
    for (const { key, name, segment } of segments) {
        lines.push(`  ${key}[("${name} ${segment.cidr}<br/>gateway ${segment.gateway}${segment.mtu ? `, MTU ${segment.mtu}` : ""}")]`);
    }
    for (const node of settings.nodes) {
        lines.push(`  ${id("node", node.name)}["${node.name}<br/>${node.roles.join(", ")}<br/>ssh ${node.address}"]`);
        for (const { key, segment } of segments) {
            const address = addressIn(node, segment.cidr) ?? (node.bridges && key === "mgmtnet" ? "address found at deploy" : undefined);
            if (address === undefined && !node.bridges) continue;
            const label = node.bridges ? `${segment.bridge} ${address ?? ""}`.trim() : address;
            lines.push(`  ${id("node", node.name)} ---|"${label}"| ${key}`);
        }
    }
    const managementNodes = nodesWithRole(settings, "management");
    const databaseNodes = nodesWithRole(settings, "database");
    const [databaseNode] = databaseNodes;
    for (const managementNode of managementNodes) {
        if (databaseNode && managementNode !== databaseNode) {
            lines.push(`  ${id("node", managementNode.name)} -->|"MySQL :${database.port}"| ${id("node", databaseNode.name)}`);
        }
    }
    // Galera: the other members replicate with the first (db.properties names them as fail-over replicas).
    for (const member of databaseNodes.slice(1)) lines.push(`  ${id("node", databaseNode.name)} <-->|"Galera"| ${id("node", member.name)}`);
    const balancers = nodesWithRole(settings, "loadbalancer");
    const { virtualAddress } = settings.loadBalancer;
    if (virtualAddress !== undefined && balancers.length > 0) {
        lines.push(`  vip(["virtual address ${virtualAddress}"])`);
        for (const balancer of balancers) lines.push(`  ${id("node", balancer.name)} -.- vip`);
    }
    for (const balancer of balancers) {
        for (const managementNode of managementNodes) lines.push(`  ${id("node", balancer.name)} -->|":${management.uiPort} :${DEFAULTS.agentPort}"| ${id("node", managementNode.name)}`);
    }
    const apiFrom = balancers.length > 0 ? balancers : managementNodes.slice(0, 1);
    for (const node of apiFrom) lines.push(`  ${id("node", node.name)} -->|"API :${management.uiPort}"| ${id("zone", settings.zone.name)}`);
}

export function describeTopology(settings: Settings): string {
    const { zone } = settings;
    const lines = ["flowchart TB"];
    if (!isZoneOnly(settings)) describeNodes(settings, lines);
    lines.push(`  subgraph ${id("zone", zone.name)}["zone ${zone.name} (guest ${zone.guestCidr}, MTU ${zone.guestMtu})"]`);
    for (const pn of zone.physicalNetworks) {
        const labels = pn.trafficTypes.map((t) => `${t.type}:${t.kvmLabel}`).join(" ");
        lines.push(`    ${id("pn", pn.name)}["${pn.name}<br/>${pn.isolationMethod} ${pn.vniStart}-${pn.vniEnd}<br/>${labels}"]`);
    }
    for (const range of zone.publicIpRanges) {
        lines.push(`    ${id("pub", `${range.startIp}_${range.endIp}`)}["public IPs ${range.startIp}-${range.endIp}"] --> ${id("pn", range.physicalNetwork)}`);
    }
    for (const pod of zone.pods) {
        lines.push(`    subgraph ${id("pod", pod.name)}["pod ${pod.name} (${pod.startIp}-${pod.endIp})"]`);
        for (const cluster of zone.clusters.filter((c) => c.pod.toLowerCase() === pod.name.toLowerCase())) {
            lines.push(`      subgraph ${id("cluster", cluster.name)}["cluster ${cluster.name} (${cluster.hypervisor})"]`);
            for (const host of zone.hosts.filter((h) => h.cluster.toLowerCase() === cluster.name.toLowerCase())) {
                lines.push(`        ${id("host", host.name)}["host ${host.name}<br/>${host.ip}"]`);
            }
            for (const storage of zone.primaryStorages.filter((s) => s.cluster?.toLowerCase() === cluster.name.toLowerCase())) {
                lines.push(`        ${id("primary", storage.name)}[("primary ${storage.name}<br/>${storage.server}:${storage.path}")]`);
            }
            lines.push("      end");
        }
        lines.push("    end");
    }
    for (const storage of zone.primaryStorages.filter((s) => s.scope === "zone")) {
        lines.push(`    ${id("primary", storage.name)}[("primary ${storage.name} (zone)<br/>${storage.server}:${storage.path}")]`);
    }
    for (const storage of zone.secondaryStorages) {
        lines.push(`    ${id("secondary", storage.name)}[("secondary ${storage.name}<br/>${storage.server}:${storage.path}")]`);
    }
    lines.push("  end");
    for (const host of zone.hosts.filter((h) => h.node !== undefined)) {
        lines.push(`  ${id("node", host.node!)} -. registered as .-> ${id("host", host.name)}`);
    }
    for (const nfsNode of isZoneOnly(settings) ? [] : nodesWithRole(settings, "nfs")) {
        const served = (server: string) => server === settings.nfs.server || addressesOf(nfsNode).includes(server);
        for (const storage of zone.primaryStorages.filter((s) => served(s.server))) lines.push(`  ${id("node", nfsNode.name)} -. NFS .-> ${id("primary", storage.name)}`);
        for (const storage of zone.secondaryStorages.filter((s) => served(s.server))) lines.push(`  ${id("node", nfsNode.name)} -. NFS .-> ${id("secondary", storage.name)}`);
    }
    return lines.join("\n");
}
