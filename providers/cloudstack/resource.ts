/**
 * The one provider shape every zone object shares (Zone, PhysicalNetwork,
 * Pod, PublicIpRange, Cluster, Host, PrimaryStorage, SecondaryStorage):
 *
 * - create looks the object up by its natural key first and adopts it when it
 *   matches, or stops with a report of the differences — never a duplicate;
 *   a create whose answer was lost (the connection dropped after the request
 *   reached the server) is looked up again and adopted, and sent a second
 *   time only when the server does not have it;
 * - diff: `updatable` inputs change in place, `replaceOn` inputs replace the
 *   object (deleted first: names are unique);
 * - read puts what the server has into the outputs, so refresh shows drift
 *   and the next `up` sets it back;
 * - delete treats "already gone" as done; every other change an object makes
 *   (updates, state changes, deletes) goes through applyOnce.ts, so a lost
 *   answer is checked against the server before anything is sent again.
 *
 * The API connection arrives as a secret input and is echoed under the same
 * name, so the engine keeps it encrypted in the state.
 */
import { CloudStackClient } from "./client";
import { answerLost } from "./applyOnce";
import { isAlreadyGone } from "./errors";
import { CheckFailure } from "./validate";

export interface ApiConnection {
    apiUrl: string;
    apiKey: string;
    secretKey: string;
}

export interface ObjectInputs {
    connection: ApiConnection;
}

export interface Remote {
    id: string;
}

export interface ZoneObjectKind<I extends ObjectInputs, R extends Remote> {
    /** How the object is named in messages, e.g. `pod "Internal"`. */
    describe(inputs: I): string;
    /** Normalizes inputs (the returned value is what the other methods see) and lists what is wrong with them. */
    check(inputs: I): { inputs: I; failures: CheckFailure[] };
    updatable: (keyof I)[];
    replaceOn: (keyof I)[];
    /** The object with the inputs' natural key, if it exists. */
    find(api: CloudStackClient, inputs: I): Promise<R | undefined>;
    get(api: CloudStackClient, id: string, inputs: I): Promise<R | undefined>;
    /** The server's values in the inputs' terms; `undefined` means "not set there". */
    observe(remote: R, inputs: I): Partial<I>;
    /** Differences that forbid adopting `remote` (default: any observed value that differs). */
    conflicts?(remote: R, inputs: I): string[];
    create(api: CloudStackClient, inputs: I): Promise<string>;
    /** Brings a created or adopted object the rest of the way (sub-objects, waits); also runs on update. */
    complete?(api: CloudStackClient, id: string, inputs: I, remote: R): Promise<void>;
    update?(api: CloudStackClient, id: string, news: I, remote: R, changed: (keyof I)[]): Promise<void>;
    remove(api: CloudStackClient, id: string, olds: I): Promise<void>;
    /** Outputs only the server knows (state, host name ...). */
    outputs?(remote: R): Record<string, unknown>;
}

export function clientFor(connection: ApiConnection): CloudStackClient {
    return new CloudStackClient({ apiUrl: connection.apiUrl, credentials: { apiKey: connection.apiKey, secretKey: connection.secretKey } });
}

/** Values equal for CloudStack's purposes: absent, null and "" are the same; objects compare by content. */
export function sameValue(a: unknown, b: unknown): boolean {
    const norm = (v: unknown) => (v === undefined || v === null || v === "" ? "" : JSON.stringify(v));
    return norm(a) === norm(b);
}

/** The engine cannot carry `undefined`; "not set" travels as null. */
export function wireSafe(values: object): Record<string, unknown> {
    return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value === undefined ? null : value]));
}

/**
 * The inputs as CloudStack has them now, for `read` to hand back: the engine
 * then diffs the program's inputs against these, so `preview --diff` after a
 * refresh names the drifted property and both values. (The Node SDK's dynamic
 * provider passes no detailedDiff from `diff`, but it keeps inputs from
 * `read`.)
 */
export function refreshedInputs(props: object, observed: object, outputNames: string[]): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...props, ...observed };
    // "Not set" is left out rather than sent as null, as the program leaves it out of its inputs.
    return Object.fromEntries(Object.entries(merged).filter(([key, value]) => !outputNames.includes(key) && !key.startsWith("__") && value !== undefined && value !== null));
}

const show = (value: unknown) => (value === undefined || value === "" ? "(not set)" : JSON.stringify(value));

function defaultConflicts<I extends ObjectInputs, R extends Remote>(kind: ZoneObjectKind<I, R>, remote: R, inputs: I): string[] {
    const observed = kind.observe(remote, inputs);
    return [...kind.replaceOn, ...kind.updatable]
        .filter((field) => observed[field] !== undefined && !sameValue(observed[field], inputs[field]))
        .map((field) => `${String(field)} is ${show(observed[field])} in CloudStack but ${show(inputs[field])} in the configuration`);
}

export interface ProviderOf<I> {
    check(olds: I, news: I): Promise<{ inputs: I; failures: CheckFailure[] }>;
    diff(id: string, olds: I, news: I): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }>;
    create(inputs: I): Promise<{ id: string; outs: object }>;
    read(id: string, props: I): Promise<{ id: string; props: object; inputs?: object }>;
    update(id: string, olds: I, news: I): Promise<{ outs: object }>;
    delete(id: string, props: I): Promise<void>;
}

/**
 * One create call. When its answer is lost the server may or may not have made
 * the object: it is looked up by its natural key (reads retry through an
 * outage) and adopted if there, else created — that first request did nothing.
 */
async function createOnce<I extends ObjectInputs, R extends Remote>(kind: ZoneObjectKind<I, R>, api: CloudStackClient, inputs: I): Promise<string> {
    try {
        return await kind.create(api, inputs);
    } catch (err) {
        if (!answerLost(err)) throw err;
        const made = await kind.find(api, inputs);
        if (made) return made.id;
        return kind.create(api, inputs);
    }
}

export function defineProvider<I extends ObjectInputs, R extends Remote>(kind: ZoneObjectKind<I, R>): ProviderOf<I> {
    const fields = [...kind.replaceOn, ...kind.updatable];
    const fetchOrFail = async (api: CloudStackClient, id: string, inputs: I) => {
        const remote = await kind.get(api, id, inputs);
        if (!remote) throw new Error(`${kind.describe(inputs)} (id ${id}) no longer exists in CloudStack; run \`pulumi refresh\` to drop it from the state, then \`pulumi up\``);
        return remote;
    };
    const outputs = (inputs: I, remote: R, adopted: unknown) => wireSafe({ ...inputs, ...(kind.outputs?.(remote) ?? {}), adopted: adopted === true });

    return {
        async check(_olds, news) {
            const { inputs, failures } = kind.check(news);
            return { inputs, failures };
        },

        async diff(_id, olds, news) {
            const changed = fields.filter((field) => !sameValue(olds[field], news[field]));
            const replaces = changed.filter((field) => kind.replaceOn.includes(field)).map(String);
            // New credentials change nothing in CloudStack, but the state must keep working ones for delete.
            const credentialsChanged = !sameValue(olds.connection, news.connection);
            return { changes: changed.length > 0 || credentialsChanged, replaces, deleteBeforeReplace: true };
        },

        async create(inputs) {
            const api = clientFor(inputs.connection);
            const found = await kind.find(api, inputs);
            if (found) {
                const conflicts = (kind.conflicts ?? ((r: R, i: I) => defaultConflicts(kind, r, i)))(found, inputs);
                if (conflicts.length) {
                    throw new Error(
                        `${kind.describe(inputs)} already exists in CloudStack (id ${found.id}) and differs from the configuration: ${conflicts.join("; ")}. ` +
                            "Nothing was changed. Make the configuration match it, or remove the object from CloudStack, then run again.",
                    );
                }
            }
            const id = found ? found.id : await createOnce(kind, api, inputs);
            if (kind.complete) await kind.complete(api, id, inputs, await fetchOrFail(api, id, inputs));
            return { id, outs: outputs(inputs, await fetchOrFail(api, id, inputs), Boolean(found)) };
        },

        async read(id, props) {
            const api = clientFor(props.connection);
            const remote = await kind.get(api, id, props);
            // An empty id tells the engine the object is gone.
            if (!remote) return { id: "", props: {} };
            const observed = kind.observe(remote, props);
            const outputNames = ["adopted", ...Object.keys(kind.outputs?.(remote) ?? {})];
            return { id, props: wireSafe({ ...props, ...observed, ...(kind.outputs?.(remote) ?? {}) }), inputs: refreshedInputs(props, observed, outputNames) };
        },

        async update(id, olds, news) {
            const api = clientFor(news.connection);
            const changed = kind.updatable.filter((field) => !sameValue(olds[field], news[field]));
            if (changed.length && kind.update) await kind.update(api, id, news, await fetchOrFail(api, id, news), changed);
            if (kind.complete) await kind.complete(api, id, news, await fetchOrFail(api, id, news));
            return { outs: outputs(news, await fetchOrFail(api, id, news), (olds as unknown as { adopted?: boolean }).adopted) };
        },

        async delete(id, props) {
            try {
                await kind.remove(clientFor(props.connection), id, props);
            } catch (err) {
                if (!isAlreadyGone(err)) throw err;
            }
        },
    };
}
