/**
 * zone.yml → cloudstack:zone. The seed's list entries use Ansible's field
 * names (start_ip, pod_name, kvm_networklabel, ...); each is renamed here.
 * Host passwords are not kept per host: Ubuntu 24.04 refuses root password
 * logins, so hosts are registered with the management server's key and the
 * password becomes cloudstack:kvmHostPassword (a secret) only.
 */
import { ImportPlan } from "./importPlan";
import { MappedNode } from "./mapNodes";
import { SecretText, Variables } from "./variables";

type Fields = Record<string, string>;

const LISTS: { variable: string; key: string; fields: Fields }[] = [
    { variable: "cloudstack_public_ip_ranges", key: "publicIpRanges", fields: { physical_network_name: "physicalNetwork", start_ip: "startIp", end_ip: "endIp", gateway: "gateway", netmask: "netmask", vlan: "vlan" } },
    { variable: "cloudstack_pods", key: "pods", fields: { name: "name", gateway: "gateway", netmask: "netmask", start_ip: "startIp", end_ip: "endIp" } },
    { variable: "cloudstack_clusters", key: "clusters", fields: { name: "name", pod_name: "pod", hypervisor: "hypervisor", cluster_type: "clusterType" } },
    { variable: "cloudstack_primary_storages", key: "primaryStorages", fields: { name: "name", scope: "scope", cluster_name: "cluster", pod_name: "pod", server: "server", path: "path" } },
    { variable: "cloudstack_secondary_storages", key: "secondaryStorages", fields: { name: "name", server: "server", path: "path", provider: "provider" } },
];

const SCALARS: Fields = { zone_name: "name", zone_dns1: "dns1", zone_dns2: "dns2", zone_network_type: "networkType", zone_guest_cidr: "guestCidr" };

/** The seed's zone.yml ships these until the user pastes real keys from the web UI. */
const PLACEHOLDER = /^(YOUR_.*|.*_HERE|CHANGE_?ME.*|PLEASE_?FIX.*|<.*>|)$/i;

export function mapZone(vars: Variables, plan: ImportPlan, nodes: MappedNode[]): void {
    const scope = vars.groupScope("zone");
    for (const [variable, field] of Object.entries(SCALARS)) plan.plain(`zone.${field}`, vars.get(scope, variable));

    for (const [variable, key] of [["cs_api_key", "apiKey"], ["cs_api_secret", "secretKey"]] as const) {
        const resolved = vars.get(scope, variable);
        if (!resolved) continue;
        const text = resolved.value instanceof SecretText ? resolved.value.text : String(resolved.value ?? "");
        if (PLACEHOLDER.test(text.trim())) plan.skip(resolved.from, "a placeholder, not a key: the program creates the API keys itself on the first `pulumi up`");
        else plan.secret(key, resolved);
    }

    const physical = vars.get(scope, "cloudstack_physical_networks");
    if (physical) {
        plan.consumed.add(physical.from);
        listOf(physical.value).forEach((item, i) => {
            const at = `${physical.from}[${i}]`;
            const out = renameFields(plan, item, { name: "name", isolation_methods: "isolationMethod", vlan_range: "vniRange" }, at, ["traffic_types"]);
            out.trafficTypes = listOf(item.traffic_types).map((t, j) => renameFields(plan, t, { type: "type", kvm_networklabel: "kvmLabel" }, `${at}.traffic_types[${j}]`));
            put(plan, `zone.physicalNetworks[${i}]`, out, at);
        });
    }
    for (const { variable, key, fields } of LISTS) {
        const resolved = vars.get(scope, variable);
        if (!resolved) continue;
        plan.consumed.add(resolved.from);
        listOf(resolved.value).forEach((item, i) => put(plan, `zone.${key}[${i}]`, renameFields(plan, item, fields, `${resolved.from}[${i}]`), `${resolved.from}[${i}]`));
    }
    mapHosts(vars, plan, nodes);
}

function mapHosts(vars: Variables, plan: ImportPlan, nodes: MappedNode[]): void {
    const resolved = vars.get(vars.groupScope("zone"), "cloudstack_hosts");
    if (!resolved) return;
    plan.consumed.add(resolved.from);
    const hosts = listOf(resolved.value);
    const linked = hosts.map((h) => nodes.find((n) => n.roles.includes("kvm") && (n.address === h.ip || n.managementAddress === h.ip)));
    // One KVM node and one zone host left without a match are the same machine (the seed's kvm-host-01 and N12):
    // the inventory names the public address, the zone its management address.
    const freeNodes = nodes.filter((n) => n.roles.includes("kvm") && !linked.includes(n));
    const freeHosts = hosts.map((_, i) => i).filter((i) => !linked[i]);
    if (freeNodes.length === 1 && freeHosts.length === 1) {
        linked[freeHosts[0]] = freeNodes[0];
        freeNodes[0].managementAddress ??= String(hosts[freeHosts[0]].ip);
    }
    const passwords = new Set<string>();
    hosts.forEach((host, i) => {
        const at = `${resolved.from}[${i}]`;
        const out = renameFields(plan, host, { name: "name", cluster_name: "cluster", pod_name: "pod", ip: "ip", username: "username" }, at, ["password"]);
        if (host.password !== undefined) {
            const password = host.password instanceof SecretText ? host.password.text : String(host.password);
            passwords.add(password);
            if (passwords.size === 1) plan.secret("kvmHostPassword", { value: host.password, from: `${at}.password` }, "kept for the password path only; hosts are registered with the management server's key (Ubuntu 24.04 refuses root password logins)");
            else plan.skip(`${at}.password`, "differs from the first host's; the program has one kvmHostPassword");
        }
        out.useManagementKey = true;
        const node = linked[i];
        if (node) out.node = node.name;
        put(plan, `zone.hosts[${i}]`, out, at, node ? `provisioned by node ${node.name}${node.address === host.ip ? "" : ` (the only KVM node and the only zone host left unmatched; management address ${host.ip})`}` : "no inventory KVM host matches it; it is registered but not provisioned by this stack");
    });
    for (const node of nodes.filter((n) => n.roles.includes("kvm") && !linked.includes(n))) {
        plan.unknown.push({ key: `zone.hosts (node ${node.name})`, why: `no entry of cloudstack_hosts matches the KVM host ${node.name} (${node.address}); add one with its management address` });
    }
}

/** A list entry with its fields renamed; unknown fields are reported, never guessed. */
function renameFields(plan: ImportPlan, item: Record<string, unknown>, fields: Fields, at: string, handledElsewhere: string[] = []): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(item)) {
        if (fields[name]) out[fields[name]] = value;
        else if (!handledElsewhere.includes(name)) plan.skip(`${at}.${name}`, "not a setting of this program");
    }
    return out;
}

/** A list item, secrets checked: an encrypted value in a plain field is left out and reported. */
function put(plan: ImportPlan, key: string, value: Record<string, unknown>, from: string, note?: string): void {
    const clean: Record<string, unknown> = {};
    for (const [field, v] of Object.entries(value)) {
        if (containsSecret(v)) plan.skipped.push({ from: `${from}.${field}`, why: `it is encrypted, but cloudstack:${key}.${field} is not a secret setting; set it yourself` });
        else clean[field] = v;
    }
    plan.set(key, clean, from, note);
}

function containsSecret(value: unknown): boolean {
    if (value instanceof SecretText) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value && typeof value === "object") return Object.values(value).some(containsSecret);
    return false;
}

function listOf(value: unknown): Record<string, unknown>[] {
    return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => !!v && typeof v === "object") : [];
}
