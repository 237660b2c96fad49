/**
 * Inventory hosts → cloudstack:nodes and cloudstack:ssh. Hosts that share an
 * ansible_host are one machine with several roles (the seed's
 * cloudstack-mgmt and cloudstack-db). The NFS server is not in the seed's
 * inventory (it is set up by hand with setup-nfs-storage.sh): it becomes a node
 * from management.yml's nfs_server with the inventory's SSH settings.
 */
import { cidrContains, isCidr, isIPv4 } from "../config/net";
import { hostsOfGroup } from "./inventory";
import { ImportPlan } from "./importPlan";
import { Resolved, Variables } from "./variables";

export const NFS_NODE_NAME = "nfs-storage";

/** Inventory groups of the seed and the role each gives. */
const ROLE_GROUPS: { group: string; role: string }[] = [
    { group: "management", role: "management" },
    { group: "database", role: "database" },
    { group: "kvm-hosts", role: "kvm" },
];

/** Ansible connection variables → cloudstack:ssh fields (aliases Ansible accepts, preferred first). */
const SSH_FIELDS: { names: string[]; field: string; secret: boolean }[] = [
    { names: ["ansible_user", "ansible_ssh_user"], field: "user", secret: false },
    { names: ["ansible_port", "ansible_ssh_port"], field: "port", secret: false },
    { names: ["ansible_password", "ansible_ssh_pass", "ansible_ssh_password"], field: "password", secret: true },
    { names: ["ansible_ssh_private_key_file", "ansible_private_key_file"], field: "privateKeyFile", secret: false },
];

export interface MappedNode {
    name: string;
    address: string;
    roles: string[];
    /** Inventory hosts that make up this machine. */
    hosts: string[];
    /** "file:key" the address came from. */
    addressFrom: string;
    managementAddress?: string;
    publicAddress?: string;
}

export function mapNodes(vars: Variables, plan: ImportPlan, cidrs: { management?: string; public?: string }): MappedNode[] {
    const inventory = vars.project.inventory;
    const nodes: MappedNode[] = [];
    for (const { group, role } of ROLE_GROUPS) {
        for (const host of hostsOfGroup(inventory, group)) {
            const addressVar = vars.get(vars.hostScope(host), "ansible_host");
            if (addressVar) plan.consumed.add(addressVar.from);
            const address = addressVar ? String(addressVar.value) : host;
            let node = nodes.find((n) => n.address === address);
            if (!node) nodes.push((node = { name: host, address, roles: [], hosts: [], addressFrom: addressVar?.from ?? `${inventory.file}:${host}` }));
            if (!node.roles.includes(role)) node.roles.push(role);
            if (!node.hosts.includes(host)) node.hosts.push(host);
        }
    }
    mapSsh(vars, plan, nodes);

    const nfs = vars.get(vars.groupScope("management"), "nfs_server");
    if (nfs && typeof nfs.value === "string") {
        plan.consumed.add(nfs.from);
        const existing = nodes.find((n) => n.address === nfs.value);
        if (existing) existing.roles.push("nfs");
        else nodes.push({ name: NFS_NODE_NAME, address: nfs.value, roles: ["nfs"], hosts: [], addressFrom: nfs.from });
    }

    nodes.forEach((node, i) => {
        const from = node.hosts.length > 0 ? node.hosts.map((h) => `${inventory.file}:${h}`).join(" + ") : nfs!.from;
        const merged = node.hosts.length > 1 ? `; ${node.hosts.join(" and ")} share ansible_host ${node.address}: one machine` : "";
        const nfsNote = node.hosts.length === 0 ? "; the seed sets this machine up by hand (setup-nfs-storage.sh), so it is reached with the inventory's SSH settings: check they work there" : "";
        plan.set(`nodes[${i}].name`, node.name, from, node.hosts.length === 0 ? `named by the importer${nfsNote}` : undefined);
        plan.set(`nodes[${i}].address`, node.address, node.addressFrom);
        plan.set(`nodes[${i}].roles`, node.roles, from, node.hosts.length === 0 ? "the NFS server" : `from the inventory groups${merged}`);
        const inside = (cidr?: string) => cidr !== undefined && isCidr(cidr) && isIPv4(node.address) && cidrContains(cidr, node.address);
        if (inside(cidrs.public)) node.publicAddress = node.address;
        if (inside(cidrs.management)) node.managementAddress = node.address;
    });
    return nodes;
}

/** Connection settings shared by every host go to cloudstack:ssh; one host's own go to its node. */
function mapSsh(vars: Variables, plan: ImportPlan, nodes: MappedNode[]): void {
    const hosts = nodes.flatMap((n) => n.hosts);
    for (const { names, field, secret } of SSH_FIELDS) {
        const perHost = hosts.map((h) => {
            const scope = vars.hostScope(h);
            const name = names.find((n) => scope[n] !== undefined);
            return name ? vars.get(scope, name) : undefined;
        });
        const shared = perHost.every((r) => r !== undefined && r.from === perHost[0]!.from);
        if (shared && perHost[0]) {
            put(plan, `ssh.${field}`, perHost[0], secret);
            continue;
        }
        nodes.forEach((node, i) => {
            const resolved = perHost[hosts.indexOf(node.hosts[0])];
            if (resolved) put(plan, `nodes[${i}].ssh.${field}`, resolved, secret);
        });
    }
}

function put(plan: ImportPlan, key: string, resolved: Resolved, secret: boolean): void {
    if (secret) plan.secret(key, resolved);
    else if (key.endsWith(".port")) plan.plain(key, { ...resolved, value: Number(resolved.value) });
    else plan.plain(key, resolved);
}
