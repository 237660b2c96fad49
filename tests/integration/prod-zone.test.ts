/**
 * The prod example's zone (the zone section of Pulumi.prod.yaml, read from the
 * file) built through the Pulumi engine against the CloudStack stand-in: every
 * pod, cluster, host, primary storage and public range ends up where the
 * config puts it, with no refused call, failed job, unknown or ignored
 * parameter; destroy leaves nothing.
 */
import * as path from "path";
import { startStandIn, StandIn } from "../standin";
import { rejected } from "../standin/testKit";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { check, readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const ADMIN_PASSWORD = "Prod-zone-test-admin-Pw1";

describeEngine("the prod example's zone through the engine", () => {
    let standIn: StandIn;
    let project: TestProject;
    const zone = check(readStackFile("prod")).settings.zone;

    beforeAll(async () => {
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 300, systemVmBootMs: 500, templateReadyMs: 200 });
        project = await createTestProject({
            stackName: "prodzone",
            programDir: path.join(__dirname, "zone-program"),
            config: { "test:zone": JSON.stringify(zone), "test:apiUrl": standIn.url, "test:managementAddress": "10.30.0.10" },
            secrets: { "test:adminPassword": ADMIN_PASSWORD },
        });
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await standIn?.close();
    });

    test("up puts each pod, cluster, host, pool and public range where the config says", async () => {
        const up = await project.stack.up();
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.ready.value).toBe(true);
        // The key bootstrap tries the new admin password before the fresh install's: that one login is refused by design.
        expect(rejected(standIn)).toEqual(["login answered 531"]);

        const { data } = standIn;
        const live = <T extends { removed?: string }>(rows: T[]) => rows.filter((r) => !r.removed);
        const [zoneRow] = live(data.zones);
        expect(zoneRow).toMatchObject({ name: zone.name, guestcidraddress: zone.guestCidr, allocationstate: "Enabled" });
        expect(data.zoneConfigurations[zoneRow.id]).toEqual({ "vr.private.interface.max.mtu": String(zone.guestMtu) });

        const podId = new Map(live(data.pods).map((p) => [p.name, p.id]));
        expect(live(data.pods).map((p) => ({ name: p.name, gateway: p.gateway, netmask: p.netmask, ranges: p.ranges })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
            zone.pods.map((p) => ({ name: p.name, gateway: p.gateway, netmask: p.netmask, ranges: [{ startip: p.startIp, endip: p.endIp }] })).sort((a, b) => a.name.localeCompare(b.name)),
        );
        const clusterId = new Map(live(data.clusters).map((c) => [c.name, c.id]));
        expect(live(data.clusters).map((c) => [c.name, c.podId]).sort()).toEqual(zone.clusters.map((c) => [c.name, podId.get(c.pod)]).sort());

        const routing = live(data.hosts).filter((h) => h.type === "Routing");
        expect(routing.map((h) => [h.ipaddress, h.podId, h.clusterId, h.state]).sort()).toEqual(
            zone.hosts.map((h) => [h.ip, podId.get(h.pod), clusterId.get(h.cluster), "Up"]).sort(),
        );
        expect(live(data.pools).map((p) => [p.name, p.scope, p.podId, p.clusterId, p.ipaddress, p.path, p.state]).sort()).toEqual(
            zone.primaryStorages
                .map((s) => [s.name, s.scope === "cluster" ? "CLUSTER" : "ZONE", s.pod && podId.get(s.pod), s.cluster && clusterId.get(s.cluster), s.server, s.path, "Up"])
                .sort(),
        );
        expect(live(data.imageStores).map((s) => s.url).sort()).toEqual(zone.secondaryStorages.map((s) => `nfs://${s.server}${s.path}`).sort());
        expect(live(data.vlans).map((v) => [v.startip, v.endip, v.gateway, v.netmask]).sort()).toEqual(
            zone.publicIpRanges.map((r) => [r.startIp, r.endIp, r.gateway, r.netmask]).sort(),
        );
    }, 600000);

    test("destroy leaves nothing", async () => {
        const destroy = await project.stack.destroy();
        expect(destroy.summary.result).toBe("succeeded");
        expect(Object.values(standIn.inventory()).every((n) => n === 0)).toBe(true);
        expect(rejected(standIn)).toEqual(["login answered 531"]);
    }, 600000);
});
