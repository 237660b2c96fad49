/**
 * What a stand-in command is: its parameters (required ones give 431 "missing
 * parameter" when absent; any name outside both lists is recorded as a
 * warning, as the real server logs "Received unknown parameters") and a
 * handler that returns a reply shape the server serializes.
 */
import { AgentConnector } from "./agents";
import { invalidUuid, PARAM_ERROR, paramError, serverApiError } from "./errors";
import { Row, StandInData, UserRow } from "./store";

export type Reply =
    | { kind: "object"; name: string; value: unknown }
    /** `count` is the total before paging (ListResponse.setResponses(list, count)); default items.length. */
    | { kind: "list"; name: string; items: unknown[]; count?: number }
    | { kind: "success" }
    | { kind: "raw"; value: Record<string, unknown> }
    /** An async command: `run` executes when the job completes; `id` is returned at once for create-style commands. */
    | { kind: "job"; run: () => Reply; id?: string };

export interface Runtime {
    now(): number;
    /** Runs `fn` after `ms` unless the stand-in is closed first. */
    later(ms: number, fn: () => void): void;
    /** Persists the data (state file, or the shared database: resolves once written) after a change. */
    save(): void | Promise<void>;
    /** This server's msid when several servers share the cloud through the database (sharedCloud.ts). */
    msid?: number;
    connector: AgentConnector;
    jobLatencyMs(command: string): number;
    hostConnectMs: number;
    systemVmBootMs: number;
    templateReadyMs: number;
    /** Whether the SystemVM template was seeded onto secondary storage by hand (cloud-install-sys-tmplt). */
    templateSeeded: boolean;
}

export interface CallContext {
    command: string;
    /** Parameters by lower-cased name (the server lower-cases names before binding). */
    params: Record<string, string>;
    data: StandInData;
    user: UserRow;
    runtime: Runtime;
}

export interface CommandSpec {
    required?: string;
    optional?: string;
    run(ctx: CallContext): Reply | Promise<Reply>;
}

export type Commands = Record<string, CommandSpec>;

/** Names every call may carry besides its own. */
export const TRANSPORT_PARAMS = ["command", "response", "apikey", "signature", "signatureversion", "expires", "sessionkey", "_"];

export function list(name: string, items: unknown[]): Reply {
    return { kind: "list", name, items };
}

/** An integer parameter as ParamProcessWorker binds it (Integer.valueOf; blank means absent). */
export function integerParam(ctx: CallContext, name: string): number | undefined {
    const value = ctx.params[name];
    if (value === undefined || value.trim() === "") return undefined;
    // server/src/main/java/com/cloud/api/dispatch/ParamProcessWorker.java@4.19.3.0:357 Integer.valueOf → IllegalArgumentException → 189
    if (!/^[+-]?\d+$/.test(value) || Math.abs(Number(value)) > 2147483647) {
        throw serverApiError(PARAM_ERROR, `Unable to execute API command ${ctx.command.toLowerCase()} due to invalid value ${value} for parameter ${name}`);
    }
    return Number(value);
}

/**
 * A list command's answer, paged as BaseListCmd pages it: `page` and `pagesize`
 * go together (api/src/main/java/org/apache/cloudstack/api/BaseListCmd.java@4.19.3.0:131-137), `pagesize` is at most default.page.size
 * (500) unless that is -1 (:62-64), -1 means unlimited and takes no page (:66),
 * and without both the page size is default.page.size from index 0
 * (getPageSizeVal :91, getStartIndex :105). `count` stays the total.
 */
export function pagedList(ctx: CallContext, name: string, items: unknown[]): Reply {
    const page = integerParam(ctx, "page");
    const pageSize = integerParam(ctx, "pagesize");
    // BaseListCmd.java@4.19.3.0:132 — validateSpecificParameters reads the raw map, so an empty value counts as given.
    if (ctx.params.page === undefined && pageSize !== undefined && pageSize !== -1) throw serverApiError(PARAM_ERROR, '"page" parameter is required when "pagesize" is specified');
    if (ctx.params.pagesize === undefined && ctx.params.page !== undefined) throw serverApiError(PARAM_ERROR, '"pagesize" parameter is required when "page" is specified');
    const max = Number(ctx.data.configurations["default.page.size"] ?? "500");
    if (pageSize !== undefined && max !== -1 && pageSize > max) throw paramError(`Page size can't exceed max allowed page size value: ${max}`);
    if (pageSize === -1 && page !== undefined) throw paramError("Can't specify page parameter when pagesize is -1 (Unlimited)");
    const size = pageSize ?? max;
    if (size === -1) return { kind: "list", name, items, count: items.length };
    const start = page !== undefined && page > 0 ? size * (page - 1) : 0;
    return { kind: "list", name, items: items.slice(start, start + size), count: items.length };
}

export function object(name: string, value: unknown): Reply {
    return { kind: "object", name, value };
}

export const success: Reply = { kind: "success" };

/** An async command's reply: the server queues `run` as a job; `id` is for create-style commands (BaseAsyncCreateCmd). */
export function asyncJob(run: () => Reply, id?: string): Reply {
    return { kind: "job", run, id };
}

/** The row a uuid parameter names (removed rows included, as the uuid translation finds them); 431 when it names nothing. */
export function ref<T extends Row>(ctx: CallContext, name: string, rows: T[]): T {
    const value = ctx.params[name];
    const row = rows.find((r) => r.id === value);
    if (!row) throw invalidUuid(ctx.command, name, value ?? "");
    return row;
}

export function optionalRef<T extends Row>(ctx: CallContext, name: string, rows: T[]): T | undefined {
    return ctx.params[name] === undefined ? undefined : ref(ctx, name, rows);
}

/** A live row, or the 431 "does not exist" answer for one already deleted. */
export function existing<T extends Row>(row: T, what: string): T {
    if (row.removed) throw paramError(`${what} with id ${row.id} does not exist`);
    return row;
}

/** Case-sensitive enum values, as Java's Enum.valueOf checks them. */
export function oneOf<T extends string>(ctx: CallContext, name: string, allowed: readonly T[], fallback?: T): T {
    const value = ctx.params[name] ?? fallback;
    if (value === undefined || !allowed.includes(value as T)) {
        throw paramError(`Invalid value for parameter ${name}: ${value ?? ""}; supported values: ${allowed.join(", ")}`);
    }
    return value as T;
}

/** List filters shared by the list* commands: by id and by the given uuid columns. */
export function filterRows<T extends Row>(ctx: CallContext, rows: T[], columns: Record<string, keyof T>): T[] {
    return rows.filter((row) => {
        if (row.removed) return false;
        if (ctx.params.id !== undefined && row.id !== ctx.params.id) return false;
        return Object.entries(columns).every(([param, column]) => ctx.params[param] === undefined || String(row[column]) === ctx.params[param]);
    });
}

export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
