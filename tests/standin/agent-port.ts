/**
 * The stand-in's agent port (the real server's 8250). A KVM host counts only
 * once its agent has connected back, as in 4.19, where addHost waits for the
 * host to be Up (LibvirtServerDiscoverer.waitForHostConnect).
 *
 * Stand-in protocol (the lab's agent-standin.py speaks the other end), one
 * line each way:
 *   agent  → server  `startup guid=<guid from agent.properties>[ version=<agent version>]`
 *   server → agent   `ready hosts=<management servers>@<indirect.agent.lb.algorithm>`
 * The ready line stands for ReadyCommand carrying the management server list
 * (agent/src/main/java/com/cloud/agent/Agent.java@4.19.3.0:854-867), which the
 * agent writes to `host=` in agent.properties (Agent.java@4.19.3.0:808-815).
 * A connection that drops takes its host to Disconnected; the next startup
 * takes it back Up. One more line, server → agent, stands for the
 * ShutdownCommand deleteHost sends (LibvirtServerDiscoverer.java@4.19.3.0:518-519):
 *   `shutdown remove=<true|false>` — the agent stops reconnecting until its
 *   service restarts and, with remove=true, clears zone/pod/cluster
 *   (Agent.java@4.19.3.0:637-645, 448-452).
 * A restarted agent of a deleted host registers again while
 * add.host.on.service.restart.kvm is true (ConfigurationManagerImpl.java@4.19.3.0:490).
 */
import * as net from "net";
import { HostRow, live, newRow, StandInData } from "./store";

interface Waiter {
    resolve(): void;
}

export class AgentPort {
    private server?: net.Server;
    private data?: StandInData;
    private save: () => void = () => undefined;
    private cluster?: AgentPortCluster;
    private closed = false;
    /** Host changes being written to the shared cloud. */
    private readonly pending = new Set<Promise<void>>();
    private readonly connected = new Map<string, net.Socket>();
    private readonly waiters = new Map<string, Waiter[]>();
    /** Guids of agents turned away (neither a known host nor one addHost waits for), for tests to see. */
    readonly turnedAway: string[] = [];

    /**
     * @param connectTimeoutMs how long addHost waits for the agent: 4.19 polls
     *   10 times 30 s (LibvirtServerDiscoverer.java@4.19.3.0:75,388-398), 5 minutes.
     */
    constructor(readonly connectTimeoutMs = 5 * 60 * 1000) {}

    /**
     * The stand-in's database, whose host rows the port keeps Up or Disconnected; with `cluster` (several servers
     * sharing the cloud) each change is applied to the cloud as stored and records this server as the host's.
     */
    attach(data: StandInData, save: () => void, cluster?: AgentPortCluster): void {
        this.data = data;
        this.save = save;
        this.cluster = cluster;
    }

    /** Applies a change to the host rows and writes it. */
    private change(fn: () => boolean): void {
        if (this.cluster) {
            const written: Promise<void> = this.cluster
                .transact(() => void fn())
                .catch((err) => console.error(`agent port: cannot write the cloud: ${(err as Error).message}`))
                .finally(() => this.pending.delete(written));
            this.pending.add(written);
            return;
        }
        if (fn()) this.save();
    }

    listen(port: number, host = "127.0.0.1"): Promise<number> {
        const server = net.createServer((socket) => this.accept(socket));
        this.server = server;
        return new Promise((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, host, () => resolve((server.address() as net.AddressInfo).port));
        });
    }

    isConnected(guid: string): boolean {
        return this.connected.has(agentGuid(guid)) || this.holder(guid) !== undefined;
    }

    /**
     * Resolves true once an agent with `guid` has sent its startup (already
     * connected counts), false after the timeout.
     */
    waitFor(guid: string): Promise<boolean> {
        const key = agentGuid(guid);
        if (this.connected.has(key)) return Promise.resolve(true);
        if (this.cluster) return this.waitInCluster(key, this.cluster);
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                const list = (this.waiters.get(key) ?? []).filter((w) => w !== waiter);
                this.waiters.set(key, list);
                resolve(false);
            }, this.connectTimeoutMs);
            const waiter: Waiter = {
                resolve: () => {
                    clearTimeout(timer);
                    resolve(true);
                },
            };
            this.waiters.set(key, [...(this.waiters.get(key) ?? []), waiter]);
        });
    }

    /** waitFor sharing the cloud: the agent noted as awaited, then the cloud read until a server took it (every 0.5 s). */
    private async waitInCluster(key: string, cluster: AgentPortCluster): Promise<boolean> {
        const data = this.data;
        if (!data) return false;
        await cluster.transact(() => {
            data.awaitedAgents = [...(data.awaitedAgents ?? []).filter((a) => a.guid !== key), { guid: key, by: cluster.msid }];
        });
        const deadline = Date.now() + this.connectTimeoutMs;
        while (Date.now() < deadline && !this.closed) {
            if (this.holder(key) !== undefined) return true;
            await new Promise((resolve) => setTimeout(resolve, 500));
            await cluster.sync().catch(() => undefined);
        }
        if (this.holder(key) !== undefined) return true;
        // Nobody waits any more: the agent is a stranger again (turned away when it connects).
        await cluster.transact(() => {
            data.awaitedAgents = (data.awaitedAgents ?? []).filter((a) => a.guid !== key);
        }).catch(() => undefined);
        return false;
    }

    async close(): Promise<void> {
        this.closed = true;
        // Each dropped agent's host is written Disconnected before the port counts as closed (the server's stop waits for it).
        const sockets = [...this.connected.values()];
        const dropped = sockets.map((socket) => new Promise<void>((resolve) => (socket.destroyed && socket.closed ? resolve() : socket.once("close", () => resolve()))));
        for (const socket of sockets) socket.destroy();
        await Promise.all(dropped);
        await Promise.all([...this.pending]);
        for (const [key, list] of this.waiters) {
            this.waiters.delete(key);
            for (const waiter of list) waiter.resolve();
        }
        const server = this.server;
        if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    }

    /** deleteHost: the ShutdownCommand, then the link closes (ResourceManagerImpl.java@4.19.3.0:935). */
    shutdown(guid: string, removeHost: boolean): void {
        const key = agentGuid(guid);
        const socket = this.connected.get(key);
        if (!socket) return;
        this.connected.delete(key);
        socket.end(`shutdown remove=${removeHost}\n`);
    }

    /** A deleted host's agent starting again comes back as a new host in the same place, unless the setting says no. */
    private readdRemoved(key: string): HostRow | undefined {
        const data = this.data;
        if (!data || data.configurations["add.host.on.service.restart.kvm"] === "false") return undefined;
        const removed = [...data.hosts].reverse().find((h) => h.removed && h.type === "Routing" && h.guid.toLowerCase().startsWith(key));
        const cluster = removed && live(data.clusters).find((c) => c.id === removed.clusterId);
        if (!removed || !cluster) return undefined;
        const row: HostRow = { ...removed, ...newRow(data), removed: undefined, state: "Connecting", resourcestate: "Enabled" };
        delete row.removed;
        data.hosts.push(row);
        return row;
    }

    private hostRow(key: string): HostRow | undefined {
        // The host's guid is the agent's guid plus the resource name (LibvirtServerDiscoverer.java@4.19.3.0:392 matches by prefix).
        return live(this.data?.hosts ?? []).find((h) => h.type === "Routing" && h.guid.toLowerCase().startsWith(key));
    }

    /** `hosts=<list>@<algorithm>`: the `host` setting and indirect.agent.lb.algorithm (default static). */
    private readyLine(): string {
        const settings = this.data?.configurations ?? {};
        // server/src/main/java/org/apache/cloudstack/agent/lb/IndirectAgentLBServiceImpl.java@4.19.3.0:53-54
        const algorithm = settings["indirect.agent.lb.algorithm"] || "static";
        return `ready hosts=${settings.host ?? ""}@${algorithm}\n`;
    }

    private accept(socket: net.Socket): void {
        let buffer = "";
        let key: string | undefined;
        socket.setEncoding("utf8");
        socket.on("error", () => socket.destroy());
        socket.on("data", (chunk: string) => {
            if (key) return;
            buffer += chunk;
            const end = buffer.indexOf("\n");
            if (end < 0) {
                if (buffer.length > 4096) socket.destroy();
                return;
            }
            // The agent's version travels in its StartupCommand and is only recorded (ResourceManagerImpl.java@4.19.3.0:2338):
            // 4.19.3.0 checks the wire protocol's version alone (core/src/main/java/com/cloud/agent/transport/Request.java@4.19.3.0:89-95,490-495),
            // so an agent newer than the server is not refused.
            const match = /^startup guid=(\S+)(?: version=(\S+))?$/.exec(buffer.slice(0, end).trim());
            const candidate = match ? agentGuid(match[1]) : undefined;
            key = candidate ?? "";
            // A known host, one addHost waits for (here or, sharing the cloud, on another server), or a deleted one
            // registering again; any other agent is turned away.
            const expected = () => candidate && (this.hostRow(candidate) || this.waiters.get(candidate)?.length || this.awaitedElsewhere(candidate) || this.readdRemoved(candidate));
            const admit = () => {
                if (!candidate || !expected()) {
                    this.turnedAway.push(candidate ?? buffer.slice(0, end));
                    socket.end("error unknown agent\n");
                    return;
                }
                this.started(socket, candidate, match?.[2]);
            };
            if (candidate && this.cluster && !expected()) this.cluster.sync().then(admit, () => socket.destroy());
            else admit();
        });
        socket.on("close", () => {
            if (!key || this.connected.get(key) !== socket) return;
            this.connected.delete(key);
            const agentKey = key;
            // Status.java@4.19.3.0:133 (Up → ShutdownRequested → Disconnected): the agent went away, and the host is
            // no server's (HostDaoImpl.java@4.19.3.0:1085-1090) — unless it has connected to another server meanwhile.
            this.change(() => {
                const row = this.hostRow(agentKey);
                if (!row || row.state === "Disconnected") return false;
                if (this.cluster && row.managementServerId !== undefined && row.managementServerId !== this.cluster.msid) return false;
                row.state = "Disconnected";
                delete row.managementServerId;
                return true;
            });
        });
    }

    /** An agent's startup accepted: the ready line, its host Up and this server's, waiters told. */
    private started(socket: net.Socket, key: string, version: string | undefined): void {
        this.connected.get(key)?.destroy();
        this.connected.set(key, socket);
        socket.write(this.readyLine());
        // api/src/main/java/com/cloud/host/Status.java@4.19.3.0:144,157 (Disconnected/Alert → AgentConnected → Connecting)
        // and :124 (Connecting → Ready → Up): the ready line is the ReadyCommand. The host is now this server's
        // (host.mgmt_server_id, engine/schema/src/main/java/com/cloud/host/dao/HostDaoImpl.java@4.19.3.0:1085-1093).
        this.change(() => {
            const awaited = this.cluster && this.data?.awaitedAgents?.find((a) => a.guid === key);
            if (awaited && this.cluster) awaited.connectedTo = this.cluster.msid;
            const row = this.hostRow(key);
            if (!row) return Boolean(awaited);
            row.state = "Up";
            if (version) row.version = version;
            if (this.cluster) row.managementServerId = this.cluster.msid;
            return true;
        });
        const waiting = this.waiters.get(key) ?? [];
        this.waiters.delete(key);
        for (const waiter of waiting) waiter.resolve();
    }

    /**
     * Sharing the cloud, an agent addHost set up may connect to any server (through the balancer or its list):
     * the real server that receives its startup creates the host, and addHost finds it in the database
     * (LibvirtServerDiscoverer.java@4.19.3.0:388-409 polls the host table by guid). Here the awaited agent is
     * noted in the cloud and the server that takes its connection marks it.
     */
    private awaitedElsewhere(key: string): boolean {
        return Boolean(this.cluster && this.data?.awaitedAgents?.some((a) => a.guid === key));
    }

    /** The server an agent is connected to, sharing the cloud: this one, or the one that marked it awaited-and-connected. */
    holder(guid: string): number | undefined {
        const key = agentGuid(guid);
        if (!this.cluster) return undefined;
        if (this.connected.has(key)) return this.cluster.msid;
        return this.data?.awaitedAgents?.find((a) => a.guid === key)?.connectedTo;
    }

    /** addHost is done with an awaited agent (its host row exists now). */
    forget(guid: string): void {
        const key = agentGuid(guid);
        const data = this.data;
        if (!this.cluster || !data?.awaitedAgents?.some((a) => a.guid === key)) return;
        this.change(() => {
            data.awaitedAgents = (data.awaitedAgents ?? []).filter((a) => a.guid !== key);
            return true;
        });
    }
}

/** What the port needs of the shared cloud (sharedCloud.ts). */
export interface AgentPortCluster {
    msid: number;
    transact(fn: () => void): Promise<void>;
    sync(): Promise<void>;
}

/** The agent's own guid, without the `-LibvirtComputingResource` the server appends. */
export function agentGuid(guid: string): string {
    return guid.toLowerCase().replace(/-libvirtcomputingresource$/, "");
}
