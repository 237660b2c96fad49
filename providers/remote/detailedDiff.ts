/**
 * Diff results that name what changed, for the dynamic providers here.
 *
 * A diff that says only "changes" makes the engine show "update" with the
 * inputs side by side, where a changed secret (the SSH connection) or packed
 * script text looks the same as before: `pulumi preview --diff` cannot say
 * what drifted. A detailed diff names each changed property (`script`,
 * `env.NAME`, `secretEnv.NAME`, `connection`, ...); the engine shows those and
 * masks secret values as it does everywhere.
 *
 * The Node SDK's dynamic-provider host (cmd/dynamic-provider, 3.248 and
 * 3.259 alike) copies only `changes`, `replaces` and `deleteBeforeReplace`
 * from a provider's diff into the DiffResponse and drops anything else. So
 * the result built here hands its detailed diff over when the host reads
 * `changes`: the host calls DiffResponse.setChanges right after that read, in
 * the same synchronous run, and the wrapper installed on setChanges below
 * fills the response's detailed diff from it. tests/integration/
 * remote-engine.test.ts checks through the real engine that it arrives; if an
 * SDK release forwards `detailedDiff` itself, the wrapper sees a response
 * that already has one and leaves it alone.
 */

export type PropertyChange = "add" | "delete" | "update";

export interface DetailedDiffResult {
    readonly changes: boolean;
    /** Property path → kind of change, all input properties. */
    readonly detailedDiff: Record<string, PropertyChange>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ProtoModule = any;

/** The detailed diff of the result whose `changes` the host has just read; consumed by the next setChanges. */
let handedOver: Record<string, PropertyChange> | undefined;
let hookInstalled = false;

function installHook(): void {
    if (hookInstalled) return;
    hookInstalled = true;
    let proto: ProtoModule;
    try {
        proto = require("@pulumi/pulumi/proto/provider_pb");
    } catch {
        return; // no SDK protocol module here (not inside a provider host): nothing to hand over to
    }
    const kinds: Record<PropertyChange, number> = { add: proto.PropertyDiff.Kind.ADD, delete: proto.PropertyDiff.Kind.DELETE, update: proto.PropertyDiff.Kind.UPDATE };
    const setChanges = proto.DiffResponse.prototype.setChanges;
    proto.DiffResponse.prototype.setChanges = function (this: ProtoModule, value: number) {
        const detailed = handedOver;
        handedOver = undefined;
        if (detailed && Object.keys(detailed).length > 0 && !this.getHasdetaileddiff()) {
            const map = this.getDetaileddiffMap();
            for (const [property, kind] of Object.entries(detailed)) {
                const diff = new proto.PropertyDiff();
                diff.setKind(kinds[kind]);
                diff.setInputdiff(true);
                map.set(property, diff);
            }
            this.setHasdetaileddiff(true);
            this.setDiffsList([...new Set(Object.keys(detailed).map((p) => p.split(".")[0]))]);
        }
        return setChanges.call(this, value);
    };
}

/** A diff result for the provider host: `changes` when anything is in `detailedDiff`. */
export function diffResult(detailedDiff: Record<string, PropertyChange>): DetailedDiffResult {
    installHook();
    const changes = Object.keys(detailedDiff).length > 0;
    return {
        get changes() {
            handedOver = detailedDiff;
            return changes;
        },
        detailedDiff,
    };
}

const present = (value: unknown) => value !== undefined && value !== null;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** How a property went from `old` to `now`, or undefined when it did not change. */
export function changeOf(old: unknown, now: unknown): PropertyChange | undefined {
    if (same(old, now)) return undefined;
    if (!present(old)) return "add";
    if (!present(now)) return "delete";
    return "update";
}

/** Per-field changes of an object (environment variables, the SSH connection) as `prefix.FIELD`; names only, never values. */
export function fieldChanges(prefix: string, old: object | undefined, now: object | undefined): Record<string, PropertyChange> {
    const before = (old ?? {}) as Record<string, unknown>;
    const after = (now ?? {}) as Record<string, unknown>;
    const result: Record<string, PropertyChange> = {};
    for (const key of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
        const change = changeOf(before[key], after[key]);
        if (change) result[`${prefix}.${key}`] = change;
    }
    return result;
}

/** Changes of whole properties `keys` between olds and news. */
export function propertyChanges<T extends object>(olds: T, news: T, keys: (keyof T & string)[]): Record<string, PropertyChange> {
    const result: Record<string, PropertyChange> = {};
    for (const key of keys) {
        const change = changeOf(olds[key], news[key]);
        if (change) result[key] = change;
    }
    return result;
}
