/**
 * The seed's zone (Pulumi.dev.yaml) built with the providers in the order the
 * Zone component gives the engine: enabling waits for readiness, a zone that
 * cannot get ready says why, and deleting in reverse order — enablement first,
 * which disables the zone and clears its system VMs — leaves nothing.
 */
import { provider as enablementProvider } from "../../providers/cloudstack/objects/zoneEnablement";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, buildZoneWithProviders, destroyCreated, mutatingCommands } from "../standin/testKit";
import { check, readStackFile } from "../support/stackConfig";

const seedZone = () => check(readStackFile("dev")).settings.zone;

describe("the seed's zone through the providers", () => {
    let standIn: StandIn;
    beforeEach(async () => (standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 100, systemVmBootMs: 200, templateReadyMs: 100, scanIntervalMs: 20 })));
    afterEach(() => standIn.close());

    test("built, enabled and ready; destroyed in reverse order to nothing", async () => {
        const created = await buildZoneWithProviders(adminConnection(standIn), seedZone());
        const enablement = created[created.length - 1].outs;
        expect(enablement.ready).toBe(true);
        expect(enablement.checks.map((c: { item: string }) => c.item)).toEqual([
            "zone TEST",
            "host kvm-10-15-0-117 (10.15.0.117)",
            "primary storage banana-primary",
            "secondary storage",
            "SystemVM template",
            "SSVM",
            "CPVM",
        ]);
        expect(standIn.inventory()).toEqual({ zones: 1, physicalNetworks: 1, pods: 1, vlans: 1, clusters: 1, hosts: 3, pools: 1, imageStores: 1, systemVms: 2, volumes: 2 });
        expect(standIn.warnings).toEqual([]);
        expect(standIn.ignored).toEqual([]);

        const since = standIn.calls.length;
        await destroyCreated(created);
        expect(Object.values(standIn.inventory()).every((n) => n === 0)).toBe(true);
        const order = mutatingCommands(standIn, since).filter((c) => !["enableStorageMaintenance", "prepareHostForMaintenance"].includes(c));
        expect(order.slice(0, 3)).toEqual(["updateZone", "destroySystemVm", "destroySystemVm"]);
        expect(order.slice(3)).toEqual(["deleteImageStore", "deleteStoragePool", "deleteHost", "deleteCluster", "deleteVlanIpRange", "deletePod", "deletePhysicalNetwork", "deleteZone"]);
    }, 60000);

    test("a zone that cannot get ready says what is missing when its deadline passes", async () => {
        const zone = { ...seedZone(), secondaryStorages: [], readyTimeoutSeconds: 3 };
        const err = await buildZoneWithProviders(adminConnection(standIn), zone).catch((e) => e);
        expect(err.message).toMatch(/^zone TEST is enabled but not ready after 3 s — secondary storage: none in the zone; SystemVM template: not registered in the zone; SSVM: not created yet; CPVM: not created yet$/);
    }, 60000);

    test("refresh sees a zone disabled behind our back; the next update enables it again", async () => {
        const created = await buildZoneWithProviders(adminConnection(standIn), seedZone());
        const item = created[created.length - 1];
        standIn.data.zones[0].allocationstate = "Disabled";
        const read = await enablementProvider.read(item.id, item.outs);
        expect(read.props).toMatchObject({ allocationState: "Disabled", ready: false });
        const diff = await enablementProvider.diff(item.id, read.props as never, item.outs);
        expect(diff.changes).toBe(true);
        const { outs } = await enablementProvider.update(item.id, read.props as never, item.outs);
        expect(outs).toMatchObject({ allocationState: "Enabled", ready: true });
        expect(standIn.data.zones[0].allocationstate).toBe("Enabled");
    }, 60000);
});
