/**
 * What the stack exports for people: a mermaid picture of the deployment and
 * where each node's logs are.
 */
import { Role, Settings } from "../config/settings";
import { isZoneOnly } from "../config/validate";

const LOGS: Record<Role, string[]> = {
    management: [
        "/var/log/cloudstack/management/management-server.log",
        "/var/log/cloudstack/management/apilog.log",
        "/var/log/cloudstack/usage/usage.log",
    ],
    database: ["/var/log/mysql/error.log"],
    nfs: ["journalctl -u nfs-server -u rpc-statd -u nfs-mountd"],
    kvm: ["/var/log/cloudstack/agent/agent.log", "/var/log/cloudstack/agent/setup.log", "/var/log/libvirt/libvirtd.log"],
};

export function logFilesOf(settings: Settings): Record<string, string[]> {
    return Object.fromEntries(settings.nodes.map((node) => [node.name, [...new Set(node.roles.flatMap((role) => LOGS[role]))]]));
}

/** Mermaid node ids must be plain words. */
const id = (kind: string, name: string) => `${kind}_${name.replace(/[^A-Za-z0-9]/g, "_")}`;

export function describeTopology(settings: Settings): string {
    const { network, zone } = settings;
    const lines = ["flowchart TB"];
    if (!isZoneOnly(settings)) {
        lines.push(`  mgmtnet[("management ${network.management.cidr}<br/>${network.management.bridge}")]`);
        lines.push(`  pubnet[("public ${network.public.cidr}<br/>${network.public.bridge}${network.public.mtu ? ` mtu ${network.public.mtu}` : ""}")]`);
        for (const node of settings.nodes) {
            lines.push(`  ${id("node", node.name)}["${node.name}<br/>${node.roles.join(", ")}<br/>${node.address}"]`);
            if (node.bridges) {
                lines.push(`  ${id("node", node.name)} --- mgmtnet`);
                lines.push(`  ${id("node", node.name)} --- pubnet`);
            } else {
                lines.push(`  ${id("node", node.name)} --- mgmtnet`);
            }
        }
    }
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
    return lines.join("\n");
}
