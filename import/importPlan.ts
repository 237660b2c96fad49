/**
 * What an import will write, collected before anything is written: plain
 * config, secrets (set later through the stack's secrets provider), and for
 * the report where each value came from, what was left out and why, and which
 * settings the files cannot tell.
 */
import { Resolved, SecretText, unwrap } from "./variables";

export interface PlannedSecret {
    /** Config path without the namespace, as `pulumi config set --path` takes it: "mysqlRootPassword", "ssh.password". */
    key: string;
    value: string;
    from: string;
}

export class ImportPlan {
    readonly config: Record<string, unknown> = {};
    readonly secrets: PlannedSecret[] = [];
    readonly imported: { key: string; from: string; note?: string }[] = [];
    readonly skipped: { from: string; why: string }[] = [];
    readonly unknown: { key: string; why: string }[] = [];
    /** "file:key" of every Ansible variable the mapping read (the rest is reported as not imported). */
    readonly consumed = new Set<string>();

    /** A plain setting. A value that came out of a vault never goes to one: it is reported instead. */
    plain(key: string, resolved: Resolved | undefined, note?: string): boolean {
        if (!resolved) return false;
        this.consumed.add(resolved.from);
        let secret = false;
        const value = unwrap(resolved.value, () => (secret = true));
        if (secret) {
            this.skipped.push({ from: resolved.from, why: `it is encrypted, but cloudstack:${key} is not a secret setting; set it yourself if it may be stored in plain text` });
            return false;
        }
        this.set(key, value, resolved.from, note);
        return true;
    }

    /** A plain value the importer derived or fixed (from names the files it came from). */
    set(key: string, value: unknown, from: string, note?: string): void {
        setPath(this.config, key, value);
        this.imported.push({ key, from, note });
    }

    secret(key: string, resolved: Resolved | undefined, note?: string): boolean {
        if (!resolved) return false;
        this.consumed.add(resolved.from);
        const value = unwrap(resolved.value, () => undefined);
        if (typeof value !== "string" && typeof value !== "number") {
            this.skipped.push({ from: resolved.from, why: `expected a text value for the secret cloudstack:${key}` });
            return false;
        }
        this.secrets.push({ key, value: String(value), from: resolved.from });
        this.imported.push({ key, from: resolved.from, note: note ? `secret; ${note}` : "secret" });
        return true;
    }

    skip(from: string, why: string): void {
        this.consumed.add(from);
        this.skipped.push({ from, why });
    }
}

/** Sets "a.b[0].c" in a nested object, creating what is missing. */
export function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
    const parts = key.split(/\.|(?=\[)/).map((p) => (p.startsWith("[") ? Number(p.slice(1, -1)) : p));
    let node: Record<string | number, unknown> = target;
    parts.forEach((part, i) => {
        if (i === parts.length - 1) {
            node[part] = value;
            return;
        }
        if (node[part] === undefined) node[part] = typeof parts[i + 1] === "number" ? [] : {};
        node = node[part] as Record<string | number, unknown>;
    });
}

export function isSecretText(value: unknown): value is SecretText {
    return value instanceof SecretText;
}
