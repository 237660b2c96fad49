/**
 * Ansible's INI inventory: [group] host lines with variables, [group:vars],
 * [group:children], host ranges, "host:port". Hosts before any section are
 * "ungrouped"; every group is a child of "all".
 */
import { expandHostPattern } from "./hostPattern";

export interface InventoryHost {
    name: string;
    vars: Record<string, string>;
    /** Groups that list the host directly, in file order. */
    groups: string[];
}

export interface InventoryGroup {
    name: string;
    hosts: string[];
    children: string[];
    vars: Record<string, string>;
    /** file:line of the group's vars, for the report. */
    varsAt: Record<string, string>;
}

export interface Inventory {
    file: string;
    hosts: Map<string, InventoryHost>;
    groups: Map<string, InventoryGroup>;
    /** file:line of each host's variables. */
    hostVarsAt: Map<string, Record<string, string>>;
}

export class InventoryError extends Error {}

export function parseIniInventory(text: string, file: string): Inventory {
    const inventory: Inventory = { file, hosts: new Map(), groups: new Map(), hostVarsAt: new Map() };
    const group = (name: string) => {
        let g = inventory.groups.get(name);
        if (!g) inventory.groups.set(name, (g = { name, hosts: [], children: [], vars: {}, varsAt: {} }));
        return g;
    };
    let section = { group: "ungrouped", kind: "hosts" as "hosts" | "vars" | "children" };
    text.split(/\r?\n/).forEach((raw, index) => {
        const at = `${file}:${index + 1}`;
        const line = raw.trim();
        if (line === "" || line.startsWith("#") || line.startsWith(";")) return;
        const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
        if (header) {
            section = { group: header[1].trim(), kind: (header[2] as "vars" | "children") ?? "hosts" };
            group(section.group);
            return;
        }
        if (line.startsWith("[")) throw new InventoryError(`${at}: not a section header Ansible accepts: ${line}`);
        if (section.kind === "children") {
            group(section.group).children.push(line);
            group(line);
            return;
        }
        if (section.kind === "vars") {
            const [key, value] = splitAssignment(line, at);
            group(section.group).vars[key] = value;
            group(section.group).varsAt[key] = at;
            return;
        }
        const [pattern, ...assignments] = splitWords(line, at);
        const vars: Record<string, string> = {};
        const varsAt: Record<string, string> = {};
        for (const assignment of assignments) {
            const [key, value] = splitAssignment(assignment, at);
            vars[key] = value;
            varsAt[key] = at;
        }
        // "host:port" (not an IPv6 address, which the seed never uses).
        const hostPort = /^([^:\s]+):(\d+)$/.exec(pattern);
        const names = expandHostPattern(hostPort ? hostPort[1] : pattern);
        if (hostPort) {
            vars.ansible_port = hostPort[2];
            varsAt.ansible_port = at;
        }
        for (const name of names) {
            let host = inventory.hosts.get(name);
            if (!host) inventory.hosts.set(name, (host = { name, vars: {}, groups: [] }));
            Object.assign(host.vars, vars);
            inventory.hostVarsAt.set(name, { ...inventory.hostVarsAt.get(name), ...varsAt });
            if (!host.groups.includes(section.group)) host.groups.push(section.group);
            const g = group(section.group);
            if (!g.hosts.includes(name)) g.hosts.push(name);
        }
    });
    for (const g of inventory.groups.values()) {
        for (const child of g.children) {
            if (ancestorsOf(inventory, g.name).includes(child)) throw new InventoryError(`${file}: group ${child} is its own ancestor through [${g.name}:children]`);
        }
    }
    return inventory;
}

/** Every host of a group, its children's included, in file order (Ansible's groups['name']). */
export function hostsOfGroup(inventory: Inventory, name: string): string[] {
    if (name === "all") return [...inventory.hosts.keys()];
    const g = inventory.groups.get(name);
    if (!g) return [];
    const out = [...g.hosts];
    for (const child of g.children) for (const h of hostsOfGroup(inventory, child)) if (!out.includes(h)) out.push(h);
    return out;
}

/** The groups a host belongs to, directly or through :children, parents first (Ansible's variable order). */
export function groupsOfHost(inventory: Inventory, host: string): string[] {
    const direct = inventory.hosts.get(host)?.groups ?? [];
    const out: string[] = [];
    for (const g of direct) for (const a of [...ancestorsOf(inventory, g).reverse(), g]) if (!out.includes(a)) out.push(a);
    return out;
}

function ancestorsOf(inventory: Inventory, name: string, seen: string[] = []): string[] {
    const parents = [...inventory.groups.values()].filter((g) => g.children.includes(name)).map((g) => g.name);
    const out: string[] = [];
    for (const p of parents) {
        if (seen.includes(p)) continue;
        out.push(p, ...ancestorsOf(inventory, p, [...seen, p]));
    }
    return out;
}

/** Splits on whitespace outside quotes. */
function splitWords(line: string, at: string): string[] {
    const words: string[] = [];
    let current = "";
    let quote: string | undefined;
    for (const ch of line) {
        if (quote) {
            current += ch;
            if (ch === quote) quote = undefined;
        } else if (ch === '"' || ch === "'") {
            quote = ch;
            current += ch;
        } else if (ch === "#" && current === "") {
            break;
        } else if (/\s/.test(ch)) {
            if (current) words.push(current);
            current = "";
        } else current += ch;
    }
    if (quote) throw new InventoryError(`${at}: unterminated quote`);
    if (current) words.push(current);
    return words;
}

function splitAssignment(text: string, at: string): [string, string] {
    const eq = text.indexOf("=");
    // The text is not repeated: it may hold a password.
    if (eq <= 0) throw new InventoryError(`${at}: expected key=value`);
    const key = text.slice(0, eq).trim();
    let value = text.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value) && value.length >= 2) value = value.slice(1, -1);
    return [key, value];
}
