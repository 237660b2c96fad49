/**
 * A STAND-IN for the Apache CloudStack 4.19 management server API — not
 * CloudStack. CloudStack cannot run here, so the zone code is tested against
 * this HTTP server, which enforces what 4.19.3.0 enforces for every call the
 * program makes, with the same HTTP codes and (where the reference quotes
 * them) the same texts. Rules implemented, by source (reference notes
 * ../../../shared/reference/cloudstack-4.19.md):
 *
 * - ApiServer.verifyRequest (§1.2-1.3): signature over names sorted as sent,
 *   URLEncoder values, lower-cased, HmacSHA1; signatureversion=3 needs a
 *   future `expires`; unknown key, disabled user, unknown command → 401.
 * - ApiServlet / DefaultLoginAPIAuthenticatorCmd (§1.4, §9.1, §9.11-12):
 *   login is POST-only (405), 531 on bad credentials, non-root users disabled
 *   after incorrect.login.attempts.allowed failures, CookieAndParameter
 *   session keys, 432 for unknown commands in a session; `response=json`
 *   (otherwise XML); URLs over 8192 bytes → 414.
 * - ParamProcessWorker (§5): missing parameter → 431, uuids that name
 *   nothing → 431, unknown parameters → a warning (see `warnings`); a
 *   parameter a command accepts but never reads → `ignored` (server.ts).
 * - BaseListCmd paging (command.ts pagedList), the TemplateFilter enum and
 *   SYSTEM templates (commands/systemvms.ts), typed and zone-scoped
 *   settings (commands/config.ts), pod subnets and guest CIDRs
 *   (commands/pods.ts, commands/zones.ts) — each rule cites its source
 *   line next to it.
 * - Zone order (§2.2): no physical network in an Enabled zone (531), element
 *   before provider, cluster-scope storage needs an Up host, enabling a zone
 *   needs Management and Public traffic; names compare case-insensitively.
 * - Async jobs (§2.1, §5): jobid (+ id for create-style commands), status
 *   0 → 1/2 after a configurable latency, failures in `jobresult`.
 * - Hosts Connecting → Up (§2.5) through a pluggable agent connector; SSVM and
 *   CPVM only in an Enabled zone with an Up host, Up primary storage, an image
 *   store and a ready SystemVM template (§2.2); each with a ROOT volume on its
 *   pool, expunged with it, that keeps deleteStoragePool from deleting the pool
 *   (commands/storage.ts, commands/systemvms.ts).
 * - Teardown preconditions (§3.1) and "does not exist" for deleted rows (§9.13);
 *   4.19's pod-range and public-range update rules (§9.2).
 * Texts the reference does not quote are paraphrases of the source's.
 *
 * Test controls that model the network and the process around CloudStack,
 * not CloudStack rules (server.ts Fault): latency, a proxy's status answer, a
 * connection dropped before or after the server acted, a failed job, and an
 * outage (`unreachable`, fault "outage": connections refused for a while, as
 * during a management server restart; the data is kept).
 *
 * Node 18 compatible and free of npm dependencies so that tsc can compile it
 * into plain JS for a lab host (see main.ts and tsconfig.json).
 */
import * as http from "http";
import { AddressInfo } from "net";
import { AgentConnector, instantConnector } from "./agents";
import { Sessions } from "./auth";
import { Commands, Runtime } from "./command";
import { clusterCommands } from "./commands/clusters";
import { configCommands } from "./commands/config";
import { hostCommands } from "./commands/hosts";
import { jobCommands } from "./commands/jobs";
import { networkCommands } from "./commands/networks";
import { podCommands } from "./commands/pods";
import { rangeCommands } from "./commands/ranges";
import { storageCommands } from "./commands/storage";
import { systemVmCommands } from "./commands/systemvms";
import { userCommands } from "./commands/users";
import { zoneCommands } from "./commands/zones";
import { connectLater, failInterruptedJobs, scanSystemVms } from "./lifecycle";
import { CallRecord, Fault, handleRequest, MAX_BODY, ServerState } from "./server";
import { SharedCloud } from "./sharedCloud";
import { live, loadData, saveData, StandInData } from "./store";

export { instantConnector, sshConnector } from "./agents";
export type { AgentConnector, AgentSetup } from "./agents";
export type { CallRecord, Fault } from "./server";
export type { StandInData } from "./store";

export const COMMANDS: Commands = {
    ...userCommands,
    ...zoneCommands,
    ...networkCommands,
    ...podCommands,
    ...rangeCommands,
    ...clusterCommands,
    ...hostCommands,
    ...storageCommands,
    ...systemVmCommands,
    ...configCommands,
    ...jobCommands,
};

export interface StandInOptions {
    /** Address to listen on (default 127.0.0.1) and port (default: any free one). */
    host?: string;
    port?: number;
    apiPath?: string;
    /** Keeps the cloud across restarts. */
    stateFile?: string;
    /** How long async jobs take, per command (default 50 ms). */
    jobLatencyMs?: number | ((command: string) => number);
    /** From addHost to the host being Up (default 200 ms). */
    hostConnectMs?: number;
    systemVmBootMs?: number;
    templateReadyMs?: number;
    /** Whether the SystemVM template is already on secondary storage (default true, as the program seeds it). */
    templateSeeded?: boolean;
    scanIntervalMs?: number;
    connector?: AgentConnector;
    /**
     * Keeps the cloud in the database shared with other management servers instead of (only) the state file
     * (sharedCloud.ts); made by `shared(data)` once the data is loaded. With it each request reads the cloud first
     * and waits for its changes to be written.
     */
    shared?: (data: StandInData) => Promise<SharedCloud>;
}

export interface StandIn {
    /** The API endpoint, e.g. http://127.0.0.1:40123/client/api */
    url: string;
    port: number;
    /** The live database; tests read it to see what exists. */
    data: StandInData;
    calls: CallRecord[];
    /** "Received unknown parameters ..." lines. */
    warnings: string[];
    /** Parameters a command accepted but never read (see server.ts trackReads); tests that drive the program assert it stays empty. */
    ignored: string[];
    inject(fault: Fault): void;
    /**
     * Refuses connections for `ms` and drops the open ones (a restarting management server as the network sees
     * it; a test control, not a CloudStack rule). Resolves when it listens again on the same port.
     */
    unreachable(ms: number): Promise<void>;
    /** Injected faults not met yet. */
    pendingFaults(): Fault[];
    /** How many times the system VM scanner has run (tests wait for a scan instead of sleeping). */
    scansDone(): number;
    /** Objects of the zone kinds that are not deleted, by kind. */
    inventory(): Record<string, number>;
    /** The shared database store, when the cloud is kept there. */
    shared?: SharedCloud;
    close(): Promise<void>;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
    const data = loadData(options.stateFile);
    const shared = options.shared ? await options.shared(data) : undefined;
    const timers = new Set<NodeJS.Timeout>();
    const latency = options.jobLatencyMs ?? 50;
    const runtime: Runtime = {
        now: () => Date.now(),
        later(ms, fn) {
            const timer = setTimeout(() => {
                timers.delete(timer);
                fn();
            }, ms);
            timers.add(timer);
        },
        save: shared
            ? () =>
                  shared.commit().then(
                      // The state file stays a copy of what is stored (lab tests read it).
                      () => saveData(options.stateFile, data),
                      (err) => {
                          console.error(`cannot write the cloud to the database: ${(err as Error).message}`);
                          throw err;
                      },
                  )
            : () => saveData(options.stateFile, data),
        msid: shared?.msid,
        connector: options.connector ?? instantConnector,
        jobLatencyMs: typeof latency === "function" ? latency : () => latency,
        hostConnectMs: options.hostConnectMs ?? 200,
        systemVmBootMs: options.systemVmBootMs ?? 300,
        templateReadyMs: options.templateReadyMs ?? 200,
        templateSeeded: options.templateSeeded ?? true,
    };
    // After a restart: jobs in flight failed, agents and system VMs reconnect. With a shared database only this
    // server's jobs and hosts (AgentManagerImpl.java@4.19.3.0:227 marks the hosts of its own msid Disconnected).
    failInterruptedJobs(data, runtime.now(), runtime.msid);
    for (const host of live(data.hosts)) {
        if (shared && host.managementServerId !== shared.msid) continue;
        connectLater(runtime, host);
        if (shared && host.state === "Disconnected") delete host.managementServerId;
    }
    if (shared) await shared.commit();
    let goDown: (ms: number) => Promise<void> = async () => undefined;
    const state: ServerState = {
        data,
        runtime,
        commands: COMMANDS,
        sessions: new Sessions(),
        apiPath: options.apiPath ?? "/client/api",
        calls: [],
        warnings: [],
        ignored: [],
        faults: [],
        goDown: (ms) => void goDown(ms),
        sync: shared ? () => shared.sync() : undefined,
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY) chunks.push(chunk);
        });
        req.on("end", () => {
            if (size > MAX_BODY) {
                res.writeHead(413).end("Request Entity Too Large");
                return;
            }
            handleRequest(state, req, res, Buffer.concat(chunks).toString("utf8")).catch((err) => {
                if (!res.headersSent) res.writeHead(500).end(String(err));
            });
        });
    });
    let scans = 0;
    let scanning = false;
    const scanner = setInterval(() => {
        if (!shared) {
            scanSystemVms(data, runtime);
            scans += 1;
            return;
        }
        // One server scans at a time (SharedCloud.isScanner), on the cloud as stored.
        if (scanning || !shared.isScanner()) return;
        scanning = true;
        shared
            .sync()
            .then(() => {
                if (shared.isScanner()) scanSystemVms(data, runtime);
                scans += 1;
            })
            .catch((err) => console.error(`system VM scan: ${(err as Error).message}`))
            .finally(() => (scanning = false));
    }, options.scanIntervalMs ?? 100);
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const host = options.host ?? "127.0.0.1";
    let closed = false;
    let outage: Promise<void> | undefined;
    goDown = (ms) => {
        if (outage || closed) return outage ?? Promise.resolve();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections?.();
        outage = stopped
            .then(() => new Promise<void>((resolve) => runtime.later(ms, resolve)))
            .then(() => (closed ? undefined : new Promise<void>((resolve) => server.listen(port, host, () => resolve()))))
            .finally(() => (outage = undefined));
        return outage;
    };
    return {
        url: `http://${host.includes(":") ? `[${host}]` : host}:${port}${state.apiPath}`,
        port,
        data,
        calls: state.calls,
        warnings: state.warnings,
        ignored: state.ignored,
        inject: (fault) => state.faults.push(fault),
        unreachable: (ms) => goDown(ms),
        pendingFaults: () => [...state.faults],
        scansDone: () => scans,
        shared,
        inventory() {
            const kinds = { zones: data.zones, physicalNetworks: data.physicalNetworks, pods: data.pods, vlans: data.vlans, clusters: data.clusters, hosts: data.hosts, pools: data.pools, imageStores: data.imageStores, systemVms: data.systemVms, volumes: data.volumes };
            return Object.fromEntries(Object.entries(kinds).map(([kind, rows]) => [kind, live(rows as { removed?: string; id: string; dbId: number; created: string }[]).length]));
        },
        async close() {
            closed = true;
            clearInterval(scanner);
            for (const timer of timers) clearTimeout(timer);
            if (shared) {
                await shared.commit().catch(() => undefined);
                // Down in mshost once what it queued (its agents' disconnections) is written.
                await shared.stop().catch((err) => console.error(`mshost: ${(err as Error).message}`));
            } else saveData(options.stateFile, data);
            server.closeAllConnections?.();
            if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
