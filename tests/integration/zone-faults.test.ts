/**
 * Zone-side faults through the real Pulumi engine against the CloudStack
 * stand-in (issue 12, reliability):
 *
 * - `destroy` after an `up` that failed at the zone-enable step: the zone was
 *   enabled, CloudStack started its system VMs (with ROOT volumes on the
 *   primary storage), but the enablement resource failed and is not in the
 *   state. Destroy still removes everything, system VMs and volumes included.
 * - The management server restarted in the middle of the zone build (the API
 *   unreachable for 30 s), and creates whose answers were lost: the build
 *   converges with every create received once, nothing twice.
 * - Every other change of the build (settings, traffic types, providers, the
 *   network's and the zone's state) and of the destroy (maintenance, system
 *   VMs, deletes) carried out with its answer lost — some while their job
 *   still runs: each is received once, the build converges and the destroy
 *   leaves nothing.
 */
import * as path from "path";
import { startStandIn, StandIn } from "../standin";
import { callsTo, mutatingCommands } from "../standin/testKit";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { check, readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const ADMIN_PASSWORD = "Zone-faults-admin-Pw1";
const EMPTY = { zones: 0, physicalNetworks: 0, pods: 0, vlans: 0, clusters: 0, hosts: 0, pools: 0, imageStores: 0, systemVms: 0, volumes: 0 };

async function zoneProject(standIn: StandIn, stackName: string, zone: object): Promise<TestProject> {
    return createTestProject({
        stackName,
        programDir: path.join(__dirname, "zone-program"),
        config: { "test:zone": JSON.stringify(zone), "test:apiUrl": standIn.url, "test:managementAddress": "10.15.0.116" },
        secrets: { "test:adminPassword": ADMIN_PASSWORD },
    });
}

/** What destroy must leave: nothing of the zone, and no IP range, network or volume of any kind. */
function leftOver(standIn: StandIn) {
    const liveRows = (rows: { removed?: string }[]) => rows.filter((r) => !r.removed).length;
    return { ...standIn.inventory(), trafficTypes: liveRows(standIn.data.trafficTypes), providers: liveRows(standIn.data.providers) };
}

describeEngine("destroy after an up that failed at the zone-enable step", () => {
    let standIn: StandIn;
    let project: TestProject;

    beforeAll(async () => {
        // System VMs that never finish booting: the zone is enabled and CloudStack deploys them, but it never becomes ready.
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 200, systemVmBootMs: 24 * 3600_000, templateReadyMs: 100 });
        const zone = { ...check(readStackFile("dev")).settings.zone, readyTimeoutSeconds: 3 };
        project = await zoneProject(standIn, "failedenable", zone);
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await standIn?.close();
    });

    test("the up fails at the zone-enable step with the system VMs deployed", async () => {
        await expect(project.stack.up()).rejects.toThrow(/not ready after 3 s/);
        expect(standIn.data.zones[0].allocationstate).toBe("Enabled");
        const inventory = standIn.inventory();
        expect([inventory.systemVms, inventory.volumes]).toEqual([2, 2]);
        const state = await project.stack.exportStack();
        const types = (state.deployment.resources ?? []).map((r: { type: string }) => r.type);
        expect(types.some((t: string) => /ZoneEnablement/.test(t))).toBe(false);
        expect(types.some((t: string) => /PrimaryStorage/.test(t))).toBe(true);
    }, 300000);

    test("destroy removes everything, CloudStack's own system VMs and their volumes included", async () => {
        const destroy = await project.stack.destroy();
        expect(destroy.summary.result).toBe("succeeded");
        expect(leftOver(standIn)).toEqual({ ...EMPTY, trafficTypes: 0, providers: 0 });
        expect(standIn.data.volumes.every((v) => v.state === "Expunged")).toBe(true);
    }, 300000);
});

/** The zone's creates, each made by one call per object in the seed's zone. */
const CREATES = ["createZone", "createPhysicalNetwork", "createPod", "createVlanIpRange", "addCluster", "addHost", "createStoragePool", "addImageStore"];

/** The build's other changes and how often each is made (four traffic types, three providers, two of them VirtualRouter elements). */
const BUILD_CHANGES: Record<string, number> = {
    updateConfiguration: 1,
    addTrafficType: 4,
    configureInternalLoadBalancerElement: 1,
    configureVirtualRouterElement: 2,
    updateNetworkServiceProvider: 3,
    updatePhysicalNetwork: 1,
    updateZone: 1,
};

/** The destroy's changes: the setting put back, the zone disabled, its system VMs, maintenance, every delete. */
const DESTROY_CHANGES: Record<string, number> = {
    updateConfiguration: 1,
    updateZone: 1,
    destroySystemVm: 2,
    deleteImageStore: 1,
    enableStorageMaintenance: 1,
    deleteStoragePool: 1,
    prepareHostForMaintenance: 1,
    deleteHost: 1,
    deleteCluster: 1,
    deleteVlanIpRange: 1,
    deletePod: 1,
    deletePhysicalNetwork: 1,
    deleteZone: 1,
};

/** Async commands whose jobs outlast the lost answer: the client finds the job still running (listAsyncJobs). */
const SLOW_JOBS = ["addTrafficType", "updatePhysicalNetwork", "destroySystemVm", "deletePhysicalNetwork"];

/** Each command's answer lost after it was carried out, as often as it is sent. */
function loseAnswers(standIn: StandIn, changes: Record<string, number>): void {
    for (const [command, times] of Object.entries(changes)) standIn.inject({ kind: "drop", when: "after", command, times });
}

/** How often each of the commands was received since `since`. */
function received(standIn: StandIn, commands: string[], since: number): Record<string, number> {
    return Object.fromEntries(commands.map((command) => [command, callsTo(standIn, command).filter((c) => standIn.calls.indexOf(c) >= since).length]));
}

describeEngine("the zone build through a management server restart and lost answers", () => {
    let standIn: StandIn;
    let project: TestProject;

    beforeAll(async () => {
        const jobLatencyMs = (command: string) => (SLOW_JOBS.includes(command) ? 1000 : 20);
        standIn = await startStandIn({ jobLatencyMs, hostConnectMs: 200, systemVmBootMs: 300, templateReadyMs: 100 });
        project = await zoneProject(standIn, "faults", check(readStackFile("dev")).settings.zone);
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await standIn?.close();
    });

    test("up converges: each object created and each change made by one call, none twice, none missing", async () => {
        // The server makes the pod, then goes away for 30 s without answering.
        standIn.inject({ kind: "outage", command: "createPod", ms: 30_000 });
        // These are carried out, and their answers lost.
        for (const command of ["createZone", "createPhysicalNetwork", "createVlanIpRange", "addCluster", "addHost", "createStoragePool", "addImageStore"]) {
            standIn.inject({ kind: "drop", when: "after", command });
        }
        // Every other change too.
        loseAnswers(standIn, BUILD_CHANGES);
        // Job polls whose answers are lost.
        standIn.inject({ kind: "drop", when: "after", command: "queryAsyncJobResult", times: 2 });
        const up = await project.stack.up();
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.ready.value).toBe(true);
        expect(standIn.inventory()).toEqual({ zones: 1, physicalNetworks: 1, pods: 1, vlans: 1, clusters: 1, hosts: 3, pools: 1, imageStores: 1, systemVms: 2, volumes: 2 });
        // Every fault was met.
        expect(standIn.pendingFaults()).toEqual([]);
        for (const command of CREATES) expect([command, callsTo(standIn, command).length]).toEqual([command, 1]);
        expect(received(standIn, Object.keys(BUILD_CHANGES), 0)).toEqual(BUILD_CHANGES);
    }, 300000);

    test("the next up changes nothing: the adopted objects are in the state", async () => {
        const since = standIn.calls.length;
        const up = await project.stack.up();
        expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
        expect(mutatingCommands(standIn, since)).toEqual([]);
    }, 300000);

    test("destroy with every answer lost leaves nothing, each change received once", async () => {
        const since = standIn.calls.length;
        loseAnswers(standIn, DESTROY_CHANGES);
        const destroy = await project.stack.destroy();
        expect(destroy.summary.result).toBe("succeeded");
        expect(leftOver(standIn)).toEqual({ ...EMPTY, trafficTypes: 0, providers: 0 });
        expect(standIn.pendingFaults()).toEqual([]);
        expect(received(standIn, Object.keys(DESTROY_CHANGES), since)).toEqual(DESTROY_CHANGES);
    }, 300000);
});
