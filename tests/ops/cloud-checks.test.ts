/**
 * The cloud half of `verify`, and the system VM recreation the template and
 * certificate repairs use, against the CloudStack 4.19 stand-in
 * (tests/standin): a zone built by the zone providers, then broken the way
 * clouds break — template gone, SSVM stopped, a host disconnected, primary
 * storage in maintenance, keys revoked, the server down — and each time the
 * check that fails and the fix it names.
 */
import { buildContext, OpsContext } from "../../ops/context";
import { runCloudChecks } from "../../ops/checks/cloudChecks";
import { CheckResult } from "../../ops/checks/types";
import { recreateSystemVms } from "../../ops/systemVms";
import { startStandIn, StandIn } from "../standin";
import { addSystemTemplate } from "../standin/commands/systemvms";
import { adminConnection, buildZoneWithProviders } from "../standin/testKit";
import { REPO } from "../support/stackConfig";
import { seedSettings } from "../unit/steps-fixture";

jest.setTimeout(60_000);

let standIn: StandIn;
let ctx: OpsContext;
let zoneId: string;

const byCheck = (results: CheckResult[], check: string) => results.filter((r) => r.check === check);
const failures = (results: CheckResult[]) => results.filter((r) => r.status === "fail").map((r) => r.check);

async function waitUntil(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
    }
}

let readyZone: string;

// One zone for the file; each test starts from a copy of its ready state, put back in place (the server holds the object).
beforeAll(async () => {
    standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 50, systemVmBootMs: 100, templateReadyMs: 50, scanIntervalMs: 20 });
    const settings = seedSettings();
    const api = adminConnection(standIn);
    const created = await buildZoneWithProviders(api, settings.zone);
    zoneId = created.find((c) => c.label === "zone")!.id;
    ctx = await buildContext(settings, { projectDir: REPO, api, zoneId });
    readyZone = JSON.stringify(standIn.data);
});
beforeEach(() => {
    Object.assign(standIn.data, JSON.parse(readyZone));
});
afterAll(async () => standIn.close());

test("a ready zone passes every cloud check, each named as verify prints it", async () => {
    const results = await runCloudChecks(ctx);
    expect(results.map((r) => [r.check, r.status])).toEqual([
        ["api-answers", "pass"],
        ["zone-enabled", "pass"],
        ["hosts-up", "pass"],
        ["primary-storage-up", "pass"],
        ["secondary-storage", "pass"],
        ["systemvm-template", "pass"],
        ["ssvm-running", "pass"],
        ["cpvm-running", "pass"],
    ]);
    expect(results[0].detail).toBe("answers with the stack's keys (CloudStack 4.19.3.0)");
});

test("the SystemVM template removed: verify names the template repair; a stopped SSVM then stays down and points there too", async () => {
    standIn.data.templates = standIn.data.templates.filter((t) => t.zoneId !== zoneId);
    let results = await runCloudChecks(ctx);
    expect(failures(results)).toEqual(["systemvm-template"]);
    expect(byCheck(results, "systemvm-template")[0]).toMatchObject({
        detail: "not registered in the zone",
        fix: "npm run ops -- repair systemvm-template --stack dev (re-seeds the template on secondary storage and recreates the SSVM and CPVM)",
    });
    // Without a template CloudStack cannot start system VMs again.
    standIn.data.systemVms.find((vm) => vm.systemvmtype === "secondarystoragevm")!.state = "Stopped";
    results = await runCloudChecks(ctx);
    expect(failures(results)).toEqual(["systemvm-template", "ssvm-running"]);
    expect(byCheck(results, "ssvm-running")[0].fix).toContain("npm run ops -- repair systemvm-template --stack dev");
});

test("two SystemVM templates (seeded, and registered by the package): the Ready one counts, whichever is listed first", async () => {
    const seeded = standIn.data.templates.find((t) => t.zoneId === zoneId)!;
    standIn.data.templates = [];
    addSystemTemplate(standIn.data, zoneId, Date.now() + 3_600_000, "0a6b1c2d-0000-4000-8000-000000000419", "systemvm-kvm-4.19.3");
    standIn.data.templates.push(seeded);
    let results = await runCloudChecks(ctx);
    expect(failures(results)).toEqual([]);
    expect(byCheck(results, "systemvm-template")[0].detail).toBe("SystemVM Template (KVM): Download Complete");
    // Only the package's, still downloading: not ready, and the detail says which and how far.
    standIn.data.templates = standIn.data.templates.filter((t) => t !== seeded);
    results = await runCloudChecks(ctx);
    expect(failures(results)).toEqual(["systemvm-template"]);
    expect(byCheck(results, "systemvm-template")[0].detail).toBe("systemvm-kvm-4.19.3: 45% Downloaded");
    expect(standIn.ignored).toEqual([]);
});

test("a disconnected host names the KVM node to repair; primary storage in maintenance is caught", async () => {
    standIn.data.hosts.find((h) => h.type === "Routing")!.state = "Disconnected";
    standIn.data.pools[0].state = "Maintenance";
    const results = await runCloudChecks(ctx);
    expect(failures(results)).toEqual(["hosts-up", "primary-storage-up"]);
    expect(byCheck(results, "hosts-up")[0]).toMatchObject({
        where: expect.stringContaining("(10.15.0.117)"),
        detail: "Disconnected, Enabled",
        fix: "npm run ops -- repair kvm-host --stack dev --node kvm-host-01",
    });
    expect(byCheck(results, "primary-storage-up")[0].detail).toBe("Maintenance");
});

test("revoked keys: the API check fails with the key fix and the zone checks are skipped, not guessed", async () => {
    const revoked = await buildContext(seedSettings(), { projectDir: REPO, api: { ...ctx.api!, secretKey: "not-the-secret-key" }, zoneId });
    const results = await runCloudChecks(revoked);
    expect(results[0]).toMatchObject({ check: "api-answers", status: "fail", fix: expect.stringContaining("the API refuses the stack's keys") });
    expect(results[0].detail).toContain("error 401");
    expect(results.slice(1).every((r) => r.status === "skip" && r.detail === "the API did not answer")).toBe(true);
    expect(results.map((r) => r.detail).join(" ")).not.toContain("not-the-secret-key");
});

test("a management server that does not answer points at its service checks", async () => {
    const gone = await startStandIn();
    await gone.close();
    const down = await buildContext(seedSettings(), { projectDir: REPO, api: { ...ctx.api!, apiUrl: gone.url }, zoneId });
    const results = await runCloudChecks(down);
    expect(results[0]).toMatchObject({ check: "api-answers", status: "fail", fix: expect.stringContaining("see management-service and management-api") });
    expect(results[0].detail).toContain("ECONNREFUSED");
});

test("recreating the system VMs destroys the SSVM and CPVM and waits for new ones Running", async () => {
    const before = standIn.data.systemVms.filter((vm) => !vm.removed).map((vm) => vm.id);
    expect(before).toHaveLength(2);
    const log: string[] = [];
    await recreateSystemVms(ctx, ["secondarystoragevm", "consoleproxy"], 30, (line) => log.push(line));
    const live = standIn.data.systemVms.filter((vm) => !vm.removed);
    expect(live.map((vm) => vm.state)).toEqual(["Running", "Running"]);
    expect(live.some((vm) => before.includes(vm.id))).toBe(false);
    expect(standIn.calls.filter((c) => c.command === "destroySystemVm").map((c) => c.params.id).sort()).toEqual([...before].sort());
    expect(log.at(-1)).toBe("secondarystoragevm and consoleproxy Running again");
});

test("recreation gives up with the state it saw when CloudStack cannot start new system VMs", async () => {
    standIn.data.templates = [];
    await expect(recreateSystemVms(ctx, ["secondarystoragevm"], 1, () => undefined)).rejects.toThrow(
        "new secondarystoragevm Running in zone TEST: still secondarystoragevm: not created yet after 1 s",
    );
    await waitUntil("the destroyed SSVM to be gone", () => standIn.data.systemVms.filter((vm) => !vm.removed).length === 1);
});
