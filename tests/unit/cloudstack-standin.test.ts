/**
 * The stand-in itself: it must refuse what CloudStack 4.19 refuses, or tests
 * against it prove nothing. Zone-order rules, system VMs, teardown
 * preconditions, restarts with a state file and the compiled CLI.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { startStandIn, StandIn, StandInOptions } from "../standin";
import { javaSignature } from "../standin/javaSigning";
import { adminClient, adminConnection } from "../standin/testKit";

type Ids = Record<"zone" | "network" | "pod" | "vlan" | "cluster" | "host" | "pool" | "store", string>;


const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e) => e as CloudStackError);

/** The seed's zone by raw calls in the order of reference §2.2, up to (not including) enabling it. */
async function buildZone(api: CloudStackClient, hostIp = "10.15.0.117"): Promise<Ids> {
    const zone = ((await api.request("createZone", { name: "TEST", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
    const network = ((await api.job("createPhysicalNetwork", { zoneid: zone, name: "PN", isolationmethods: "VXLAN" })).physicalnetwork as { id: string }).id;
    for (const [type, label] of [["Management", "cloudbr0"], ["Guest", "cloudbr1"], ["Public", "cloudbr1"], ["Storage", "cloudbr0"]]) {
        await api.job("addTrafficType", { physicalnetworkid: network, traffictype: type, kvmnetworklabel: label });
    }
    for (const [name, listElements, configure] of [
        ["VirtualRouter", "listVirtualRouterElements", "configureVirtualRouterElement"],
        ["InternalLbVm", "listInternalLoadBalancerElements", "configureInternalLoadBalancerElement"],
    ]) {
        const nsp = (await api.list<{ id: string }>("listNetworkServiceProviders", { physicalnetworkid: network, name }))[0];
        const element = (await api.list<{ id: string }>(listElements, { nspid: nsp.id }))[0];
        await api.job(configure, { id: element.id, enabled: "true" });
        await api.job("updateNetworkServiceProvider", { id: nsp.id, state: "Enabled" });
    }
    await api.job("updatePhysicalNetwork", { id: network, state: "Enabled", vlan: "5000-6000" });
    const pod = ((await api.request("createPod", { zoneid: zone, name: "Internal", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" })).pod as { id: string }).id;
    const vlan = ((await api.request("createVlanIpRange", { zoneid: zone, vlan: "untagged", gateway: "10.10.0.1", netmask: "255.255.255.0", startip: "10.10.0.220", endip: "10.10.0.230", forvirtualnetwork: "true" })).vlan as { id: string }).id;
    const cluster = (await api.list<{ id: string }>("addCluster", { zoneid: zone, podid: pod, clustername: "testbed", hypervisor: "KVM", clustertype: "CloudManaged" }))[0].id;
    const host = (await api.list<{ id: string }>("addHost", { zoneid: zone, podid: pod, clusterid: cluster, url: `http://${hostIp}`, hypervisor: "KVM", username: "root", password: "" }))[0].id;
    await waitUntil(async () => (await api.list<{ state: string }>("listHosts", { id: host }))[0].state === "Up");
    const pool = ((await api.request("createStoragePool", { zoneid: zone, podid: pod, clusterid: cluster, name: "primary", url: "nfs://10.10.0.118/export/primary" })).storagepool as { id: string }).id;
    const store = ((await api.request("addImageStore", { zoneid: zone, name: "secondary", provider: "NFS", url: "nfs://10.10.0.118/export/secondary" })).imagestore as { id: string }).id;
    return { zone, network, pod, vlan, cluster, host, pool, store };
}

async function waitUntil(condition: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error("condition not reached");
        await new Promise((r) => setTimeout(r, 50));
    }
}

/** Until the stand-in's system VM scanner has run `count` more times: what it would start, it has started by then. */
async function scannerRuns(standIn: StandIn, count: number): Promise<void> {
    const target = standIn.scansDone() + count;
    await waitUntil(async () => standIn.scansDone() >= target);
}

const runningSystemVms = async (api: CloudStackClient, zone: string) =>
    (await api.list<{ systemvmtype: string; state: string }>("listSystemVms", { zoneid: zone })).filter((v) => v.state === "Running").map((v) => v.systemvmtype).sort();

describe("stand-in rules", () => {
    let standIn: StandIn;
    let api: CloudStackClient;
    const start = async (options: StandInOptions = {}) => {
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 50, systemVmBootMs: 100, templateReadyMs: 50, scanIntervalMs: 20, ...options });
        api = adminClient(standIn);
    };
    afterEach(() => standIn?.close());

    test("zone order: network in an enabled zone, provider before element, pool without an Up host, enabling without Public traffic", async () => {
        await start({ hostConnectMs: 60_000 });
        const zone = ((await api.request("createZone", { name: "Z", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
        const network = ((await api.job("createPhysicalNetwork", { zoneid: zone, name: "PN", isolationmethods: "VXLAN" })).physicalnetwork as { id: string }).id;
        await api.job("addTrafficType", { physicalnetworkid: network, traffictype: "Management", kvmnetworklabel: "cloudbr0" });
        const enable = await failure(api.request("updateZone", { id: zone, allocationstate: "Enabled" }));
        expect(enable?.code).toBe(431);
        expect(enable?.errortext).toBe("Cannot enable this Zone since: Unable to find the default physical network with traffic=Public in the specified zone id");

        const nsp = (await api.list<{ id: string }>("listNetworkServiceProviders", { physicalnetworkid: network, name: "VirtualRouter" }))[0];
        const early = await failure(api.job("updateNetworkServiceProvider", { id: nsp.id, state: "Enabled" }));
        expect(early?.errortext).toBe("Provider is not ready, cannot Enable the provider, please configure the provider first");

        const pod = ((await api.request("createPod", { zoneid: zone, name: "P", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" })).pod as { id: string }).id;
        const cluster = (await api.list<{ id: string; dbId?: number }>("addCluster", { zoneid: zone, podid: pod, clustername: "C", hypervisor: "KVM", clustertype: "CloudManaged" }))[0].id;
        await api.request("addHost", { zoneid: zone, podid: pod, clusterid: cluster, url: "http://10.15.0.117", hypervisor: "KVM", username: "root", password: "" });
        const pool = await failure(api.request("createStoragePool", { zoneid: zone, podid: pod, clusterid: cluster, name: "ps", url: "nfs://10.10.0.118/export/primary" }));
        expect(pool?.code).toBe(530);
        expect(pool?.errortext).toMatch(/^Failed to add data store: No host up to associate a storage pool with in cluster \d+$/);

        await api.job("addTrafficType", { physicalnetworkid: network, traffictype: "Public", kvmnetworklabel: "cloudbr1" });
        await api.request("updateZone", { id: zone, allocationstate: "Enabled" });
        const second = await failure(api.job("createPhysicalNetwork", { zoneid: zone, name: "PN2" }));
        expect(second?.code).toBe(531);
        expect(second?.errortext).toMatch(/^Cannot create PhysicalNetwork since the Zone is currently enabled, zone Id: \d+$/);
        // Enabling added the Storage traffic type on the Management network, as 4.19 does.
        expect((await api.list<{ traffictype: string }>("listTrafficTypes", { physicalnetworkid: network })).map((t) => t.traffictype).sort()).toEqual(["Management", "Public", "Storage"]);
    });

    test("parameters: missing, case-sensitive enums, unknown names recorded, case-insensitive duplicate names", async () => {
        await start();
        const zone = ((await api.request("createZone", { name: "Z", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced", bogus: "1" })).zone as { id: string }).id;
        expect(standIn.warnings).toEqual(["Received unknown parameters for command createzone. Unknown parameters : bogus"]);
        expect((await failure(api.request("createZone", { name: "z", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })))?.code).toBe(431);
        expect((await failure(api.request("createZone", { name: "Y", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "advanced" })))?.code).toBe(431);
        const pod = { zoneid: zone, name: "P", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" };
        const podId = ((await api.request("createPod", pod)).pod as { id: string }).id;
        expect((await failure(api.request("createPod", { ...pod, name: "p", startip: "10.15.0.180", endip: "10.15.0.190" })))?.errortext).toMatch(/^A pod with name: p already exists in zone \d+/);
        expect((await failure(api.request("addCluster", { zoneid: zone, podid: podId, clustername: "C", hypervisor: "KVM", clustertype: "cloudmanaged" })))?.code).toBe(431);
        expect((await failure(api.request("addCluster", { zoneid: zone, podid: "no-such-pod", clustername: "C", hypervisor: "KVM", clustertype: "CloudManaged" })))?.errortext).toMatch(
            /invalid value. Invalid parameter podid value=no-such-pod/,
        );
    });

    test("system VMs start only in an enabled, ready zone; in an enabled zone a destroyed one comes back", async () => {
        await start();
        const ids = await buildZone(api);
        await scannerRuns(standIn, 2);
        expect(await api.list("listSystemVms", { zoneid: ids.zone })).toEqual([]);
        await api.request("updateZone", { id: ids.zone, allocationstate: "Enabled" });
        await waitUntil(async () => (await runningSystemVms(api, ids.zone)).length === 2);
        expect(await runningSystemVms(api, ids.zone)).toEqual(["consoleproxy", "secondarystoragevm"]);
        const ssvm = (await api.list<{ id: string }>("listSystemVms", { zoneid: ids.zone, systemvmtype: "secondarystoragevm" }))[0];
        await api.job("destroySystemVm", { id: ssvm.id });
        await waitUntil(async () => (await runningSystemVms(api, ids.zone)).length === 2);
        expect((await api.list<{ id: string }>("listSystemVms", { zoneid: ids.zone, systemvmtype: "secondarystoragevm" }))[0].id).not.toBe(ssvm.id);
    });

    test("without a seeded template, an image store added before any cluster never gets a ready template", async () => {
        await start({ templateSeeded: false });
        const zone = ((await api.request("createZone", { name: "Z", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" })).zone as { id: string }).id;
        await api.request("addImageStore", { zoneid: zone, name: "early", provider: "NFS", url: "nfs://10.10.0.118/export/secondary" });
        await scannerRuns(standIn, 2);
        expect(standIn.data.templates).toEqual([]);
    });

    test("teardown preconditions and their texts, then the §3.2 order leaves nothing; deleting twice is 'does not exist'", async () => {
        await start();
        const ids = await buildZone(api);
        await api.request("updateZone", { id: ids.zone, allocationstate: "Enabled" });
        await waitUntil(async () => (await runningSystemVms(api, ids.zone)).length === 2);

        expect((await failure(api.request("deleteZone", { id: ids.zone })))?.errortext).toBe("The zone cannot be deleted because there are servers in this zone.");
        expect((await failure(api.request("deletePod", { id: ids.pod })))?.errortext).toBe("The pod cannot be deleted because there are private IP addresses allocated in this pod.");
        expect((await failure(api.request("deleteCluster", { id: ids.cluster })))?.errortext).toMatch(/^Cluster: \d+ cannot be removed. Cluster still has hosts$/);
        expect((await failure(api.request("deleteStoragePool", { id: ids.pool })))?.errortext).toMatch(/^Unable to delete storage due to it is not in Maintenance state, id: \d+$/);
        expect((await failure(api.request("deleteVlanIpRange", { id: ids.vlan })))?.errortext).toBe("2  Ips are in use. Cannot delete this vlan");
        expect((await failure(api.request("deleteHost", { id: ids.host })))?.errortext).toMatch(/cannot be deleted as it is not in maintenance mode/);
        const shrink = await failure(api.job("updatePodManagementNetworkIpRange", { podid: ids.pod, currentstartip: "10.15.0.160", currentendip: "10.15.0.170", newstartip: "10.15.0.165" }));
        expect(shrink?.errortext).toMatch(/^The IP range does not contain some IP addresses that have already been taken/);

        await api.request("updateZone", { id: ids.zone, allocationstate: "Disabled" });
        for (const vm of await api.list<{ id: string }>("listSystemVms", { zoneid: ids.zone })) await api.job("destroySystemVm", { id: vm.id });
        await api.job("enableStorageMaintenance", { id: ids.pool });
        await api.request("deleteStoragePool", { id: ids.pool, forced: "true" });
        await api.job("prepareHostForMaintenance", { id: ids.host });
        await waitUntil(async () => (await api.list<{ resourcestate: string }>("listHosts", { id: ids.host }))[0].resourcestate === "Maintenance");
        await api.request("deleteHost", { id: ids.host, forced: "true" });
        await api.request("deleteCluster", { id: ids.cluster });
        await api.request("deleteImageStore", { id: ids.store });
        await api.request("deletePod", { id: ids.pod });
        await api.request("deleteVlanIpRange", { id: ids.vlan });
        await api.job("deletePhysicalNetwork", { id: ids.network });
        await api.request("deleteZone", { id: ids.zone });
        expect(Object.values(standIn.inventory()).every((n) => n === 0)).toBe(true);

        const again = await failure(api.request("deletePod", { id: ids.pod }));
        expect(again?.code).toBe(431);
        expect(again?.errortext).toMatch(/does not exist/);
        expect((await failure(api.job("deletePhysicalNetwork", { id: ids.network })))?.errortext).toMatch(/does not exist/);
    });

    test("transport: no response=json gives XML, long GET URLs get 414", async () => {
        await start();
        const c = adminConnection(standIn);
        const params: [string, string][] = [["command", "listZones"], ["apikey", c.apiKey]];
        const query = [...params, ["signature", javaSignature(params, c.secretKey)]].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&");
        const xml = await fetch(`${standIn.url}?${query}`);
        expect(xml.status).toBe(200);
        expect(xml.headers.get("content-type")).toBe("text/xml");
        const long = await fetch(`${standIn.url}?command=listZones&response=json&keyword=${"x".repeat(9000)}`);
        expect(long.status).toBe(414);
    });
});

describe("stand-in restarts", () => {
    test("the state file keeps the cloud; agents reconnect; jobs cut off fail; the file is private", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-state-"));
        const stateFile = path.join(dir, "state.json");
        // The maintenance job is still running when the server stops, however slow this machine is.
        const first = await startStandIn({ stateFile, jobLatencyMs: (command: string) => (command === "prepareHostForMaintenance" ? 600_000 : 10), hostConnectMs: 50 });
        const api = adminClient(first);
        const ids = await buildZone(api);
        await api.request("updateUser", { id: first.data.users[0].id, password: "changed-password" });
        first.inject({ kind: "latency", ms: 0 });
        const zone = ids.zone;
        await api.request("updateZone", { id: zone, allocationstate: "Enabled" });
        const pending = await api.request("prepareHostForMaintenance", { id: ids.host });
        await first.close();
        expect(fs.statSync(stateFile).mode & 0o077).toBe(0);

        // Long enough that the first list, right after the start, sees the host still reconnecting even on a loaded machine.
        const second = await startStandIn({ stateFile, hostConnectMs: 4000 });
        try {
            const again = adminClient(second);
            expect((await again.list<{ id: string; allocationstate: string }>("listZones")).map((z) => [z.id, z.allocationstate])).toEqual([[zone, "Enabled"]]);
            expect((await again.list<{ state: string }>("listHosts", { id: ids.host }))[0].state).toBe("Connecting");
            await waitUntil(async () => (await again.list<{ state: string }>("listHosts", { id: ids.host }))[0].state === "Up");
            const job = await again.request("queryAsyncJobResult", { jobid: String(pending.jobid) });
            expect(job.jobstatus).toBe(2);
            await expect(CloudStackClient.login(second.url, "admin", "changed-password")).resolves.toBeInstanceOf(CloudStackClient);
        } finally {
            await second.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("compiled alone by tsc, the CLI runs on plain node and survives a restart", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-cli-"));
        const repo = path.join(__dirname, "..", "..");
        execFileSync(path.join(repo, "node_modules", ".bin", "tsc"), ["-p", path.join(repo, "tests", "standin"), "--outDir", path.join(dir, "out")]);
        const port = await new Promise<number>((resolve) => {
            const s = net.createServer().listen(0, "127.0.0.1", () => {
                const p = (s.address() as net.AddressInfo).port;
                s.close(() => resolve(p));
            });
        });
        const stateFile = path.join(dir, "state.json");
        const run = async () => {
            const child = spawn(process.execPath, [path.join(dir, "out", "main.js"), "--listen", `127.0.0.1:${port}`, "--state-file", stateFile], { stdio: ["ignore", "pipe", "pipe"] });
            await new Promise<void>((resolve, reject) => {
                child.stdout.on("data", (d: Buffer) => d.toString().includes("listening") && resolve());
                child.on("exit", (code) => reject(new Error(`stand-in exited with ${code}`)));
            });
            return child;
        };
        const stop = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once("exit", resolve).kill("SIGTERM"));
        const url = `http://127.0.0.1:${port}/client/api`;
        try {
            let child = await run();
            const session = await CloudStackClient.login(url, "admin", "password");
            const admin = (await session.list<{ id: string }>("listUsers"))[0];
            const keys = (await session.request("registerUserKeys", { id: admin.id })).userkeys as { apikey: string; secretkey: string };
            const api = new CloudStackClient({ apiUrl: url, credentials: { apiKey: keys.apikey, secretKey: keys.secretkey } });
            await api.request("createZone", { name: "Persisted", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" });
            await stop(child);
            child = await run();
            expect((await api.list<{ name: string }>("listZones")).map((z) => z.name)).toEqual(["Persisted"]);
            await stop(child);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 60000);
});

// addHost over real SSH, with the agent connecting back: tests/unit/standin-registration.test.ts.
