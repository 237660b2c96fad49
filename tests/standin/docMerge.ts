/**
 * The stand-in's cloud as one document (StandInData without what is not kept
 * in it) and how two servers' changes to it combine. Rows are compared by
 * their key; a row this server changed since it last read the document wins
 * over the stored one (the later writer of that row), any other row is taken
 * as stored. New rows of both sides are kept; when both sides made rows since
 * the common base, this side's new rows are renumbered after the other's, as
 * an AUTO_INCREMENT column would have numbered them.
 */
import { StandInData } from "./store";

/** Fields of StandInData that are not part of the shared document (read from their own tables). */
export const NOT_IN_DOCUMENT = ["managementServers"] as const;

export type Doc = Record<string, unknown>;
type Keyed = Record<string, unknown>;

/** JSON with object keys sorted, so that equal data gives equal text whatever order fields were set in. */
export function stableJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value && typeof value === "object") {
        const entries = Object.keys(value as Keyed)
            .filter((k) => (value as Keyed)[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${stableJson((value as Keyed)[k])}`);
        return `{${entries.join(",")}}`;
    }
    return JSON.stringify(value);
}

export function toDoc(data: StandInData): Doc {
    const doc: Doc = { ...(data as unknown as Doc) };
    for (const name of NOT_IN_DOCUMENT) delete doc[name];
    return JSON.parse(JSON.stringify(doc)) as Doc;
}

function rowKey(table: string, row: Keyed): string {
    if (table === "jobs") return String(row.jobid);
    if (table === "templates") return `${row.templateId}/${row.zoneId}`;
    if (table === "awaitedAgents") return String(row.guid);
    return String(row.id);
}

function byKey(table: string, rows: unknown): Map<string, Keyed> {
    const map = new Map<string, Keyed>();
    for (const row of (Array.isArray(rows) ? rows : []) as Keyed[]) map.set(rowKey(table, row), row);
    return map;
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

function mergeRows(table: string, base: unknown, ours: unknown, theirs: unknown): Keyed[] {
    const b = byKey(table, base);
    const o = byKey(table, ours);
    const t = byKey(table, theirs);
    const merged: Keyed[] = [];
    for (const [key, stored] of t) {
        const mine = o.get(key);
        merged.push(mine && (!b.has(key) || !same(mine, b.get(key))) ? mine : stored);
    }
    for (const [key, mine] of o) if (!t.has(key)) merged.push(mine);
    return merged;
}

function mergeEntries(base: unknown, ours: unknown, theirs: unknown): Keyed {
    const b = (base ?? {}) as Keyed;
    const o = (ours ?? {}) as Keyed;
    const merged: Keyed = { ...((theirs ?? {}) as Keyed) };
    for (const [key, value] of Object.entries(o)) if (!(key in b) || !same(value, b[key])) merged[key] = value;
    return merged;
}

/** This side's rows made since `base`: those with a dbId above the base's counter. */
function renumberNewRows(base: Doc, ours: Doc, theirs: Doc, merged: Doc): void {
    const baseSeq = Number(base.seq ?? 0);
    const oursSeq = Number(ours.seq ?? 0);
    const theirsSeq = Number(theirs.seq ?? 0);
    if (oursSeq <= baseSeq || theirsSeq <= baseSeq) {
        merged.seq = Math.max(oursSeq, theirsSeq);
        return;
    }
    const offset = theirsSeq - baseSeq;
    for (const rows of Object.values(merged)) {
        if (!Array.isArray(rows)) continue;
        for (const row of rows as Keyed[]) {
            const mine = typeof row.dbId === "number" && row.dbId > baseSeq && !byKeyIncludes(theirs, row);
            if (mine) row.dbId = (row.dbId as number) + offset;
        }
    }
    merged.seq = oursSeq + offset;
}

function byKeyIncludes(doc: Doc, row: Keyed): boolean {
    return Object.values(doc).some((rows) => Array.isArray(rows) && (rows as Keyed[]).some((r) => r.id !== undefined && r.id === row.id));
}

/** Three-way merge of documents (see the file comment). Returns a new document. */
export function mergeDocs(base: Doc, ours: Doc, theirs: Doc): Doc {
    const merged: Doc = JSON.parse(JSON.stringify(theirs)) as Doc;
    const names = new Set([...Object.keys(theirs), ...Object.keys(ours)]);
    for (const name of names) {
        if (name === "seq") continue;
        const [b, o, t] = [base[name], ours[name], theirs[name]];
        if (Array.isArray(o) || Array.isArray(t)) merged[name] = JSON.parse(JSON.stringify(mergeRows(name, b, o, t)));
        else if ((o && typeof o === "object") || (t && typeof t === "object")) merged[name] = JSON.parse(JSON.stringify(mergeEntries(b, o, t)));
        else merged[name] = !same(o, b) ? o : t;
    }
    renumberNewRows(base, ours, theirs, merged);
    return merged;
}

function replaceFields(target: Keyed, source: Keyed): void {
    for (const key of Object.keys(target)) delete target[key];
    Object.assign(target, source);
}

/**
 * Makes the live data equal to `doc` in place: row objects with the same key
 * stay the same objects (timers and closures hold them), arrays and setting
 * maps stay the same containers.
 */
export function adoptDoc(data: StandInData, doc: Doc): void {
    const live = data as unknown as Keyed;
    for (const [name, value] of Object.entries(doc)) {
        const current = live[name];
        if (Array.isArray(value) && Array.isArray(current)) {
            const existing = byKey(name, current);
            const rows = (value as Keyed[]).map((row) => {
                const object = existing.get(rowKey(name, row));
                if (!object) return row;
                replaceFields(object, row);
                return object;
            });
            current.length = 0;
            current.push(...rows);
        } else if (value && typeof value === "object" && current && typeof current === "object" && !Array.isArray(value)) {
            replaceFields(current as Keyed, value as Keyed);
        } else {
            live[name] = value;
        }
    }
}
