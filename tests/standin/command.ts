/**
 * What a stand-in command is: its parameters (required ones give 431 "missing
 * parameter" when absent; any name outside both lists is recorded as a
 * warning, as the real server logs "Received unknown parameters") and a
 * handler that returns a reply shape the server serializes.
 */
import { AgentConnector } from "./agents";
import { invalidUuid, paramError } from "./errors";
import { Row, StandInData, UserRow } from "./store";

export type Reply =
    | { kind: "object"; name: string; value: unknown }
    | { kind: "list"; name: string; items: unknown[] }
    | { kind: "success" }
    | { kind: "raw"; value: Record<string, unknown> }
    /** An async command: `run` executes when the job completes; `id` is returned at once for create-style commands. */
    | { kind: "job"; run: () => Reply; id?: string };

export interface Runtime {
    now(): number;
    /** Runs `fn` after `ms` unless the stand-in is closed first. */
    later(ms: number, fn: () => void): void;
    /** Persists the data (state file) after a change made outside a request. */
    save(): void;
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
