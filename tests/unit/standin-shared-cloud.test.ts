/**
 * Several stand-in management servers sharing one cloud through a real
 * MariaDB (a private server per test file), as the lab package runs them
 * (`--db-properties`): each request sees the other servers' changes, writes
 * made at the same time on two servers are both kept, every server registers
 * in mshost (Down when it stops), an agent set up by one server's addHost may
 * connect to the other, and a host is held by the server its agent is
 * connected to — the other one once its server stops.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { AgentConnector, AgentSetup, startStandIn, StandIn } from "../standin";
import { AgentPort } from "../standin/agent-port";
import { nameUuidFromBytes } from "../standin/commands/hosts";
import { Runtime } from "../standin/command";
import { adoptDoc, mergeDocs, stableJson } from "../standin/docMerge";
import { startJob } from "../standin/lifecycle";
import { mysqlRunner, SqlError } from "../standin/mysqlClient";
import { openSharedCloud } from "../standin/main";
import { StandInData } from "../standin/store";
import { adminClient } from "../standin/testKit";
import { waitUntil } from "../support/waitUntil";
import { describeUnless } from "../support/gate";
import { mariadbUnavailableReason, PrivateMariadb, startPrivateMariadb } from "../support/privateMariadb";

const PACKAGES = path.join(__dirname, "..", "lab", "standin-packages");
const DBPROPS_DIR = path.join(PACKAGES, "cloudstack-management/usr/share/cloudstack-management/standin");
const AGENT = path.join(PACKAGES, "cloudstack-agent/usr/share/cloudstack-agent/agent-standin.py");
// Quotes, a backslash and a dollar: the password must survive db.properties, the cipher and the client's option file.
const CLOUD_PASSWORD = `cl'oud"pw\\$1`;
const MANAGEMENT_KEY = "shared-cloud-test-key";

const describeDb = describeUnless(mariadbUnavailableReason());

jest.setTimeout(120_000);

/** db.properties and key as the package's cloudstack-setup-databases writes them (its own dbprops.encrypt). */
function writeDbProperties(dir: string, port: number, extra: string[] = [], host = "127.0.0.1"): string {
    const encrypt = (value: string) =>
        execFileSync("python3", ["-c", `import sys; sys.path.insert(0, ${JSON.stringify(DBPROPS_DIR)}); from dbprops import encrypt; print(encrypt(sys.stdin.read(), ${JSON.stringify(MANAGEMENT_KEY)}))`], {
            input: value,
            encoding: "utf8",
        }).trim();
    fs.writeFileSync(path.join(dir, "key"), `${MANAGEMENT_KEY}\n`, { mode: 0o600 });
    const file = path.join(dir, "db.properties");
    const lines = ["cluster.node.IP=127.0.0.1", "db.cloud.username=cloud", `db.cloud.password=${encrypt(CLOUD_PASSWORD)}`, `db.cloud.host=${host}`, `db.cloud.port=${port}`, "db.cloud.name=cloud", ...extra];
    fs.writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
    return file;
}



describeDb("stand-in management servers sharing one cloud in the database", () => {
    let db: PrivateMariadb;
    let dir: string;
    let dbProperties: string;
    const servers: StandIn[] = [];
    const ports: AgentPort[] = [];
    const agents: ChildProcess[] = [];

    beforeAll(async () => {
        db = await startPrivateMariadb(CLOUD_PASSWORD);
    });
    afterAll(async () => db?.stop());

    beforeEach(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "shared-cloud-"));
        dbProperties = writeDbProperties(dir, db.port);
        await db.rootSql("DROP TABLE IF EXISTS cloud.standin_cloud; DROP TABLE IF EXISTS cloud.mshost;");
    });
    afterEach(async () => {
        for (const agent of agents.splice(0)) if (agent.exitCode === null) agent.kill("SIGKILL");
        for (const port of ports.splice(0)) await port.close();
        for (const server of servers.splice(0)) await server.close();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    /** A server on the shared database; `agentHost` is where its agent port listens (port `agentPort`). */
    async function server(msid: number, connector?: AgentConnector, agents?: AgentPort): Promise<StandIn> {
        const standIn = await startStandIn({ jobLatencyMs: 10, scanIntervalMs: 200, connector, shared: (data) => openSharedCloud(dbProperties, data, "127.0.0.1", { msid, name: `ms${msid}` }) });
        servers.push(standIn);
        const shared = standIn.shared!;
        agents?.attach(standIn.data, () => undefined, { msid, transact: (fn) => shared.transact(fn), sync: () => shared.sync() });
        return standIn;
    }

    const mshost = async () => (await db.rootSql("SELECT msid, state, uuid FROM cloud.mshost ORDER BY msid")).trim().split("\n").map((line) => line.split("\t"));

    test("each server sees the other's changes; writes at the same time on both are all kept", async () => {
        const a = await server(1);
        const apiA = adminClient(a);
        await a.shared!.commit();
        const b = await server(2);
        const apiB = adminClient(b);

        const zone = (await apiA.request("createZone", { name: "SHARED", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string };
        expect((await apiB.list<{ id: string }>("listZones", { name: "SHARED" })).map((z) => z.id)).toEqual([zone.id]);
        await apiB.request("updateConfiguration", { name: "host", value: "10.15.0.120" });
        expect((await apiA.list<{ value: string }>("listConfigurations", { name: "host" }))[0].value).toBe("10.15.0.120");

        const names = Array.from({ length: 6 }, (_, i) => `Z${i}`);
        await Promise.all(names.map((name, i) => (i % 2 ? apiA : apiB).request("createZone", { name, dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })));
        for (const api of [apiA, apiB]) {
            const zones = await api.list<{ name: string }>("listZones", {});
            expect(zones.map((z) => z.name).sort()).toEqual(["SHARED", ...names].sort());
        }
        const dbIds = b.data.zones.map((z) => z.dbId);
        expect(new Set(dbIds).size).toBe(dbIds.length);
    });

    test("servers register in mshost Up and go Down when they stop", async () => {
        const a = await server(1);
        await server(2);
        expect((await mshost()).map(([msid, state]) => [msid, state])).toEqual([["1", "Up"], ["2", "Up"]]);
        await a.close();
        servers.splice(servers.indexOf(a), 1);
        expect((await mshost()).map(([msid, state]) => [msid, state])).toEqual([["1", "Down"], ["2", "Up"]]);
    });

    test("with db.ha.enabled a server whose first database host is down uses the next replica, as StaticStrategy does", async () => {
        // Nothing listens on 127.0.0.9 (the private server is bound to 127.0.0.1): connections there are refused.
        dbProperties = writeDbProperties(dir, db.port, ["db.ha.enabled=true", "db.cloud.replicas=127.0.0.1"], "127.0.0.9");
        const a = await server(1);
        const api = adminClient(a);
        await api.request("createZone", { name: "FAILOVER", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" });
        expect(await db.rootSql("SELECT version > 0 FROM cloud.standin_cloud")).toBe("1\n");
    });

    test("an agent that does not connect in time: addHost fails on the shared cloud, and when it connects later every server turns it away", async () => {
        const portA = new AgentPort(600);
        const portB = new AgentPort(600);
        ports.push(portA, portB);
        const a = await server(1, { agents: portA, setup: async () => undefined }, portA);
        const apiA = adminClient(a);
        await a.shared!.commit();
        await server(2, { agents: portB, setup: async () => undefined }, portB);
        const agentPort = await portB.listen(0, "127.0.0.3");
        const zone = ((await apiA.request("createZone", { name: "LATE", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
        const pod = ((await apiA.request("createPod", { zoneid: zone, name: "P", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" })).pod as { id: string }).id;
        const cluster = (await apiA.list<{ id: string }>("addCluster", { zoneid: zone, podid: pod, clustername: "C", hypervisor: "KVM", clustertype: "CloudManaged" }))[0].id;
        const failure = await apiA.request("addHost", { zoneid: zone, podid: pod, clusterid: cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" }).then(() => undefined, (e: Error) => e.message);
        expect(failure).toContain("Unable to add the host: Cannot find the server resources at http://127.0.0.1");
        const properties = path.join(dir, "late.properties");
        fs.writeFileSync(properties, `host=127.0.0.3\nport=${agentPort}\nguid=${nameUuidFromBytes("127.0.0.1")}\n`);
        agents.push(spawn("python3", [AGENT], { env: { ...process.env, AGENT_PROPERTIES: properties, AGENT_RETRY_SECONDS: "0.2" }, stdio: "ignore" }));
        await waitUntil(() => portB.turnedAway.length > 0, "the late agent turned away by B");
        expect(a.data.hosts.filter((h) => h.type === "Routing")).toEqual([]);
    });

    test("an agent addHost set up on one server connects to the other; when that server stops it reconnects to the first, which then holds the host", async () => {
        // Two servers on one machine: their agent ports on two loopback addresses, one port number (as 8250 on two hosts).
        const portA = new AgentPort(20000);
        const portB = new AgentPort(20000);
        ports.push(portA, portB);
        const properties = path.join(dir, "agent.properties");
        let agentPort = 0;
        const connector = (agentsPort: AgentPort): AgentConnector => ({
            agents: agentsPort,
            async setup(request: AgentSetup) {
                fs.writeFileSync(properties, `host=${request.managementServers}\nport=${agentPort}\nguid=${request.guid}\n`);
                agents.push(spawn("python3", [AGENT], { env: { ...process.env, AGENT_PROPERTIES: properties, AGENT_RETRY_SECONDS: "0.2" }, stdio: "ignore" }));
            },
        });
        const a = await server(1, connector(portA), portA);
        const apiA = adminClient(a);
        await a.shared!.commit();
        const b = await server(2, connector(portB), portB);
        agentPort = await portB.listen(0, "127.0.0.3");
        await portA.listen(agentPort, "127.0.0.2");
        // The agent tries the servers in this order: B first.
        await apiA.request("updateConfiguration", { name: "host", value: "127.0.0.3,127.0.0.2" });
        const zone = ((await apiA.request("createZone", { name: "REG", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
        const pod = ((await apiA.request("createPod", { zoneid: zone, name: "P", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" })).pod as { id: string }).id;
        const cluster = (await apiA.list<{ id: string }>("addCluster", { zoneid: zone, podid: pod, clustername: "C", hypervisor: "KVM", clustertype: "CloudManaged" }))[0].id;

        const [uuidA, uuidB] = (await mshost()).map(([, , uuid]) => uuid);
        const host = (await apiA.list<{ id: string; state: string; managementserverid: string }>("addHost", { zoneid: zone, podid: pod, clusterid: cluster, url: "http://127.0.0.1", hypervisor: "KVM", username: "root", password: "" }))[0];
        // addHost on A answered once the agent had connected to B: Up, held by B.
        expect([host.state, host.managementserverid]).toEqual(["Up", uuidB]);
        expect(portA.turnedAway).toEqual([]);

        await portB.close();
        await b.close();
        servers.splice(servers.indexOf(b), 1);
        const held = async () => (await apiA.list<{ state: string; managementserverid?: string }>("listHosts", { id: host.id }))[0];
        await waitUntil(async () => {
            const now = await held();
            return now.state === "Up" && now.managementserverid === uuidA;
        }, "the host Up and held by A");
        expect((await mshost()).map(([msid, state]) => [msid, state])).toEqual([["1", "Up"], ["2", "Down"]]);
    });
});

describe("merging two servers' changes to the cloud document (docMerge.ts)", () => {
    const zone = (id: string, dbId: number, name: string) => ({ id, dbId, created: "t", name });

    test("a row this server changed wins; rows it left alone take the stored version; new rows of both are kept, its own renumbered after the other's", () => {
        const base = { seq: 3, zones: [zone("a", 2, "A"), zone("b", 3, "B")], configurations: { host: "1.1.1.1", x: "1" } };
        const ours = { seq: 4, zones: [zone("a", 2, "A-ours"), zone("b", 3, "B"), zone("c", 4, "C-ours")], configurations: { host: "1.1.1.1", x: "2" } };
        const theirs = { seq: 5, zones: [zone("a", 2, "A"), zone("b", 3, "B-theirs"), zone("d", 4, "D"), zone("e", 5, "E")], configurations: { host: "9.9.9.9", x: "1" } };
        const merged = mergeDocs(base, ours, theirs);
        expect(merged.zones).toEqual([zone("a", 2, "A-ours"), zone("b", 3, "B-theirs"), zone("d", 4, "D"), zone("e", 5, "E"), zone("c", 6, "C-ours")]);
        expect(merged.seq).toBe(6);
        expect(merged.configurations).toEqual({ host: "9.9.9.9", x: "2" });
    });

    test("adopting a document keeps the live row objects (timers hold them) and the arrays", () => {
        const data = { seq: 2, zones: [zone("a", 2, "A")], configurations: { host: "1.1.1.1" } } as unknown as StandInData;
        const row = data.zones[0];
        const zones = data.zones;
        adoptDoc(data, { seq: 3, zones: [zone("a", 2, "A2"), zone("b", 3, "B")], configurations: { host: "2.2.2.2" } });
        expect(data.zones).toBe(zones);
        expect(data.zones[0]).toBe(row);
        expect(data.zones.map((z) => z.name)).toEqual(["A2", "B"]);
        expect(data.configurations).toEqual({ host: "2.2.2.2" });
        expect(stableJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
    });
});

describe("an async job under a shared cloud (lifecycle.ts)", () => {
    test("completes the job row the data holds when it ends, also after a stored copy replaced the row it started with", () => {
        const data = { jobs: [] } as unknown as StandInData;
        let finish: () => void = () => undefined;
        const runtime = { now: () => 1000, later: (_ms: number, fn: () => void) => (finish = fn), save: () => undefined, jobLatencyMs: () => 10 } as unknown as Runtime;
        const job = startJob(data, runtime, "createPhysicalNetwork", () => ({ kind: "success" }));
        // What adopting a stored document can leave: the same job as another object (the real server reads the row by id).
        data.jobs.splice(0, 1, JSON.parse(JSON.stringify(job)));
        finish();
        expect(data.jobs).toHaveLength(1);
        expect(data.jobs.find((j) => j.jobid === job.jobid)!.status).toBe(1);
    });
});

const mysqlClientMissing = spawnSync("sh", ["-c", "command -v mysql"]).status === 0 ? undefined : "needs the mysql client (mariadb-client)";
describeUnless(mysqlClientMissing)("the stand-in's database client (mysqlClient.ts)", () => {
    test("a database node that is gone is an error of the call, never the end of the server (mysql exits before reading)", async () => {
        // A loopback port nothing listens on: the real client exits at once (error 2003), its input unread.
        const port = await new Promise<number>((resolve) => {
            const probe = net.createServer().listen(0, "127.0.0.1", () => {
                const { port: free } = probe.address() as net.AddressInfo;
                probe.close(() => resolve(free));
            });
        });
        const runner = mysqlRunner({ hosts: ["127.0.0.1"], port, user: "cloud", password: "pw", database: "cloud" });
        try {
            // More than a pipe holds, so the write meets the closed pipe (EPIPE).
            const failure = await runner.run(`SELECT '${"x".repeat(300_000)}';`).catch((e) => e);
            expect(failure).toBeInstanceOf(SqlError);
            expect((failure as SqlError).message).toMatch(/ERROR 200[23]/);
        } finally {
            runner.close();
        }
    });
});
