/**
 * The CloudStack API client every zone resource uses: signed requests (or a
 * login session for the key bootstrap), JSON answers, errors that say what
 * failed, async jobs polled to completion, and retries only where they are
 * safe — reads (and job polls) on any connection failure or gateway answer,
 * and any request the server never received (connection refused, or 503 while
 * the management server starts), for as long as a restarting management
 * server takes (`startupWaitMs`). A mutating request whose answer was lost
 * is never re-sent here: it fails with `delivered` set, and the caller finds
 * out what the server did before sending anything again — a create looks the
 * object up and adopts it (resource.ts createOnce), every other change waits
 * for its job if it still runs and reads its effect (applyOnce.ts).
 */
import fetch from "node-fetch";
import { CloudStackConnectionError, CloudStackError, CloudStackTimeoutError } from "./errors";
import { encodeParams, Params, signParams } from "./signing";

export interface Credentials {
    apiKey: string;
    secretKey: string;
}

export interface ClientOptions {
    /** e.g. http://10.15.0.116:8080/client/api */
    apiUrl: string;
    credentials?: Credentials;
    /** Per HTTP request (addHost passes its own, longer one). */
    requestTimeoutMs?: number;
    /**
     * How long to keep retrying while the server is unreachable (starting or
     * restarting): refused connections for every request; for reads also
     * resets, timeouts and 502/503/504. Default 3 minutes, well over a
     * management server restart (~30 s to answer again).
     */
    startupWaitMs?: number;
}

export interface RequestOptions {
    post?: boolean;
    timeoutMs?: number;
}

export interface JobOptions extends RequestOptions {
    /** When to give up waiting for the job (default 10 minutes). */
    deadlineMs?: number;
}

interface Session {
    sessionkey: string;
    cookie: string;
}

interface Answer {
    status: number;
    text: string;
    setCookies: string[];
}

/** Commands sent as POST: long ones and those carrying secrets (the URL would reach access logs). */
const POST_COMMANDS = new Set(["login", "addHost", "updateUser", "registerUserKeys", "getUserKeys", "createStoragePool", "addImageStore"]);
/** GET URLs over 8192 bytes are refused by the server's Jetty. */
const MAX_GET_LENGTH = 4000;
const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_UNREACHABLE_WAIT_MS = 180_000;
const MAX_BACKOFF_MS = 2000;
const MIN_READ_RETRIES = 3;
export const DEFAULT_JOB_DEADLINE_MS = 10 * 60_000;
/** Polling: a first look soon after submitting (most jobs are quick), then once a second. */
export const FIRST_POLL_MS = 250;
export const POLL_INTERVAL_MS = 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Timers may fire a millisecond early by the wall clock; poll spacing is promised by the wall clock. */
async function sleepUntil(time: number): Promise<void> {
    while (Date.now() < time) await sleep(time - Date.now());
}

/**
 * node-fetch's message ("request to <url> failed, reason: ...") carries a GET
 * request's whole query — the API key and the signature — so only the reason
 * is kept; the error names the API URL itself.
 */
function withoutUrl(err: Error): string {
    return err.message.replace(/^request to \S+ failed, reason: /, "").replace(/https?:\/\/\S+/g, (url) => url.split("?")[0]);
}

export const isReadOnly = (command: string) => /^(list|get|query)/.test(command);

/** The list* commands take page/pagesize (BaseListCmd); listCapabilities is not one of them. */
const isPagedList = (command: string) => command.startsWith("list") && command !== "listCapabilities";
const idOf = (item: unknown) => (item as { id?: unknown } | null)?.id;

/** The one object inside an answer or job result: `{zone: {...}}` → the zone, `{count, cluster: [c]}` → c. */
export function firstObject<T = Record<string, unknown>>(container: unknown): T {
    const values = Object.values((container ?? {}) as Record<string, unknown>).filter((v) => typeof v === "object" && v !== null);
    const value = values[0];
    return (Array.isArray(value) ? value[0] : value) as T;
}

export class CloudStackClient {
    private session?: Session;

    constructor(private readonly options: ClientOptions) {}

    get apiUrl(): string {
        return this.options.apiUrl;
    }

    /** Logs in once (never retried: five failures lock ordinary accounts) and returns a client using the session. */
    static async login(apiUrl: string, username: string, password: string, domain = "/"): Promise<CloudStackClient> {
        const client = new CloudStackClient({ apiUrl });
        const answer = await client.exchange("login", { username, password, domain }, { post: true });
        const body = client.parse("login", { username, domain }, answer);
        const cookie = answer.setCookies.map((c) => c.split(";")[0]).join("; ");
        client.session = { sessionkey: String(body.sessionkey), cookie };
        return client;
    }

    async logout(): Promise<void> {
        if (!this.session) return;
        await this.request("logout");
        this.session = undefined;
    }

    /** A synchronous command; returns the inside of `<command>response`. */
    async request(command: string, params: Params = {}, options: RequestOptions = {}): Promise<Record<string, unknown>> {
        return this.parse(command, params, await this.exchange(command, params, options));
    }

    /**
     * A list command's items (an empty list comes back as `{}`), every page of
     * them. The server answers at most `default.page.size` (500) items with
     * `count` the total; the first request is sent as given (the server's page
     * size applies), and when it falls short of `count` the rest is asked for
     * page by page at the size the server used.
     */
    async list<T = Record<string, unknown>>(command: string, params: Params = {}): Promise<T[]> {
        const itemsOf = (body: Record<string, unknown>) => (Object.values(body).find(Array.isArray) ?? []) as T[];
        const first = await this.request(command, params);
        const items = itemsOf(first);
        const total = Number(first.count ?? items.length);
        // A caller that asks for a page gets that page.
        if (!isPagedList(command) || params.page !== undefined || items.length === 0 || items.length >= total) return items;
        const pageSize = items.length;
        const seen = new Set(items.map(idOf));
        for (let page = 2; items.length < total; page++) {
            const next = itemsOf(await this.request(command, { ...params, page: String(page), pagesize: String(pageSize) }));
            // Objects deleted meanwhile shift the pages: stop at the end, skip what was already seen.
            if (next.length === 0) break;
            for (const item of next) {
                const id = idOf(item);
                if (id !== undefined && seen.has(id)) continue;
                seen.add(id);
                items.push(item);
            }
            if (next.length < pageSize) break;
        }
        return items;
    }

    /** An async command: submits it once and waits for the job; returns `jobresult`. */
    async job(command: string, params: Params = {}, options: JobOptions = {}): Promise<Record<string, unknown>> {
        const deadline = Date.now() + (options.deadlineMs ?? DEFAULT_JOB_DEADLINE_MS);
        const submitted = await this.request(command, params, options);
        const jobid = String(submitted.jobid ?? "");
        if (!jobid) throw new CloudStackError(command, 530, `expected a jobid in the answer, got ${JSON.stringify(submitted)}`, params);
        return this.waitForJob(command, params, jobid, deadline);
    }

    /**
     * Polls queryAsyncJobResult: first FIRST_POLL_MS after submitting, then
     * POLL_INTERVAL_MS after each answer — so a finished job is noticed within
     * about a second, and the server never sees two polls of one job less than
     * a second apart, however long each request takes.
     */
    async waitForJob(command: string, params: Params, jobid: string, deadline: number): Promise<Record<string, unknown>> {
        let next = Date.now() + FIRST_POLL_MS;
        for (;;) {
            await sleepUntil(Math.min(next, deadline));
            const job = await this.request("queryAsyncJobResult", { jobid });
            if (job.jobstatus === 1) return (job.jobresult ?? {}) as Record<string, unknown>;
            if (job.jobstatus === 2) {
                const result = (job.jobresult ?? {}) as { errorcode?: number; errortext?: string };
                throw new CloudStackError(command, result.errorcode ?? Number(job.jobresultcode ?? 530), result.errortext ?? "the job failed without a reason", params, jobid);
            }
            if (Date.now() >= deadline) {
                throw new CloudStackTimeoutError(
                    `CloudStack ${command} (async job ${jobid}) did not finish before its deadline; it may still be running — ` +
                        `look with queryAsyncJobResult jobid=${jobid} before retrying`,
                );
            }
            next = Date.now() + POLL_INTERVAL_MS;
        }
    }

    private parse(command: string, params: Params, answer: Answer): Record<string, unknown> {
        let json: Record<string, unknown> | undefined;
        try {
            json = JSON.parse(answer.text) as Record<string, unknown>;
        } catch {
            json = undefined;
        }
        const inner = (json ? Object.values(json)[0] ?? {} : undefined) as Record<string, unknown> | undefined;
        if (answer.status !== 200) {
            if (inner && typeof inner.errortext === "string") throw new CloudStackError(command, Number(inner.errorcode ?? answer.status), inner.errortext, params);
            throw new CloudStackError(command, answer.status, `HTTP ${answer.status} without a CloudStack answer: ${answer.text.slice(0, 200)}`, params);
        }
        if (!inner) throw new CloudStackError(command, answer.status, `expected a JSON answer, got: ${answer.text.slice(0, 200)}`, params);
        return inner;
    }

    /** One HTTP exchange, retried only when that cannot repeat an action. */
    private async exchange(command: string, params: Params, options: RequestOptions): Promise<Answer> {
        const deadline = Date.now() + (this.options.startupWaitMs ?? DEFAULT_UNREACHABLE_WAIT_MS);
        const read = isReadOnly(command);
        for (let attempt = 0; ; attempt++) {
            const backoff = Math.min(250 * 2 ** attempt, MAX_BACKOFF_MS);
            // Reads get a few quick tries even from a caller that waits for nothing (startupWaitMs 0).
            const inTime = Date.now() + backoff < deadline || (read && attempt < MIN_READ_RETRIES);
            let answer: Answer;
            try {
                answer = await this.send(command, params, options);
            } catch (err) {
                const neverArrived = (err as { code?: string }).code === "ECONNREFUSED";
                // A reset, a timeout or a closed connection may come after the server acted: only reads are sent again.
                if ((neverArrived || read) && inTime) {
                    await sleep(backoff);
                    continue;
                }
                const cause = (err as Error).name === "AbortError" ? `no answer within ${(options.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000} s` : withoutUrl(err as Error);
                throw new CloudStackConnectionError(command, this.options.apiUrl, cause, !neverArrived && !read);
            }
            // 503 without a CloudStack body: the web server answered before the application was up.
            const starting = answer.status === 503 && !answer.text.includes("errortext");
            const gateway = read && [502, 503, 504].includes(answer.status) && !answer.text.includes("errortext");
            if ((starting || gateway) && inTime) {
                await sleep(backoff);
                continue;
            }
            return answer;
        }
    }

    private async send(command: string, params: Params, options: RequestOptions): Promise<Answer> {
        const all: Params = { ...params, command, response: "json" };
        const credentials = this.options.credentials;
        const authed = this.session ? { ...all, sessionkey: this.session.sessionkey } : credentials ? signParams(all, credentials.apiKey, credentials.secretKey) : all;
        const body = encodeParams(authed);
        const post = options.post || POST_COMMANDS.has(command) || Object.keys(params).some((n) => /password/i.test(n)) || body.length > MAX_GET_LENGTH;
        const headers: Record<string, string> = {};
        if (post) headers["Content-Type"] = "application/x-www-form-urlencoded";
        if (this.session) headers.Cookie = this.session.cookie;
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS);
        try {
            const response = await fetch(post ? this.options.apiUrl : `${this.options.apiUrl}?${body}`, {
                method: post ? "POST" : "GET",
                body: post ? body : undefined,
                headers,
                // node-fetch's AbortSignal type predates the global one; they are the same at run time.
                signal: controller.signal as unknown as import("node-fetch").RequestInit["signal"],
            });
            return { status: response.status, text: await response.text(), setCookies: response.headers.raw()["set-cookie"] ?? [] };
        } finally {
            clearTimeout(timer);
        }
    }
}
