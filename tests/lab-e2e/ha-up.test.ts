/**
 * The whole high-availability deployment on lab hosts through the real
 * engine: `pulumi up` of a stack with three database nodes (MariaDB Galera),
 * two management servers (the CloudStack stand-in packages, sharing the cloud
 * through that database as real servers share `cloud`: tests/standin/sharedCloud.ts),
 * one HAProxy balancer, an NFS node and a KVM host (the stand-in package's switch
 * standin-shared-cloud is set on the management hosts first). Then, end states asserted:
 *
 * - the management server holding the KVM agent stops: the API through the
 *   balancer still answers signed calls, and the agent reconnects to the other
 *   server (host Up, held by it in host.mgmt_server_id; the stopped one Down in mshost);
 * - the first database node (the one db.properties names first) stops: a
 *   signed read and a signed write still work, the write stored in the cluster;
 * - both start again: the program's `verify` passes (every management server,
 *   the balancer's backends, Galera);
 * - `pulumi up` with no change: no change and no remote command.
 *
 * Hosts are Debian 12 in systemd-nspawn (tests/lab); what the lab cannot run is
 * listed in deployment.test.ts. Long suite only (npm run test:long).
 */
import * as fs from "fs";
import * as path from "path";
import { buildContext } from "../../ops/context";
import { readStack } from "../../ops/stackReader";
import { failed, runVerify } from "../../ops/verify";
import { CloudStackClient, Credentials } from "../../providers/cloudstack/client";
import { createTestProject, engineAvailable, TestProject, TOOLS_ROOT } from "../support/engine";
import { describeLongOnly } from "../support/gate";
import { LabInventory, labUnavailableReason, standInRepository, TestLab } from "../support/lab";
import { labIp, labStackConfig, LabRoles, phaseTimer, expectUpChangesNothing } from "./labStack";

const unavailable = labUnavailableReason() ?? (engineAvailable() ? undefined : "the Pulumi engine is not built (scripts/install-pulumi.sh)");
const describeLab = describeLongOnly(unavailable);

jest.setTimeout(3_600_000);

const ROLES: LabRoles = { nfs: "nfs1", database: "db1", management: "ms1", kvm: ["kvm1"], ha: { moreDatabases: ["db2", "db3"], moreManagement: ["ms2"], balancer: "lb1" } };
const DATABASES = [ROLES.database, ...ROLES.ha!.moreDatabases];
const MANAGEMENT = [ROLES.management, ...ROLES.ha!.moreManagement];
const STACK = "labha";
/** What the stand-in service adds to its command line (cloudstack-management.service): the cloud in the database db.properties names. */
const SHARED_CLOUD_SWITCH = "STANDIN_SHARED_CLOUD=--db-properties /etc/cloudstack/management/db.properties --scan-interval-ms 1000";

interface HostView {
    id: string;
    state: string;
    ipaddress: string;
    managementserverid?: string;
}

describeLab("the whole HA deployment on lab hosts: pulumi up, a management server and a database node lost, verify, no change", () => {
    const { phases, phase } = phaseTimer();
    const output: string[] = [];
    let lab: TestLab;
    let inventory: LabInventory;
    let project: TestProject;
    /** mshost uuid by management node name. */
    const serverUuid: Record<string, string> = {};
    /** The management server the KVM agent was connected to after the up (stopped in the second test). */
    let stoppedServer = "";

    const record = (text: string) => output.push(text);
    const ip = (name: string) => labIp(inventory, name);

    async function api(): Promise<CloudStackClient> {
        const outputs = await project.stack.outputs();
        return new CloudStackClient({ apiUrl: outputs.apiUrl.value as string, credentials: outputs.apiKeys.value as Credentials });
    }

    /** SQL as root on a database node (unix socket), tab-separated rows. */
    async function sql(node: string, query: string): Promise<string[][]> {
        const out = await lab.ssh(node, "mysql -N -B", `${query}\n`);
        return out.split("\n").filter((line) => line !== "").map((line) => line.split("\t"));
    }
    const wsrep = async (node: string, name: string) => (await sql(node, `SHOW GLOBAL STATUS LIKE '${name}'`))[0]?.[1];

    /** Retries `check` until it passes (every 2 s), failing with its last error after `seconds`. */
    async function eventually<T>(what: string, seconds: number, check: () => Promise<T>): Promise<T> {
        const deadline = Date.now() + seconds * 1000;
        for (;;) {
            try {
                return await check();
            } catch (err) {
                if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds}s: ${(err as Error).message}`);
                await new Promise((resolve) => setTimeout(resolve, 2000));
            }
        }
    }

    async function kvmHost(): Promise<HostView> {
        const hosts = await (await api()).list<HostView>("listHosts", { type: "Routing" });
        expect(hosts.map((h) => h.ipaddress)).toEqual([ip(ROLES.kvm[0])]);
        return hosts[0];
    }

    beforeAll(async () => {
        const localDir = await phase("build stand-in packages", standInRepository);
        lab = new TestLab({ prefix: "labhx", managementPrefix: "10.87.0", publicPrefix: "10.88.0", sshPortBase: 29700, localDir });
        await lab.down();
        inventory = await phase(`lab up (${DATABASES.length + MANAGEMENT.length + 2 + ROLES.kvm.length} hosts)`, () =>
            lab.up(ROLES.nfs, ...DATABASES, ...MANAGEMENT, ROLES.ha!.balancer, ...ROLES.kvm),
        );
        // The package's lab switch (tests/lab/standin-packages/README.md): these stand-in servers keep the cloud in the
        // database, as every real server does, so that both serve one cloud; the single-host labs keep their state file.
        for (const name of MANAGEMENT) {
            await lab.ssh(name, `mkdir -p /etc/cloudstack/management && printf '%s\\n' '${SHARED_CLOUD_SWITCH}' > /etc/cloudstack/management/standin-shared-cloud`);
        }
        project = await createTestProject({ stackName: STACK, config: labStackConfig(inventory, ROLES) });
    }, 1_800_000);

    const serverLog = (name: string) => lab.ssh(name, "cat /var/log/cloudstack/management/management-server.log");

    afterAll(async () => {
        if (lab) fs.writeFileSync(path.join(lab.dir, "logs", "pulumi-output.log"), output.join(""), { mode: 0o600 });
        // The stand-in servers' own logs, for reading after a failure.
        for (const name of MANAGEMENT) {
            const log = await serverLog(name).catch((err: Error) => `(not read: ${err.message})`);
            if (lab) fs.writeFileSync(path.join(lab.dir, "logs", `${name}-management-server.log`), log, { mode: 0o600 });
        }
        await project?.remove();
        await lab?.down();
        console.log(["phase timings (s):", ...phases.map(([name, seconds]) => `  ${name.padEnd(60)} ${seconds.toFixed(1)}`)].join("\n"));
    }, 300_000);

    test("pulumi up builds it: both servers registered in mshost, the agent connected through the balancer to one of them, one SSH key", async () => {
        const up = await phase("pulumi up (HA stack from bare hosts)", () => project.stack.up({ onOutput: record }));
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.zoneReady.value).toMatchObject({ ready: true });

        const servers = await sql(ROLES.database, "SELECT service_ip, state, uuid FROM cloud.mshost WHERE removed IS NULL ORDER BY service_ip");
        expect(servers.map(([address, state]) => [address, state])).toEqual(MANAGEMENT.map((name) => [ip(name), "Up"]).sort());
        for (const name of MANAGEMENT) serverUuid[name] = servers.find(([address]) => address === ip(name))![2];
        // Every Galera member holds the same cloud.
        const versions = await Promise.all(DATABASES.map(async (node) => (await sql(node, "SELECT version FROM cloud.standin_cloud"))[0][0]));
        expect(new Set(versions).size).toBe(1);

        const host = await kvmHost();
        expect(host.state).toBe("Up");
        expect(Object.values(serverUuid)).toContain(host.managementserverid);
        // The agent was given the balancer (the `host` setting) and keeps it with the algorithm (Agent.java@4.19.3.0:811).
        expect(await lab.ssh(ROLES.kvm[0], "sed -n 's/^host=//p' /etc/cloudstack/agent/agent.properties")).toBe(`${ip(ROLES.ha!.balancer)}@static\n`);
        // One key pair for the cloud (ConfigurationServerImpl.updateKeyPairs): the second server logs in to KVM hosts with the key they authorised.
        const keys = await Promise.all(MANAGEMENT.map((name) => lab.ssh(name, "cat /var/lib/cloudstack/management/.ssh/id_rsa.pub")));
        expect(keys[1]).toBe(keys[0]);
    });

    test("the management server holding the agent stops: signed calls through the balancer answer, the agent reconnects to the other server", async () => {
        const before = await kvmHost();
        stoppedServer = MANAGEMENT.find((name) => serverUuid[name] === before.managementserverid)!;
        const other = MANAGEMENT.find((name) => name !== stoppedServer)!;
        await phase(`stop cloudstack-management on ${stoppedServer}`, () => lab.ssh(stoppedServer, "systemctl stop cloudstack-management"));
        expect(await sql(ROLES.database, `SELECT state FROM cloud.mshost WHERE uuid = '${serverUuid[stoppedServer]}'`)).toEqual([["Down"]]);

        const moved = await phase("agent reconnected to the other server", () =>
            eventually("the KVM host Up and held by the other server", 180, async () => {
                const host = await kvmHost();
                expect([host.state, host.managementserverid]).toEqual(["Up", serverUuid[other]]);
                return host;
            }),
        );
        expect(moved.id).toBe(before.id);
        // Signed calls through the balancer, several in a row: each lands on the live server.
        for (let i = 0; i < 5; i++) expect((await (await api()).list<{ name: string }>("listZones", {})).map((z) => z.name)).toEqual(["TEST"]);
        // The agent's connection goes through the balancer to the live server.
        expect(await lab.ssh(other, "ss -Htn state established '( sport = :8250 )' | wc -l")).not.toBe("0\n");
    });

    test("the first database node stops: a signed read and a signed write still work, the write stored in the cluster", async () => {
        const [first, second, third] = DATABASES;
        const versionBefore = Number((await sql(second, "SELECT version FROM cloud.standin_cloud"))[0][0]);
        await phase(`stop mariadb on ${first}`, () => lab.ssh(first, "systemctl stop mariadb"));
        await eventually("the cluster down to two members", 60, async () => expect(await wsrep(second, "wsrep_cluster_size")).toBe("2"));

        const client = await api();
        expect((await client.list<{ name: string }>("listZones", {})).map((z) => z.name)).toEqual(["TEST"]);
        await client.request("updateConfiguration", { name: "incorrect.login.attempts.allowed", value: "7" });
        expect((await client.list<{ value: string }>("listConfigurations", { name: "incorrect.login.attempts.allowed" }))[0].value).toBe("7");
        // Written through the remaining members: the stored cloud moved on both.
        for (const node of [second, third]) expect(Number((await sql(node, "SELECT version FROM cloud.standin_cloud"))[0][0])).toBeGreaterThan(versionBefore);
        await client.request("updateConfiguration", { name: "incorrect.login.attempts.allowed", value: "5" });
    });

    test("both start again: the program's verify passes (every management server, the balancer's backends, Galera)", async () => {
        const [first] = DATABASES;
        await phase(`start mariadb on ${first}`, () => lab.ssh(first, "systemctl start mariadb"));
        await eventually(`${first} back in the cluster`, 300, async () => {
            expect([await wsrep(first, "wsrep_cluster_size"), await wsrep(first, "wsrep_local_state_comment")]).toEqual(["3", "Synced"]);
        });
        await phase(`start cloudstack-management on ${stoppedServer}`, () => lab.ssh(stoppedServer, "systemctl start cloudstack-management"));
        await eventually(`${stoppedServer} Up in mshost`, 300, async () => {
            expect(await sql(first, `SELECT state FROM cloud.mshost WHERE uuid = '${serverUuid[stoppedServer]}'`)).toEqual([["Up"]]);
        });

        const view = await readStack({ workDir: project.dir, stackName: STACK, envVars: project.env, pulumiRoot: TOOLS_ROOT });
        const ctx = await buildContext(view.settings, view.extras);
        const results = await phase("verify passes", () =>
            eventually("verify without failures", 300, async () => {
                const run = await runVerify(ctx);
                expect(failed(run).map((r) => `${r.check} on ${r.where}: ${r.detail}`)).toEqual([]);
                return run;
            }),
        );
        // Each server, the balancer's backends and the cluster were checked, not skipped.
        const passed = (check: string) => results.filter((r) => r.check === check && r.status === "pass").map((r) => r.where).sort();
        expect(passed("galera-cluster")).toEqual([...DATABASES].sort());
        expect(passed("balancer-backends")).toEqual([ROLES.ha!.balancer]);
        expect(passed("management-api")).toEqual([...MANAGEMENT].sort());
    });

    test("pulumi up with no change: preview shows none, up changes nothing and runs no remote command", async () => {
        await expectUpChangesNothing(project, lab, inventory, phase, record);
        // Through both outages no server failed to read or write the shared cloud (sharedCloud.ts logs each failure).
        for (const name of MANAGEMENT) expect({ name, failures: (await serverLog(name)).split("\n").filter((line) => /cannot write the cloud|could not write the cloud|system VM scan:/.test(line)) }).toEqual({ name, failures: [] });
    });
});
