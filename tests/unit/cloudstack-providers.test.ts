/**
 * The zone object providers one by one against the stand-in: create, create
 * again (adopts), conflicts, drift seen by read, updates through the update
 * APIs, delete order and preconditions, and the error paths.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { provider as clusterProvider } from "../../providers/cloudstack/objects/cluster";
import { provider as hostProvider } from "../../providers/cloudstack/objects/host";
import { provider as networkProvider } from "../../providers/cloudstack/objects/physicalNetwork";
import { provider as podProvider } from "../../providers/cloudstack/objects/pod";
import { provider as primaryProvider } from "../../providers/cloudstack/objects/primaryStorage";
import { provider as rangeProvider } from "../../providers/cloudstack/objects/publicIpRange";
import { provider as secondaryProvider } from "../../providers/cloudstack/objects/secondaryStorage";
import { provider as zoneProvider } from "../../providers/cloudstack/objects/zone";
import { ApiConnection, ProviderOf } from "../../providers/cloudstack/resource";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, callsTo, mutatingCommands } from "../standin/testKit";

/* eslint-disable @typescript-eslint/no-explicit-any */
let standIn: StandIn;
let connection: ApiConnection;
let api: CloudStackClient;

beforeEach(async () => {
    standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 100, systemVmBootMs: 100, templateReadyMs: 50, scanIntervalMs: 20 });
    connection = adminConnection(standIn);
    api = new CloudStackClient({ apiUrl: connection.apiUrl, credentials: { apiKey: connection.apiKey, secretKey: connection.secretKey } });
});
afterEach(() => standIn.close());

/** check + create, as the engine runs them. */
async function create(provider: ProviderOf<any>, raw: object) {
    const { inputs, failures } = await provider.check({}, raw);
    expect(failures).toEqual([]);
    return { ...(await provider.create(inputs)), inputs };
}

const zoneInputs = () => ({ connection, name: "TEST", dns1: "8.8.8.8", dns2: "8.8.4.4", internalDns1: "8.8.8.8", networkType: "Advanced", guestCidr: "192.168.0.0/24" });
const SEED_TRAFFIC = [
    { type: "Management", kvmLabel: "cloudbr0" },
    { type: "Guest", kvmLabel: "cloudbr1" },
    { type: "Public", kvmLabel: "cloudbr1" },
    { type: "Storage", kvmLabel: "cloudbr0" },
];
const networkInputs = (zoneId: string) => ({ connection, zoneId, name: "PhysicalNetwork", isolationMethod: "VXLAN", vniStart: 5000, vniEnd: 6000, trafficTypes: SEED_TRAFFIC });
const podInputs = (zoneId: string) => ({ connection, zoneId, name: "Internal", gateway: "10.15.0.1", netmask: "255.255.255.0", startIp: "10.15.0.160", endIp: "10.15.0.170" });

describe("a create whose answer was lost", () => {
    test("made by the server: found and adopted, never sent twice", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        standIn.inject({ kind: "drop", when: "after", command: "createPod" });
        const pod = await create(podProvider, podInputs(zone.id));
        expect(callsTo(standIn, "createPod")).toHaveLength(1);
        expect(standIn.data.pods.filter((p) => !p.removed).map((p) => p.id)).toEqual([pod.id]);
    });

    test("lost with the connection before the server acted: created by one more call", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        standIn.inject({ kind: "drop", when: "before", command: "createPod" });
        const pod = await create(podProvider, podInputs(zone.id));
        expect(callsTo(standIn, "createPod").map((c) => c.status)).toEqual([0, 200]);
        expect(standIn.data.pods.filter((p) => !p.removed).map((p) => p.id)).toEqual([pod.id]);
    });

    test("any other failure of the create is not retried", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        standIn.inject({ kind: "status", status: 500, body: "proxy error", command: "createPod" });
        await expect(create(podProvider, podInputs(zone.id))).rejects.toThrow(/createPod failed with error 500/);
        expect(callsTo(standIn, "createPod")).toHaveLength(1);
    });
});

describe("Zone", () => {
    test("create, create again adopts, a differing one is a conflict that changes nothing", async () => {
        const first = await create(zoneProvider, zoneInputs());
        expect((first.outs as any).adopted).toBe(false);
        const again = await create(zoneProvider, zoneInputs());
        expect(again.id).toBe(first.id);
        expect((again.outs as any).adopted).toBe(true);
        expect(callsTo(standIn, "createZone")).toHaveLength(1);
        const before = standIn.calls.length;
        await expect(create(zoneProvider, { ...zoneInputs(), name: "test", dns1: "1.1.1.1" })).rejects.toThrow(
            /zone "test" already exists in CloudStack \(id .*\) and differs from the configuration: name is "TEST" in CloudStack but "test" in the configuration; dns1 is "8.8.8.8" in CloudStack but "1.1.1.1" in the configuration\. Nothing was changed/,
        );
        expect(mutatingCommands(standIn, before)).toEqual([]);
    });

    test("drift is seen by read, diff wants an update, update calls updateZone", async () => {
        const { id, outs, inputs } = await create(zoneProvider, zoneInputs());
        await api.request("updateZone", { id, dns1: "9.9.9.9" });
        const read = await zoneProvider.read(id, outs as any);
        expect((read.props as any).dns1).toBe("9.9.9.9");
        expect(await zoneProvider.diff(id, read.props as any, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        expect(await zoneProvider.diff(id, outs as any, inputs)).toMatchObject({ changes: false });
        const before = standIn.calls.length;
        await zoneProvider.update(id, read.props as any, inputs);
        expect(mutatingCommands(standIn, before)).toEqual(["updateZone"]);
        expect(standIn.data.zones[0].dns1).toBe("8.8.8.8");
    });

    test("check names the input, the bad value and what is allowed; nothing is sent", async () => {
        const { failures } = await zoneProvider.check({} as any, { ...zoneInputs(), dns1: "8.8.8", networkType: "advanced" } as any);
        expect(failures).toEqual([
            { property: "dns1", reason: 'dns1 must be an IPv4 address such as 10.15.0.1, not "8.8.8"' },
            { property: "networkType", reason: 'networkType must be one of Advanced (case matters), not "advanced"' },
        ]);
        expect(standIn.calls).toEqual([]);
    });

    test("bad keys: 401 from the server, named, without the secret", async () => {
        const bad = { ...zoneInputs(), connection: { ...connection, secretKey: "wrong-secret-value" } };
        const err = await zoneProvider.create(bad as any).catch((e) => e);
        expect(err.message).toMatch(/listZones failed with error 401: unable to verify user credentials and\/or request signature/);
        expect(err.message).not.toContain("wrong-secret-value");
    });

    test("delete twice: the second finds it gone and succeeds", async () => {
        const { id, outs } = await create(zoneProvider, zoneInputs());
        await zoneProvider.delete(id, outs as any);
        await zoneProvider.delete(id, outs as any);
        expect(callsTo(standIn, "deleteZone").map((c) => c.status)).toEqual([200, 431]);
    });
});

describe("PhysicalNetwork", () => {
    test("one call per part, elements before their providers, one update to enable with the VNI range", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const before = standIn.calls.length;
        const network = await create(networkProvider, networkInputs(zone.id));
        expect(mutatingCommands(standIn, before)).toEqual([
            "createPhysicalNetwork",
            "addTrafficType", "addTrafficType", "addTrafficType", "addTrafficType",
            "configureInternalLoadBalancerElement", "updateNetworkServiceProvider",
            "configureVirtualRouterElement", "updateNetworkServiceProvider",
            "configureVirtualRouterElement", "updateNetworkServiceProvider",
            "updatePhysicalNetwork",
        ]);
        const row = standIn.data.physicalNetworks[0];
        expect([row.state, row.vlan, row.isolationmethods]).toEqual(["Enabled", "5000-6000", "VXLAN"]);
        expect(standIn.data.trafficTypes.map((t) => `${t.traffictype}=${t.kvmnetworklabel}`).sort()).toEqual(["Guest=cloudbr1", "Management=cloudbr0", "Public=cloudbr1", "Storage=cloudbr0"]);
        expect(await networkProvider.diff(network.id, network.outs as any, network.inputs)).toMatchObject({ changes: false });
    });

    test("a network left half-built by an interrupted run is adopted and finished, not duplicated", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const half = (await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "PhysicalNetwork", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        await api.job("addTrafficType", { physicalnetworkid: half.id, traffictype: "Management", kvmnetworklabel: "cloudbr0" });
        const network = await create(networkProvider, networkInputs(zone.id));
        expect(network.id).toBe(half.id);
        expect(callsTo(standIn, "createPhysicalNetwork")).toHaveLength(1);
        expect(callsTo(standIn, "addTrafficType")).toHaveLength(4);
        expect(standIn.data.physicalNetworks[0].state).toBe("Enabled");
    });

    test("a label set differently on the server is a conflict", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const other = (await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "PhysicalNetwork", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        await api.job("addTrafficType", { physicalnetworkid: other.id, traffictype: "Guest", kvmnetworklabel: "eth9" });
        await expect(create(networkProvider, networkInputs(zone.id))).rejects.toThrow(/traffic type Guest has KVM label eth9, not cloudbr1/);
    });

    test("a changed label and VNI range are updated in place", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const network = await create(networkProvider, networkInputs(zone.id));
        const { inputs } = await networkProvider.check({} as any, { ...networkInputs(zone.id), vniEnd: 5500, trafficTypes: SEED_TRAFFIC.map((t) => (t.type === "Guest" ? { ...t, kvmLabel: "cloudbr2" } : t)) } as any);
        expect(await networkProvider.diff(network.id, network.outs as any, inputs)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        const before = standIn.calls.length;
        await networkProvider.update(network.id, network.outs as any, inputs);
        expect(mutatingCommands(standIn, before)).toEqual(["updateTrafficType", "updatePhysicalNetwork"]);
        expect(standIn.data.physicalNetworks[0].vlan).toBe("5000-5500");
    });

    test("a failed job stops the create with the server's text", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        standIn.inject({ kind: "failJob", command: "addTrafficType", errorcode: 530, errortext: "Failed to add traffic type: database is read-only" });
        await expect(create(networkProvider, networkInputs(zone.id))).rejects.toThrow(/addTrafficType failed \(async job .*\) with error 530: Failed to add traffic type: database is read-only/);
    });

    test("check rejects a reversed VNI range and a type listed twice", async () => {
        const { failures } = await networkProvider.check({} as any, { ...networkInputs("z"), vniStart: 6000, vniEnd: 5000, trafficTypes: [...SEED_TRAFFIC, SEED_TRAFFIC[0]] } as any);
        expect(failures.map((f) => f.property)).toEqual(["vniEnd", "trafficTypes[2].type"]);
        expect(failures[0].reason).toBe("vniEnd must be a whole number from 6000 to 16777214, not 5000");
    });
});

describe("Pod and PublicIpRange", () => {
    test("a pod's end address changes through updatePodManagementNetworkIpRange from the server's current range", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const pod = await create(podProvider, podInputs(zone.id));
        const news = { ...podInputs(zone.id), endIp: "10.15.0.175" };
        expect(await podProvider.diff(pod.id, pod.outs as any, news as any)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: true });
        await podProvider.update(pod.id, pod.outs as any, news as any);
        const call = callsTo(standIn, "updatePodManagementNetworkIpRange")[0];
        expect(call.params).toMatchObject({ currentstartip: "10.15.0.160", currentendip: "10.15.0.170", newendip: "10.15.0.175" });
        expect(standIn.data.pods[0].ranges).toEqual([{ startip: "10.15.0.160", endip: "10.15.0.175" }]);
        expect(callsTo(standIn, "updatePod")).toHaveLength(0);
        expect(await podProvider.diff(pod.id, pod.outs as any, { ...news, name: "Other" } as any)).toMatchObject({ replaces: ["name"] });
    });

    test("a public range's end changes through updateVlanIpRange; read shows a change made elsewhere", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const network = await create(networkProvider, networkInputs(zone.id));
        const raw = { connection, zoneId: zone.id, physicalNetworkId: network.id, vlan: "untagged", gateway: "10.10.0.1", netmask: "255.255.255.0", startIp: "10.10.0.220", endIp: "10.10.0.230" };
        const range = await create(rangeProvider, raw);
        expect(standIn.data.vlans[0].vlan).toBe("vlan://untagged");
        expect((await create(rangeProvider, raw)).id).toBe(range.id);
        await rangeProvider.update(range.id, range.outs as any, { ...raw, endIp: "10.10.0.240" } as any);
        expect(callsTo(standIn, "updateVlanIpRange")[0].params).toMatchObject({ endip: "10.10.0.240" });
        await api.request("updateVlanIpRange", { id: range.id, endip: "10.10.0.225" });
        expect(((await rangeProvider.read(range.id, range.outs as any)).props as any).endIp).toBe("10.10.0.225");
    });

    test("431 from the server: a pod range that overlaps the public range", async () => {
        const zone = await create(zoneProvider, zoneInputs());
        const network = await create(networkProvider, networkInputs(zone.id));
        await create(rangeProvider, { connection, zoneId: zone.id, physicalNetworkId: network.id, vlan: "untagged", gateway: "10.15.0.1", netmask: "255.255.255.0", startIp: "10.15.0.200", endIp: "10.15.0.210" });
        const err = await podProvider.create({ ...podInputs(zone.id), endIp: "10.15.0.205" } as any).catch((e) => e);
        expect(err.message).toMatch(/createPod failed with error 431: The Start IP and endIP address range overlap with Public IP/);
    });
});

describe("Host and storage", () => {
    async function zoneWithCluster() {
        const zone = await create(zoneProvider, zoneInputs());
        await create(networkProvider, networkInputs(zone.id));
        const pod = await create(podProvider, podInputs(zone.id));
        const cluster = await create(clusterProvider, { connection, zoneId: zone.id, podId: pod.id, name: "testbed", hypervisor: "KVM", clusterType: "CloudManaged" });
        return { zoneId: zone.id, podId: pod.id, clusterId: cluster.id };
    }

    test("addHost by POST with an empty password (management key), then waits for Up; again adopts", async () => {
        const where = await zoneWithCluster();
        const host = await create(hostProvider, { connection, ...where, ip: "10.15.0.117", username: "root", password: "" });
        expect((host.outs as any).state).toBe("Up");
        const call = callsTo(standIn, "addHost")[0];
        expect([call.method, call.params.password, call.params.url]).toEqual(["POST", "", "http://10.15.0.117"]);
        expect((await create(hostProvider, { connection, ...where, ip: "10.15.0.117", username: "root", password: "" })).id).toBe(host.id);
        expect(callsTo(standIn, "addHost")).toHaveLength(1);
    });

    test("the password path sends the password by POST only", async () => {
        const where = await zoneWithCluster();
        await create(hostProvider, { connection, ...where, ip: "10.15.0.118", username: "root", password: "kvm-S3cret" });
        const call = callsTo(standIn, "addHost")[0];
        expect([call.method, call.params.password]).toEqual(["POST", "***"]);
    });

    test("a host that never comes Up times out with what it is", async () => {
        await standIn.close();
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 60_000 });
        connection = adminConnection(standIn);
        const where = await zoneWithCluster();
        await expect(create(hostProvider, { connection, ...where, ip: "10.15.0.117", username: "root", password: "", upTimeoutSeconds: 1 })).rejects.toThrow(
            "host 10.15.0.117 to come Up: still Connecting after 1 s",
        );
    });

    test("storage and hosts are deleted through maintenance; the pod refuses to go while a host is in it", async () => {
        const where = await zoneWithCluster();
        const host = await create(hostProvider, { connection, ...where, ip: "10.15.0.117", username: "root", password: "" });
        const primary = await create(primaryProvider, { connection, zoneId: where.zoneId, scope: "cluster", podId: where.podId, clusterId: where.clusterId, name: "banana-primary", server: "10.10.0.118", path: "/export/primary" });
        const secondary = await create(secondaryProvider, { connection, zoneId: where.zoneId, name: "banana-secondary", server: "10.10.0.118", path: "/export/secondary", provider: "NFS" });
        expect(standIn.data.pools[0]).toMatchObject({ ipaddress: "10.10.0.118", path: "/export/primary", scope: "CLUSTER" });
        await expect(create(secondaryProvider, { connection, zoneId: where.zoneId, name: "banana-secondary", server: "10.10.0.119", path: "/export/secondary", provider: "NFS" })).rejects.toThrow(
            /server is "10.10.0.118" in CloudStack but "10.10.0.119" in the configuration/,
        );

        const podOuts = { ...podInputs(where.zoneId) };
        await expect(podProvider.delete(where.podId, podOuts as any)).rejects.toThrow(/The pod cannot be deleted because there are servers in this pod/);

        const before = standIn.calls.length;
        await secondaryProvider.delete(secondary.id, secondary.outs as any);
        await primaryProvider.delete(primary.id, primary.outs as any);
        await hostProvider.delete(host.id, host.outs as any);
        expect(mutatingCommands(standIn, before)).toEqual(["deleteImageStore", "enableStorageMaintenance", "deleteStoragePool", "prepareHostForMaintenance", "deleteHost"]);
    });

    test("cluster storage before any host is Up fails with the server's reason", async () => {
        const where = await zoneWithCluster();
        await expect(create(primaryProvider, { connection, zoneId: where.zoneId, scope: "cluster", podId: where.podId, clusterId: where.clusterId, name: "p", server: "10.10.0.118", path: "/export/primary" })).rejects.toThrow(
            /createStoragePool failed with error 530: Failed to add data store: No host up to associate a storage pool with in cluster \d+/,
        );
    });
});
