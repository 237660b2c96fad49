/**
 * The REAL program (the repository's index.ts) in a zone-only stack: a config
 * with only `cloudstack:zone` (the dev example's zone section plus `apiUrl`)
 * and the admin keys as secrets, run by the Pulumi engine against the
 * CloudStack stand-in. `up` builds the zone with no refused call, no failed
 * job and no unknown or ignored parameter; a second preview changes nothing;
 * `destroy` leaves nothing.
 */
import { startStandIn, StandIn } from "../standin";
import { adminConnection, mutatingCommands, rejected } from "../standin/testKit";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { clone, readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

describeEngine("zone-only stack of the real program", () => {
    let standIn: StandIn;
    let project: TestProject;

    beforeAll(async () => {
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 300, systemVmBootMs: 500, templateReadyMs: 200 });
        const keys = adminConnection(standIn);
        // A zone-only stack has no nodes for zone hosts to name.
        const zone = clone(readStackFile("dev").zone) as { hosts: { node?: string }[] };
        for (const host of zone.hosts) delete host.node;
        project = await createTestProject({
            stackName: "zoneonly",
            config: { "cloudstack:zone": { ...zone, apiUrl: standIn.url } },
            secrets: { "cloudstack:apiKey": keys.apiKey, "cloudstack:secretKey": keys.secretKey },
        });
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await standIn?.close();
    });

    test("up builds the zone with no refused call, failed job, unknown or ignored parameter", async () => {
        const up = await project.stack.up();
        expect(up.summary.result).toBe("succeeded");
        expect(rejected(standIn)).toEqual([]);
        expect(standIn.inventory()).toEqual({ zones: 1, physicalNetworks: 1, pods: 1, vlans: 1, clusters: 1, hosts: 3, pools: 1, imageStores: 1, systemVms: 2, volumes: 2 });
        expect(standIn.data.zones[0]).toMatchObject({ name: "TEST", allocationstate: "Enabled" });
    }, 300000);

    test("a second preview has no changes and calls nothing that changes CloudStack", async () => {
        const since = standIn.calls.length;
        const preview = await project.stack.preview({ expectNoChanges: true });
        expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
        expect(mutatingCommands(standIn, since)).toEqual([]);
    }, 300000);

    test("destroy leaves nothing, again with no refused call", async () => {
        const destroy = await project.stack.destroy();
        expect(destroy.summary.result).toBe("succeeded");
        expect(Object.values(standIn.inventory()).every((n) => n === 0)).toBe(true);
        expect(rejected(standIn)).toEqual([]);
    }, 300000);
});
