/**
 * Loads an Ansible project the way ansible-playbook would see it: the INI
 * inventory and the YAML group_vars/host_vars beside it, whole-file and
 * inline vaults decrypted in memory. Nothing is written anywhere.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { Inventory, parseIniInventory } from "./inventory";
import { decryptVault, isVaulted, vaultHeader, VaultError } from "./vault";

/** One variable as a file defines it. */
export interface VarEntry {
    value: unknown;
    /** "inventory/group_vars/all/vault.yml:vault_mysql_root_password" (relative to the project). */
    from: string;
    /** Came out of a vault (whole file or inline). */
    secret: boolean;
}

export type VarFile = Record<string, VarEntry>;

export interface AnsibleProject {
    root: string;
    inventory: Inventory;
    /** group name → its variables, from group_vars files (later files win, as in Ansible). */
    groupVars: Map<string, VarFile>;
    hostVars: Map<string, VarFile>;
    /** Vault files and inline values that were decrypted, for the report. */
    vaults: string[];
}

export class ProjectError extends Error {}

/** Where the INI inventory is: <dir>/inventory/hosts (the seed's cloudstack/ dir), <dir>/cloudstack/inventory/hosts (the seed's repository), or <dir>/hosts. */
export function findInventory(root: string): string {
    const candidates = ["inventory/hosts", "cloudstack/inventory/hosts", "hosts"].map((p) => path.join(root, p));
    if (!fs.existsSync(root) || !fs.statSync(root).isDirectory()) throw new ProjectError(`--from ${root}: no such directory`);
    const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
    if (!found) throw new ProjectError(`--from ${root}: no Ansible inventory found (looked for ${candidates.map((c) => path.relative(root, c)).join(", ")})`);
    return found;
}

/** The variable files next to the inventory, in the order Ansible reads them. */
export function variableFiles(inventoryFile: string): { kind: "group" | "host"; name: string; file: string }[] {
    const out: { kind: "group" | "host"; name: string; file: string }[] = [];
    for (const kind of ["group", "host"] as const) {
        const dir = path.join(path.dirname(inventoryFile), `${kind}_vars`);
        if (!fs.existsSync(dir)) continue;
        for (const entry of fs.readdirSync(dir).sort()) {
            const full = path.join(dir, entry);
            if (fs.statSync(full).isDirectory()) {
                for (const inner of walk(full)) if (isVarFileName(inner)) out.push({ kind, name: entry, file: inner });
            } else if (isVarFileName(full) || !path.extname(full)) {
                out.push({ kind, name: entry.replace(/\.(ya?ml|json)$/, ""), file: full });
            }
        }
    }
    return out;
}

/** Whether any variable file holds a vault (so a password is needed at all). */
export function needsVaultPassword(root: string): boolean {
    return variableFiles(findInventory(root)).some(({ file }) => {
        const text = fs.readFileSync(file, "utf8");
        return isVaulted(text) || /!vault\s*\|/.test(text);
    });
}

export function loadAnsibleProject(root: string, password: () => string): AnsibleProject {
    const inventoryFile = findInventory(root);
    const rel = (f: string) => path.relative(root, f);
    const inventory = parseIniInventory(fs.readFileSync(inventoryFile, "utf8"), rel(inventoryFile));
    const project: AnsibleProject = { root, inventory, groupVars: new Map(), hostVars: new Map(), vaults: [] };
    for (const { kind, name, file } of variableFiles(inventoryFile)) {
        const vars = readVarFile(file, rel(file), password, project.vaults);
        const target = kind === "group" ? project.groupVars : project.hostVars;
        target.set(name, { ...target.get(name), ...vars });
    }
    return project;
}

class Vaulted {
    constructor(readonly text: string) {}
}

const vaultTag = {
    tag: "!vault",
    identify: (value: unknown) => value instanceof Vaulted,
    resolve: (text: string) => new Vaulted(text),
};

function readVarFile(file: string, where: string, password: () => string, vaults: string[]): VarFile {
    let text = fs.readFileSync(file, "utf8");
    const wholeFile = isVaulted(text);
    if (wholeFile) {
        const header = vaultHeader(text);
        text = decryptVault(text, password(), where);
        vaults.push(`${where} (format ${header?.version}${header?.vaultId ? `, vault id ${header.vaultId}` : ""})`);
    }
    let doc: unknown;
    try {
        doc = YAML.parse(text, { customTags: [vaultTag] });
    } catch (err) {
        // A decrypted file's YAML error could quote a secret: name the place only.
        const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
        throw new ProjectError(`${where}: not valid YAML${line ? ` (line ${line})` : ""}${wholeFile ? "" : `: ${(err as Error).message.split("\n")[0]}`}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new ProjectError(`${where}: expected a mapping of variable names to values`);
    const vars: VarFile = {};
    for (const [key, value] of Object.entries(doc as Record<string, unknown>)) {
        const inline = { found: false };
        const plain = decryptInline(value, `${where}:${key}`, password, inline);
        if (inline.found) vaults.push(`${where}:${key} (inline !vault)`);
        vars[key] = { value: plain, from: `${where}:${key}`, secret: wholeFile || inline.found };
    }
    return vars;
}

function decryptInline(value: unknown, where: string, password: () => string, inline: { found: boolean }): unknown {
    if (value instanceof Vaulted) {
        inline.found = true;
        return decryptVault(value.text, password(), where);
    }
    if (Array.isArray(value)) return value.map((v, i) => decryptInline(v, `${where}[${i}]`, password, inline));
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decryptInline(v, `${where}.${k}`, password, inline)]));
    }
    return value;
}

function walk(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .sort()
        .flatMap((entry) => {
            const full = path.join(dir, entry);
            return fs.statSync(full).isDirectory() ? walk(full) : [full];
        });
}

function isVarFileName(file: string): boolean {
    return /\.(ya?ml|json)$/.test(file);
}

export { VaultError };
