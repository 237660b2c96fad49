/**
 * The upgrade's API steps (ops/upgrade/upgradeProvider.ts) against the
 * CloudStack stand-in on the seed's zone: the template registered the
 * documented way when it is not, Ready in every zone before the step ends,
 * nothing registered twice; system VMs recreated from the new template and
 * not again on a rerun; a host that does not come back at the new version
 * stops the rollout naming it. And the stand-in's registerTemplate rules
 * from RegisterTemplateCmd.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { upgradeStepProvider, UpgradeStepInputs } from "../../ops/upgrade/upgradeProvider";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, buildZoneWithProviders, callsTo } from "../standin/testKit";
import { check, readStackFile } from "../support/stackConfig";

const seedZone = () => check(readStackFile("dev")).settings.zone;
const TEMPLATE = { name: "systemvm-kvm-4.20.1-x86_64", url: "http://10.15.0.1/systemvm/systemvmtemplate-4.20.1-x86_64-kvm.qcow2.bz2" };

describe("the upgrade's API steps against the stand-in", () => {
    let standIn: StandIn;
    let api: CloudStackClient;
    let zoneId: string;
    const inputs = (action: UpgradeStepInputs["action"], extra: Partial<UpgradeStepInputs> = {}): UpgradeStepInputs => ({
        action,
        from: "4.19.3.0",
        to: "4.20.1.0",
        api: adminConnection(standIn),
        zoneId,
        zoneName: "TEST",
        template: TEMPLATE,
        timeoutSeconds: 20,
        ...extra,
    });

    beforeEach(async () => {
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 100, systemVmBootMs: 200, templateReadyMs: 300, scanIntervalMs: 20 });
        const c = adminConnection(standIn);
        api = new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
        await buildZoneWithProviders(c, seedZone());
        zoneId = standIn.data.zones[0].id;
    }, 60000);
    afterEach(() => standIn.close());

    test("registerTemplate: zoneid or zoneids, -1 alone for every zone; the copy is listed at once and Ready once downloaded", async () => {
        const neither = await api.request("registerTemplate", { name: "t", url: TEMPLATE.url, format: "QCOW2", hypervisor: "KVM" }).catch((e) => e as CloudStackError);
        expect([neither.code, neither.errortext]).toEqual([431, "Either zoneid or zoneids is required. Both cannot be null."]);
        const mixed = await api.request("registerTemplate", { name: "t", url: TEMPLATE.url, format: "QCOW2", hypervisor: "KVM", zoneids: `-1,${zoneId}` }).catch((e) => e as CloudStackError);
        expect([mixed.code, mixed.errortext]).toEqual([431, "Parameter zoneids cannot combine all zones (-1) option with other zones"]);
        await api.request("registerTemplate", { name: "t", url: TEMPLATE.url, format: "QCOW2", hypervisor: "KVM", zoneid: "-1" });
        const listed = await api.list<{ name: string; templatetype: string; isready: boolean }>("listTemplates", { templatefilter: "all", name: "t" });
        expect(listed.map((t) => [t.name, t.templatetype, t.isready])).toEqual([["t", "USER", false]]);
    });

    test("register-template registers the target's template once; template-ready waits until it is Ready in every zone", async () => {
        const first = await upgradeStepProvider.create(inputs("register-template"));
        expect(first.outs.result).toBe(`registered ${TEMPLATE.name} from ${TEMPLATE.url}`);
        const again = await upgradeStepProvider.create(inputs("register-template"));
        expect(again.outs.result).toBe(`${TEMPLATE.name} was registered already`);
        expect(callsTo(standIn, "registerTemplate")).toHaveLength(1);
        const params = callsTo(standIn, "registerTemplate")[0].params;
        expect(params).toMatchObject({ name: TEMPLATE.name, url: TEMPLATE.url, zoneid: "-1", hypervisor: "KVM", format: "QCOW2", isextractable: "false", ispublic: "false", isfeatured: "false", isrouting: "false" }); // passwordenabled: the stand-in masks parameters named like passwords in its record
        expect(params.ostypeid).toBe("a1d2c3e4-0000-4000-8000-000000000336"); // Debian 12, the highest Debian
        const ready = await upgradeStepProvider.create(inputs("template-ready"));
        expect(ready.outs.result).toBe(`${TEMPLATE.name} Ready in 1 zone(s)`);
        const copies = await api.list<{ isready: boolean }>("listTemplates", { templatefilter: "all", name: TEMPLATE.name });
        expect(copies.map((c) => c.isready)).toEqual([true]);
    }, 60000);

    test("template-ready registers the template the documented way when the upgrade left none", async () => {
        const ready = await upgradeStepProvider.create(inputs("template-ready"));
        expect(ready.outs.result).toBe(`${TEMPLATE.name} Ready in 1 zone(s) (registered by this update from ${TEMPLATE.url})`);
        expect(callsTo(standIn, "registerTemplate")).toHaveLength(1);
    }, 60000);

    test("system-vms recreates the SSVM and CPVM from the newest SYSTEM template, and leaves them on a rerun", async () => {
        // The schema upgrade made the registered template SYSTEM (SystemVmTemplateRegistration.java@4.19.3.0:903-907).
        await upgradeStepProvider.create(inputs("register-template"));
        for (const t of standIn.data.templates.filter((t) => t.name === TEMPLATE.name)) t.type = "SYSTEM";
        await upgradeStepProvider.create(inputs("template-ready"));
        const newId = standIn.data.templates.find((t) => t.name === TEMPLATE.name)!.templateId;
        const done = await upgradeStepProvider.create(inputs("system-vms"));
        expect(done.outs.result).toBe("recreated secondarystoragevm and consoleproxy; virtual routers to restart: none");
        const vms = await api.list<{ templateid: string; state: string }>("listSystemVms", { zoneid: zoneId });
        expect(vms.map((vm) => [vm.templateid, vm.state])).toEqual([
            [newId, "Running"],
            [newId, "Running"],
        ]);
        const destroyed = callsTo(standIn, "destroySystemVm").length;
        const rerun = await upgradeStepProvider.create(inputs("system-vms"));
        expect(rerun.outs.result).toBe("system VMs already on the new template; virtual routers to restart: none");
        expect(callsTo(standIn, "destroySystemVm")).toHaveLength(destroyed);
    }, 60000);

    test("host-up passes once the host is Up at the target version, and stops the rollout naming the host otherwise", async () => {
        const routing = standIn.data.hosts.find((h) => h.type === "Routing")!;
        const host = { name: "N12", ip: routing.ipaddress, node: "kvm-host-01", connection: { host: "127.0.0.1", port: 1, user: "root" } };
        // The agent still reports 4.19.3.0: not back at the target.
        const stuck = (await upgradeStepProvider.create(inputs("host-up", { host, timeoutSeconds: 2 })).catch((e) => e)) as Error;
        expect(stuck.message).toMatch(/^the agent rollout to 4\.20\.1\.0 stopped at host N12 \(node kvm-host-01, 10\.15\.0\.117\): .*Up, agent 4\.19\.3\.0.*Hosts after it were not touched\. Agent log of kvm-host-01:/s);
        routing.version = "4.20.1.0";
        const up = await upgradeStepProvider.create(inputs("host-up", { host }));
        expect(up.outs.result).toBe("host N12 is Up with agent 4.20.1.0");
    }, 60000);
});
