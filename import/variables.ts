/**
 * Variable values as a play would see them: a group's variables over "all",
 * templates rendered (import/jinja.ts), and every string that came out of a
 * vault, or was computed from one, wrapped as a SecretText so it can only go
 * to a secret setting.
 */
import { AnsibleProject, VarEntry, VarFile } from "./ansibleProject";
import { groupsOfHost, hostsOfGroup } from "./inventory";
import { hasTemplate, renderTemplate, TemplateError } from "./jinja";

export class SecretText {
    constructor(readonly text: string) {}
    /** Never the value: a SecretText printed by mistake shows this. */
    toString(): string {
        return "(secret)";
    }
    toJSON(): string {
        return "(secret)";
    }
}

export interface Resolved {
    value: unknown;
    from: string;
}

export class Variables {
    constructor(readonly project: AnsibleProject) {}

    /** Variables in effect for a group's own file: all, then the group (inventory [g:vars], then group_vars/g). */
    groupScope(group: string): VarFile {
        return { ...this.layer("all"), ...(group === "all" ? {} : this.layer(group)) };
    }

    /** Variables in effect on a host: all, its groups parents first, then its own. */
    hostScope(host: string): VarFile {
        const inventory = this.project.inventory;
        const scope: VarFile = { ...this.layer("all") };
        for (const g of groupsOfHost(inventory, host)) Object.assign(scope, this.layer(g));
        const own = inventory.hosts.get(host)?.vars ?? {};
        const at = inventory.hostVarsAt.get(host) ?? {};
        for (const [k, v] of Object.entries(own)) scope[k] = { value: v, from: `${at[k] ?? inventory.file}:${k}`, secret: false };
        Object.assign(scope, this.project.hostVars.get(host) ?? {});
        return scope;
    }

    /** A variable with its templates rendered; undefined when the scope does not define it. */
    get(scope: VarFile, name: string): Resolved | undefined {
        const entry = scope[name];
        if (!entry) return undefined;
        return { value: this.render(entry, scope, [name]), from: entry.from };
    }

    private layer(group: string): VarFile {
        const inventory = this.project.inventory;
        const g = inventory.groups.get(group);
        const fromIni: VarFile = {};
        for (const [k, v] of Object.entries(g?.vars ?? {})) fromIni[k] = { value: v, from: `${g!.varsAt[k]}:${k}`, secret: false };
        return { ...fromIni, ...(this.project.groupVars.get(group) ?? {}) };
    }

    private render(entry: VarEntry, scope: VarFile, chain: string[]): unknown {
        const walk = (value: unknown, where: string): unknown => {
            if (typeof value === "string") {
                if (!hasTemplate(value)) return entry.secret ? new SecretText(value) : value;
                let tainted = entry.secret;
                const lookup = (name: string): unknown => {
                    if (name === "groups") return this.groups();
                    if (name === "hostvars") return this.hostvars();
                    const used = scope[name];
                    if (!used) return undefined;
                    if (chain.includes(name)) throw new TemplateError(`${where}: the variable ${name} refers to itself (${[...chain, name].join(" → ")})`);
                    const resolved = this.render(used, scope, [...chain, name]);
                    return unwrap(resolved, () => (tainted = true));
                };
                const result = renderTemplate(value, { lookup }, where);
                return tainted && typeof result === "string" ? new SecretText(result) : result;
            }
            if (Array.isArray(value)) return value.map((v, i) => walk(v, `${where}[${i}]`));
            if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, `${where}.${k}`)]));
            return value;
        };
        return walk(entry.value, entry.from);
    }

    private groups(): Record<string, string[]> {
        const inventory = this.project.inventory;
        const out: Record<string, string[]> = { all: hostsOfGroup(inventory, "all") };
        for (const name of inventory.groups.keys()) out[name] = hostsOfGroup(inventory, name);
        return out;
    }

    /** Plain host variables; a secret one is left out (hostvars lookups in the seed only read ansible_host). */
    private hostvars(): Record<string, Record<string, unknown>> {
        const out: Record<string, Record<string, unknown>> = {};
        for (const host of this.project.inventory.hosts.keys()) {
            const scope = this.hostScope(host);
            out[host] = {};
            for (const [k, e] of Object.entries(scope)) if (!e.secret && !hasTemplate(e.value)) out[host][k] = e.value;
        }
        return out;
    }
}

/** The plain form of a rendered value; `onSecret` is called when any part of it was secret. */
export function unwrap(value: unknown, onSecret: () => void): unknown {
    if (value instanceof SecretText) {
        onSecret();
        return value.text;
    }
    if (Array.isArray(value)) return value.map((v) => unwrap(v, onSecret));
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v, onSecret)]));
    return value;
}
