/**
 * The seed's variables → this program's stack config (config/buildSettings.ts
 * reads the keys). Plain values, secrets, and for the report where each came
 * from, what was left out and what the files cannot tell.
 */
import * as path from "path";
import { DEFAULTS } from "../config/defaults";
import { cidrContains, isCidr, isIPv4 } from "../config/net";
import { AnsibleProject } from "./ansibleProject";
import { ImportPlan } from "./importPlan";
import { mapNodes, MappedNode } from "./mapNodes";
import { mapZone } from "./mapZone";
import { Variables } from "./variables";

const MINIMUM_VXLAN_UNDERLAY_MTU = DEFAULTS.minimumVxlanUnderlayMtu;

/** Variables the program has no use for, and why (the rest not mapped are "not a setting of this program"). */
const NOT_NEEDED: Record<string, string> = {
    ansible_python_interpreter: "the program runs shell over SSH, not Ansible modules; the nodes need no particular Python",
    ansible_connection: "the program always connects over SSH",
};

export function mapProject(project: AnsibleProject): ImportPlan {
    const vars = new Variables(project);
    const plan = new ImportPlan();
    const all = vars.groupScope("all");
    const management = vars.groupScope("management");
    const zone = vars.groupScope("zone");

    plan.plain("cloudstackVersion", vars.get(all, "cloudstack_version"));
    const mgmtCidr = vars.get(all, "management_network_cidr");
    const publicCidr = vars.get(all, "public_network_cidr");
    plan.plain("network.management.cidr", mgmtCidr);
    plan.plain("network.public.cidr", publicCidr);
    plan.plain("network.management.bridge", vars.get(all, "management_bridge"));
    plan.plain("network.public.bridge", vars.get(all, "public_bridge"));
    plan.plain("network.dnsServers", vars.get(all, "dns_servers"));
    plan.plain("network.timezone", vars.get(all, "timezone"));
    plan.plain("packages.javaPackage", vars.get(all, "java_package"), "the java binary path (packages.javaBinary) is the Java 11 one unless you set it");

    const cidrs = { management: stringOf(mgmtCidr?.value), public: stringOf(publicCidr?.value) };
    deriveGateways(vars, plan, cidrs);

    const nodes = mapNodes(vars, plan, cidrs);
    mapZone(vars, plan, nodes);
    writeAddresses(plan, nodes, cidrs);

    const nfsServer = vars.get(management, "nfs_server");
    plan.plain("nfs.server", nfsServer);
    const primary = vars.get(management, "nfs_primary_path");
    const secondary = vars.get(management, "nfs_secondary_path");
    plan.plain("nfs.primaryPath", primary);
    plan.plain("nfs.secondaryPath", secondary);
    const roots = [primary, secondary].map((p) => stringOf(p?.value)).filter((p): p is string => !!p).map((p) => path.posix.dirname(p));
    if (roots.length === 2 && roots[0] === roots[1] && roots[0] !== "/") {
        plan.set("nfs.exportRoot", roots[0], `${primary!.from} + ${secondary!.from}`, "the directory both paths lie in (setup-nfs-storage.sh -e)");
    }
    plan.unknown.push({ key: "nfs.dataDisk", why: "the seed passes it to setup-nfs-storage.sh on the command line (-d /dev/sdb), not in a file; set it to put the export root on its own disk" });

    plan.plain("database.port", vars.get(management, "db_port"));
    checkDatabaseHost(vars, plan, nodes);

    plan.secret("mysqlRootPassword", vars.get(all, "vault_mysql_root_password"));
    plan.secret("cloudDbPassword", vars.get(all, "vault_cloudstack_db_password"));
    const kvmPassword = vars.get(all, "vault_kvm_host_password");
    if (kvmPassword && !plan.secrets.some((s) => s.key === "kvmHostPassword")) plan.secret("kvmHostPassword", kvmPassword);
    else if (kvmPassword) plan.consumed.add(kvmPassword.from);

    plan.unknown.push({ key: "network.ntpServers", why: "the seed keeps its NTP servers in a chrony template, not in the inventory or group_vars; the program's default servers apply" });
    plan.unknown.push({ key: "network.domain", why: "not in the inventory or group_vars; node FQDNs use the program's default domain" });
    vxlanUnderlayMtu(vars, plan, cidrs);
    reportUnused(vars, plan, [all, management, zone]);
    return plan;
}

/** The pods' gateway is the management network's, the public ranges' the public network's (when inside it). */
function deriveGateways(vars: Variables, plan: ImportPlan, cidrs: { management?: string; public?: string }): void {
    const zone = vars.groupScope("zone");
    const sources = [
        { segment: "management", cidr: cidrs.management, list: vars.get(zone, "cloudstack_pods") },
        { segment: "public", cidr: cidrs.public, list: vars.get(zone, "cloudstack_public_ip_ranges") },
    ];
    for (const { segment, cidr, list } of sources) {
        const items = Array.isArray(list?.value) ? (list!.value as Record<string, unknown>[]) : [];
        const index = items.findIndex((item) => isIPv4(item?.gateway) && cidr !== undefined && isCidr(cidr) && cidrContains(cidr, item.gateway));
        if (index >= 0) plan.set(`network.${segment}.gateway`, items[index].gateway, `${list!.from}[${index}].gateway`, `derived: the gateway of the first entry inside ${cidr}`);
        else plan.unknown.push({ key: `network.${segment}.gateway`, why: `no gateway inside ${cidr ?? "the network"} in ${list?.from ?? "zone.yml"}` });
    }
}

/**
 * VXLAN adds 50 bytes, and the program refuses a VXLAN zone whose Guest traffic bridge has MTU 1500 (the
 * seed's notes say the same: VXLAN guests need the path MTU minus 50). The files give no MTU, so the
 * smallest one that works is set and named in the report as an assumption to check.
 */
function vxlanUnderlayMtu(vars: Variables, plan: ImportPlan, cidrs: { management?: string; public?: string }): void {
    const networks = vars.get(vars.groupScope("zone"), "cloudstack_physical_networks");
    const list = Array.isArray(networks?.value) ? (networks!.value as Record<string, unknown>[]) : [];
    const labels = list
        .filter((n) => n?.isolation_methods === "VXLAN" && Array.isArray(n.traffic_types))
        .flatMap((n) => (n.traffic_types as Record<string, unknown>[]).filter((t) => t?.type === "Guest").map((t) => t.kvm_networklabel));
    for (const segment of ["management", "public"] as const) {
        const bridge = plan.config.network && (plan.config.network as Record<string, Record<string, unknown>>)[segment]?.bridge;
        if (labels.includes(bridge)) {
            plan.set(`network.${segment}.mtu`, MINIMUM_VXLAN_UNDERLAY_MTU, `${networks!.from} (VXLAN Guest traffic on ${bridge})`, `ASSUMED, check it: the files set no MTU; VXLAN needs ${MINIMUM_VXLAN_UNDERLAY_MTU} on ${bridge} (${cidrs[segment]}), so its switches must carry ${MINIMUM_VXLAN_UNDERLAY_MTU}-byte frames`);
        }
    }
}

function writeAddresses(plan: ImportPlan, nodes: MappedNode[], cidrs: { management?: string; public?: string }): void {
    nodes.forEach((node, i) => {
        if (node.managementAddress) {
            const fromZone = node.managementAddress !== node.address;
            plan.set(`nodes[${i}].managementAddress`, node.managementAddress, fromZone ? "its entry in zone.yml cloudstack_hosts" : node.addressFrom, `derived: inside ${cidrs.management}`);
        }
        else if (!node.roles.every((r) => r === "nfs")) {
            plan.unknown.push({ key: `nodes[${i}].managementAddress`, why: `the files name only ${node.address} for ${node.name}, which is not on the management network ${cidrs.management ?? ""}; set it if the node already has an address there` });
        }
        if (node.publicAddress) plan.set(`nodes[${i}].publicAddress`, node.publicAddress, node.addressFrom, `derived: inside ${cidrs.public}`);
    });
}

/** db_host names the database machine; the program puts the database on the node with the database role. */
function checkDatabaseHost(vars: Variables, plan: ImportPlan, nodes: MappedNode[]): void {
    const dbHost = vars.get(vars.groupScope("management"), "db_host");
    if (!dbHost) return;
    const database = nodes.find((n) => n.roles.includes("database"));
    const value = stringOf(dbHost.value);
    if (database && value === database.address) plan.skip(dbHost.from, `matches the database node ${database.name} (${value}): nothing more to set`);
    else plan.skip(dbHost.from, `${value ?? "(not text)"} is not the address of a node in the database group; the program uses the database node's own address`);
}

function reportUnused(vars: Variables, plan: ImportPlan, scopes: ReturnType<Variables["groupScope"]>[]): void {
    const seen = new Set<string>();
    const hostScopes = [...vars.project.inventory.hosts.keys()].map((h) => vars.hostScope(h));
    const groupFiles = [...vars.project.groupVars.keys()].map((g) => vars.groupScope(g));
    for (const scope of [...scopes, ...hostScopes, ...groupFiles]) {
        for (const [name, entry] of Object.entries(scope)) {
            if (plan.consumed.has(entry.from) || seen.has(entry.from)) continue;
            seen.add(entry.from);
            plan.skipped.push({ from: entry.from, why: NOT_NEEDED[name] ?? "not a setting of this program" });
        }
    }
}

function stringOf(value: unknown): string | undefined {
    return typeof value === "string" ? value : undefined;
}
