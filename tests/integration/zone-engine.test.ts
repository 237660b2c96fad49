/**
 * A zone-only stack through the real Pulumi engine (Automation API, file
 * backend) against the CloudStack stand-in: `up` builds the seed's zone with
 * keys bootstrapped from admin/password; a second preview has no changes;
 * a changed public range end and pod end update in place; refresh reports a
 * change made behind the program's back and the next `up` reverts it; the
 * state holds no plaintext key or password; destroy leaves no zone objects.
 */
import * as path from "path";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { startStandIn, StandIn } from "../standin";
import { callsTo, mutatingCommands } from "../standin/testKit";
import { createTestProject, engineAvailable, exportedState, TestProject } from "../support/engine";
import { check, readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const ADMIN_PASSWORD = "Zone-test-admin-Pw1";
// The seed's zone with a guest MTU below CloudStack's default 1500, so that it has to reach CloudStack.
const seedZone = () => ({ ...check(readStackFile("dev")).settings.zone, guestMtu: 1450 });

describeEngine("zone-only stack through the engine", () => {
    let standIn: StandIn;
    let project: TestProject;
    const zone = seedZone();

    const adminApi = () => {
        const admin = standIn.data.users[0];
        return new CloudStackClient({ apiUrl: standIn.url, credentials: { apiKey: admin.apikey as string, secretKey: admin.secretkey as string } });
    };

    beforeAll(async () => {
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 300, systemVmBootMs: 500, templateReadyMs: 200 });
        project = await createTestProject({
            stackName: "zone",
            programDir: path.join(__dirname, "zone-program"),
            config: { "test:zone": JSON.stringify(zone), "test:apiUrl": standIn.url, "test:managementAddress": "10.15.0.116" },
            secrets: { "test:adminPassword": ADMIN_PASSWORD },
        });
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await standIn?.close();
    });

    test("up builds the seed's zone and bootstraps the keys", async () => {
        const up = await project.stack.up();
        expect(up.summary.result).toBe("succeeded");
        expect(standIn.inventory()).toEqual({ zones: 1, physicalNetworks: 1, pods: 1, vlans: 1, clusters: 1, hosts: 3, pools: 1, imageStores: 1, systemVms: 2, volumes: 2 });
        const [row] = standIn.data.zones;
        expect([row.name, row.allocationstate, row.guestcidraddress]).toEqual(["TEST", "Enabled", "192.168.0.0/24"]);
        expect(standIn.data.physicalNetworks[0]).toMatchObject({ name: "PhysicalNetwork", isolationmethods: "VXLAN", vlan: "5000-6000", state: "Enabled" });
        expect(standIn.data.vlans[0]).toMatchObject({ startip: "10.10.0.220", endip: "10.10.0.230", gateway: "10.10.0.1", vlan: "vlan://untagged" });
        expect(standIn.data.pods[0]).toMatchObject({ name: "Internal", gateway: "10.15.0.1", ranges: [{ startip: "10.15.0.160", endip: "10.15.0.170" }] });
        expect(standIn.data.hosts.find((h) => h.type === "Routing")).toMatchObject({ ipaddress: "10.15.0.117", state: "Up" });
        expect(standIn.data.configurations.host).toBe("10.15.0.116");
        // Defect 8: the guest MTU is the zone's vr.private.interface.max.mtu; the global value stays.
        expect(standIn.data.zoneConfigurations[row.id]).toEqual({ "vr.private.interface.max.mtu": "1450" });
        expect(standIn.data.configurations["vr.private.interface.max.mtu"]).toBe("1500");
        expect(up.outputs.ready.value).toBe(true);
        expect(up.outputs.apiKey.secret).toBe(true);
        expect(standIn.warnings).toEqual([]);
        expect(standIn.ignored).toEqual([]);
        // Every call answered 2xx, but the bootstrap's first login: it tries the new admin password before the initial one.
        expect(standIn.calls.filter((c) => c.status !== 200).map((c) => `${c.command} ${c.status}`)).toEqual(["login 531"]);
        // One call per object: nothing created twice.
        for (const command of ["createZone", "createPhysicalNetwork", "createPod", "createVlanIpRange", "addCluster", "addHost", "createStoragePool", "addImageStore", "registerUserKeys"]) {
            expect([command, callsTo(standIn, command).length]).toEqual([command, 1]);
        }
        await expect(CloudStackClient.login(standIn.url, "admin", ADMIN_PASSWORD)).resolves.toBeInstanceOf(CloudStackClient);
    }, 300000);

    test("the state holds no plaintext key, secret or password, and each provider as its small loader", async () => {
        const state = await exportedState(project);
        const admin = standIn.data.users[0];
        for (const secret of [admin.apikey as string, admin.secretkey as string, ADMIN_PASSWORD]) expect(state).not.toContain(secret);
        // Each provider is stored as the loader of providers/lazyProvider.ts, not the whole API client (sizes: bench/provider-size.ts).
        const providers = [...state.matchAll(/"__provider":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
        expect(providers.length).toBeGreaterThan(10);
        for (const provider of providers) expect(provider).toMatch(/dynamic provider .* not found in/);
    });

    test("a second preview shows no changes and calls nothing that changes CloudStack", async () => {
        const since = standIn.calls.length;
        const preview = await project.stack.preview({ expectNoChanges: true });
        expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
        expect(mutatingCommands(standIn, since)).toEqual([]);
    }, 300000);

    test("a second up with no change makes no call that changes CloudStack (the guest MTU included)", async () => {
        const since = standIn.calls.length;
        const up = await project.stack.up();
        expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
        expect(mutatingCommands(standIn, since)).toEqual([]);
    }, 300000);

    test("a new public range end and pod end IP update in place", async () => {
        const changed = {
            ...zone,
            publicIpRanges: zone.publicIpRanges.map((r) => ({ ...r, endIp: "10.10.0.228" })),
            pods: zone.pods.map((p) => ({ ...p, endIp: "10.15.0.168" })),
        };
        await project.stack.setConfig("test:zone", { value: JSON.stringify(changed) });
        const since = standIn.calls.length;
        const up = await project.stack.up();
        expect(up.summary.resourceChanges).toMatchObject({ update: 2 });
        expect(up.summary.resourceChanges?.create).toBeUndefined();
        expect(up.summary.resourceChanges?.delete).toBeUndefined();
        expect(mutatingCommands(standIn, since).sort()).toEqual(["updatePodManagementNetworkIpRange", "updateVlanIpRange"]);
        expect(standIn.data.vlans[0].endip).toBe("10.10.0.228");
        expect(standIn.data.pods[0].ranges).toEqual([{ startip: "10.15.0.160", endip: "10.15.0.168" }]);
    }, 300000);

    test("refresh reports a change made behind the program's back; the next up reverts it", async () => {
        await adminApi().request("updateZone", { id: standIn.data.zones[0].id, dns1: "9.9.9.9" });
        const refresh = await project.stack.refresh();
        expect(refresh.summary.resourceChanges?.update).toBe(1);
        const preview = await project.stack.preview({ diff: true });
        expect(preview.changeSummary.update).toBe(1);
        // The diff names the drifted property with both values.
        expect(preview.stdout).toMatch(/dns1\s*:\s*"9\.9\.9\.9"\s*=>\s*"8\.8\.8\.8"/);
        // The inputs refresh handed back keep the connection encrypted.
        const admin = standIn.data.users[0];
        const state = await exportedState(project);
        for (const secret of [admin.apikey as string, admin.secretkey as string]) expect(state).not.toContain(secret);
        const since = standIn.calls.length;
        await project.stack.up();
        expect(mutatingCommands(standIn, since)).toEqual(["updateZone"]);
        expect(standIn.data.zones[0].dns1).toBe("8.8.8.8");
    }, 300000);

    test("destroy leaves no zone objects", async () => {
        const destroy = await project.stack.destroy();
        expect(destroy.summary.result).toBe("succeeded");
        expect(standIn.inventory()).toEqual({ zones: 0, physicalNetworks: 0, pods: 0, vlans: 0, clusters: 0, hosts: 0, pools: 0, imageStores: 0, systemVms: 0, volumes: 0 });
    }, 300000);
});
