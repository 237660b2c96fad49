/**
 * The HTTP side of the stand-in: parameters from the query string and the
 * form body (URLDecoder semantics, first value wins), login and sessions,
 * signature checks, required and unknown parameters, the JSON envelopes of
 * ApiResponseSerializer, async jobs, and injected faults.
 */
import * as http from "http";
import { AUTH_FAILED_TEXT, ApiError, METHOD_NOT_ALLOWED, missingParameter, UNAUTHORIZED, UNSUPPORTED_ACTION_ERROR } from "./errors";
import { login, parseCookies, Sessions, verifySigned } from "./auth";
import { CallContext, Commands, pagedList, Reply, Runtime, TRANSPORT_PARAMS } from "./command";
import { startJob } from "./lifecycle";
import { StandInData } from "./store";

export type Fault = { command?: string; times?: number } & (
    | { kind: "latency"; ms: number }
    /** Something in front of the server (proxy, starting Jetty) answers instead. */
    | { kind: "status"; status: number; body?: string }
    /** The connection closes without an answer, before or after the server acted. */
    | { kind: "drop"; when: "before" | "after" }
    | { kind: "failJob"; errorcode?: number; errortext: string }
    /**
     * The request is carried out, then the connection closes without an answer and the server refuses
     * connections for `ms` — a management server restart as the network sees it. Like "drop" and "status"
     * this models the network and the process around CloudStack, not a CloudStack rule; the cloud's data
     * is kept, as the database keeps it.
     */
    | { kind: "outage"; ms: number }
);

export interface CallRecord {
    command: string;
    method: string;
    status: number;
    at: number;
    /** Parameters by lower-cased name; non-empty secrets masked. */
    params: Record<string, string>;
    jobid?: string;
}

export interface ServerState {
    data: StandInData;
    runtime: Runtime;
    commands: Commands;
    sessions: Sessions;
    apiPath: string;
    calls: CallRecord[];
    warnings: string[];
    /** "<command>: accepted but ignored: <names>" for parameters a command accepted and never read. */
    ignored: string[];
    faults: Fault[];
    /** Stops accepting connections for `ms` (index.ts). */
    goDown(ms: number): void;
    /** Reads the cloud other servers may have changed before a request (a shared database, sharedCloud.ts). */
    sync?: () => Promise<void>;
}

const MAX_URL = 8192;
/** request.content.size of server.properties. */
export const MAX_BODY = 1048576;
const SECRET_PARAMS = /password|secretkey|signature|sessionkey|apikey/;

/** The list commands (BaseListCmd subclasses): they take keyword, page and pagesize, and their answers are paged. */
const isListCommand = (command: string) => command.startsWith("list") && command !== "listCapabilities";
const LIST_PARAMS = ["keyword", "page", "pagesize"];

/** Commands that change nothing; everything else is saved after it runs. */
export const isReadOnly = (command: string) => /^(list|get|query)/.test(command);

function parsePairs(text: string): [string, string][] {
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return text
        .split("&")
        .filter((part) => part !== "")
        .map((part) => {
            const index = part.indexOf("=");
            return index < 0 ? [decode(part), ""] : [decode(part.slice(0, index)), decode(part.slice(index + 1))];
        });
}

function takeFault(state: ServerState, command: string, kind: Fault["kind"]): Fault | undefined {
    const fault = state.faults.find((f) => f.kind === kind && (f.command === undefined || f.command === command));
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) state.faults.splice(state.faults.indexOf(fault), 1);
    return fault;
}

function send(res: http.ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
    res.writeHead(status, { "Content-Type": "application/json; charset=UTF-8", ...headers });
    res.end(body);
}

function errorBody(command: string, err: ApiError): string {
    const name = command ? `${command.toLowerCase()}response` : "errorresponse";
    return JSON.stringify({ [name]: { uuidList: [], errorcode: err.code, cserrorcode: err.cserrorcode, errortext: err.message } });
}

function render(command: string, reply: Reply, jobid?: string): string {
    const name = `${command.toLowerCase()}response`;
    switch (reply.kind) {
        case "object":
            return JSON.stringify({ [name]: { [reply.name]: reply.value } });
        case "list": {
            // server/src/main/java/com/cloud/api/response/ApiResponseSerializer.java@4.19.3.0:97-130: a zero count is an empty
            // object; a page past the end keeps the count without the array.
            const count = reply.count ?? reply.items.length;
            if (!count) return JSON.stringify({ [name]: {} });
            return JSON.stringify({ [name]: reply.items.length ? { count, [reply.name]: reply.items } : { count } });
        }
        case "raw":
            return JSON.stringify({ [name]: reply.value });
        case "job":
            return JSON.stringify({ [name]: reply.id ? { id: reply.id, jobid } : { jobid } });
        default:
            return JSON.stringify({ [name]: { success: true } });
    }
}

function checkParams(state: ServerState, command: string, params: Record<string, string>): void {
    const spec = state.commands[command];
    const required = (spec.required ?? "").split(" ").filter(Boolean);
    for (const name of required) if (params[name] === undefined) throw missingParameter(command, name);
    const known = new Set([...required, ...(spec.optional ?? "").split(" "), ...TRANSPORT_PARAMS, ...(isListCommand(command) ? LIST_PARAMS : [])]);
    const unknown = Object.keys(params).filter((name) => !known.has(name.split("[")[0]));
    if (unknown.length) state.warnings.push(`Received unknown parameters for command ${command.toLowerCase()}. Unknown parameters : ${unknown.join(" ")}`);
}

/**
 * Watches which parameters a command reads. One the stand-in accepts but never
 * reads is recorded in `ignored`: the real server would act on it, so a test
 * that sends it proves nothing about it.
 */
function trackReads(state: ServerState, ctx: CallContext): { ctx: CallContext; report(): void } {
    const read = new Set<string>();
    const note = (key: string | symbol) => {
        if (typeof key === "string") read.add(key);
    };
    const params = new Proxy(ctx.params, {
        get: (target, key, receiver) => (note(key), Reflect.get(target, key, receiver)),
        has: (target, key) => (note(key), Reflect.has(target, key)),
    });
    const spec = state.commands[ctx.command];
    const declared = new Set([...(spec.required ?? "").split(" "), ...(spec.optional ?? "").split(" "), ...(isListCommand(ctx.command) ? LIST_PARAMS : [])]);
    return {
        ctx: { ...ctx, params },
        report() {
            const unread = Object.keys(ctx.params).filter((name) => declared.has(name.split("[")[0]) && !read.has(name));
            if (unread.length) state.ignored.push(`${ctx.command}: accepted but ignored: ${unread.join(" ")}`);
        },
    };
}

async function execute(state: ServerState, callCtx: CallContext, record: CallRecord): Promise<string> {
    checkParams(state, callCtx.command, callCtx.params);
    const tracking = trackReads(state, callCtx);
    const ctx = tracking.ctx;
    let reply = await state.commands[ctx.command].run(ctx);
    // Filters are read row by row: over no rows none is read, and none could have changed the (empty) answer.
    const emptyList = reply.kind === "list" && reply.items.length === 0;
    if (reply.kind === "list" && isListCommand(ctx.command)) reply = pagedList(ctx, reply.name, reply.items);
    if (reply.kind !== "job") {
        if (!emptyList) tracking.report();
        return render(ctx.command, reply);
    }
    const run = reply.run;
    // An async command reads the rest of its parameters when its job runs.
    reply = {
        ...reply,
        run: () => {
            const result = run();
            tracking.report();
            return result;
        },
    };
    const failure = takeFault(state, ctx.command, "failJob");
    if (failure && failure.kind === "failJob") {
        reply = { ...reply, run: () => { throw new ApiError(failure.errorcode ?? 530, failure.errortext); } };
    }
    const job = startJob(state.data, state.runtime, ctx.command, reply.run, reply.id);
    record.jobid = job.jobid;
    return render(ctx.command, reply, job.jobid);
}

export async function handleRequest(state: ServerState, req: http.IncomingMessage, res: http.ServerResponse, body: string): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    if (url.pathname !== state.apiPath) return send(res, 404, "Not Found", { "Content-Type": "text/plain" });
    if ((req.url ?? "").length > MAX_URL) return send(res, 414, "URI Too Long", { "Content-Type": "text/plain" });
    let pairs: [string, string][];
    try {
        const form = req.method === "POST" && (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded");
        pairs = [...parsePairs(url.search.slice(1)), ...(form ? parsePairs(body) : [])];
    } catch {
        return send(res, 400, "Bad Request", { "Content-Type": "text/plain" });
    }
    const params: Record<string, string> = {};
    for (const [name, value] of pairs) if (!(name.toLowerCase() in params)) params[name.toLowerCase()] = value;
    const command = params.command ?? "";
    const masked = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, SECRET_PARAMS.test(k) && v !== "" ? "***" : v]));
    const record: CallRecord = { command, method: req.method ?? "GET", status: 200, at: state.runtime.now(), params: masked };
    state.calls.push(record);

    const latency = takeFault(state, command, "latency");
    if (latency && latency.kind === "latency") await new Promise((r) => setTimeout(r, latency.ms));
    const status = takeFault(state, command, "status");
    if (status && status.kind === "status") {
        record.status = status.status;
        return send(res, status.status, status.body ?? "Service Unavailable", { "Content-Type": "text/html" });
    }
    const drop = takeFault(state, command, "drop");
    if (drop && drop.kind === "drop" && drop.when === "before") {
        record.status = 0;
        req.socket.destroy();
        return;
    }

    const outage = takeFault(state, command, "outage");
    const answer = (code: number, text: string, headers: Record<string, string | string[]> = {}): void => {
        record.status = code;
        if (drop || outage) req.socket.destroy();
        else send(res, code, text, headers);
        if (outage && outage.kind === "outage") state.goDown(outage.ms);
    };
    const fail = (err: ApiError) => answer(err.code, errorBody(command, err), { "X-Description": encodeURIComponent(err.message) });

    if (state.sync) {
        try {
            await state.sync();
        } catch (err) {
            // The database cannot be read: a DAO call fails so (framework/db/src/main/java/com/cloud/utils/db/GenericDaoBase.java@4.19.3.0:433), an internal error to the API.
            return fail(new ApiError(530, `DB Exception on: ${(err as Error).message.split("\n")[0]}`));
        }
    }

    if (command === "login") {
        if (req.method !== "POST") return answer(METHOD_NOT_ALLOWED, "Please use HTTP POST to authenticate using this API", { "Content-Type": "text/plain" });
        const result = login(params, state.data.users, Number(state.data.configurations["incorrect.login.attempts.allowed"]));
        await state.runtime.save();
        if ("error" in result) return fail(new ApiError(531, result.error));
        const session = state.sessions.open(result.user);
        const loginresponse = { username: result.user.username, userid: result.user.id, domainid: "ROOT", timeout: "1800", account: result.user.account, type: String(result.user.accounttype), registered: "false", sessionkey: session.sessionkey, is2faenabled: "false", is2faverified: "true" };
        return answer(200, JSON.stringify({ loginresponse }), {
            "Set-Cookie": [`JSESSIONID=${session.jsessionid}; Path=/client; HttpOnly`, `sessionkey=${session.sessionkey};HttpOnly;SameSite=Lax`],
        });
    }

    const cookies = parseCookies(req.headers.cookie);
    const session = state.sessions.find(cookies.JSESSIONID);
    let user;
    if (session) {
        // CookieAndParameter: both the cookie and the parameter, both equal to the session's key.
        if (cookies.sessionkey !== session.sessionkey || params.sessionkey !== session.sessionkey) {
            state.sessions.close(session);
            return fail(new ApiError(UNAUTHORIZED, AUTH_FAILED_TEXT));
        }
        user = state.data.users.find((u) => u.id === session.userId);
        if (command === "logout") {
            state.sessions.close(session);
            return answer(200, JSON.stringify({ logoutresponse: { description: "success" } }));
        }
        if (!state.commands[command]) return fail(new ApiError(UNSUPPORTED_ACTION_ERROR, `Unknown API command: ${command}`));
    } else {
        user = state.commands[command] ? verifySigned(pairs, state.data.users, state.runtime.now()) : undefined;
    }
    if (!user) return fail(new ApiError(UNAUTHORIZED, AUTH_FAILED_TEXT));
    if (params.response !== "json") {
        record.status = 200;
        return answer(200, `<?xml version="1.0" encoding="UTF-8"?><${command.toLowerCase()}response cloud-stack-version="4.19.3.0"/>`, { "Content-Type": "text/xml" });
    }
    try {
        const text = await execute(state, { command, params, data: state.data, user, runtime: state.runtime }, record);
        if (!isReadOnly(command)) await state.runtime.save();
        answer(200, text);
    } catch (err) {
        if (err instanceof ApiError) return fail(err);
        fail(new ApiError(530, `Internal error executing command, please contact your system administrator: ${(err as Error).message}`));
    }
}
