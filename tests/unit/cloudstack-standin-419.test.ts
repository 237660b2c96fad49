/**
 * Stand-in rules read from the 4.19.3.0 source (each cited next to its rule in
 * tests/standin): the TemplateFilter enum and SYSTEM templates, BaseListCmd
 * paging, updateConfiguration's type and scope checks, pod subnets and the
 * zone's guest CIDR, enabling an incomplete zone, pods of another zone,
 * listAsyncJobs, and the record of parameters accepted but ignored.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { encodeParams, signParams } from "../../providers/cloudstack/signing";
import { startStandIn, StandIn } from "../standin";
import { addSystemTemplate } from "../standin/commands/systemvms";
import { adminConnection } from "../standin/testKit";

const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e) => e as CloudStackError);
const ZONE = { name: "Z", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" };
const POD = { name: "rack-a", gateway: "10.15.0.1", netmask: "255.255.255.0", startip: "10.15.0.160", endip: "10.15.0.170" };

describe("stand-in rules from the 4.19.3.0 source", () => {
    let standIn: StandIn;
    let api: CloudStackClient;
    let zone: string;

    /** The answer as it is on the wire (the client pages; these tests look at one page). */
    async function raw(params: Record<string, string>): Promise<{ status: number; body: Record<string, Record<string, unknown>> }> {
        const c = adminConnection(standIn);
        const signed = signParams({ ...params, response: "json" }, c.apiKey, c.secretKey);
        const response = await fetch(`${standIn.url}?${encodeParams(signed)}`);
        return { status: response.status, body: (await response.json()) as Record<string, Record<string, unknown>> };
    }

    beforeEach(async () => {
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 50, systemVmBootMs: 100, templateReadyMs: 50, scanIntervalMs: 20 });
        const c = adminConnection(standIn);
        api = new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
        zone = ((await api.request("createZone", ZONE)).zone as { id: string }).id;
    });
    afterEach(() => standIn.close());

    test("listTemplates: a filter outside TemplateFilter is 431 with Java's enum text; the admin sees SYSTEM templates with 'all'", async () => {
        const refused = await failure(api.list("listTemplates", { templatefilter: "system", zoneid: zone }));
        expect([refused?.code, refused?.errortext]).toEqual([431, "No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.system"]);
        const pod = ((await api.request("createPod", { zoneid: zone, ...POD })).pod as { id: string }).id;
        await api.list("addCluster", { zoneid: zone, podid: pod, clustername: "c", hypervisor: "KVM", clustertype: "CloudManaged" });
        addSystemTemplate(standIn.data, zone, Date.now());
        addSystemTemplate(standIn.data, zone, null, "0a6b1c2d-0000-4000-8000-000000000419", "systemvm-kvm-4.19.3");
        const all = await api.list<{ name: string; isready: boolean }>("listTemplates", { templatefilter: "all", templatetype: "SYSTEM", hypervisor: "KVM", zoneid: zone });
        expect(all.map((t) => [t.name, t.isready])).toEqual([
            ["SystemVM Template (KVM)", true],
            ["systemvm-kvm-4.19.3", false],
        ]);
        expect(await api.list("listTemplates", { templatefilter: "featured", zoneid: zone })).toEqual([]);
        expect(await api.list("listTemplates", { templatefilter: "all", hypervisor: "XenServer", zoneid: zone })).toEqual([]);
        expect(standIn.ignored).toEqual([]);
    });

    test("list paging: 500 per page by default, count is the total, page and pagesize go together, at most default.page.size", async () => {
        for (let i = 0; i < 502; i++) standIn.data.zones.push({ ...standIn.data.zones[0], id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, name: `bulk-${i}` });
        const first = await raw({ command: "listZones" });
        expect(first.body.listzonesresponse.count).toBe(503);
        expect((first.body.listzonesresponse.zone as unknown[]).length).toBe(500);
        const second = await raw({ command: "listZones", page: "2", pagesize: "500" });
        expect((second.body.listzonesresponse.zone as unknown[]).length).toBe(3);
        const past = await raw({ command: "listZones", page: "3", pagesize: "500" });
        expect(past.body.listzonesresponse).toEqual({ count: 503 });
        const noPage = await raw({ command: "listZones", pagesize: "10" });
        expect([noPage.status, noPage.body.listzonesresponse.errortext, noPage.body.listzonesresponse.cserrorcode]).toEqual([431, '"page" parameter is required when "pagesize" is specified', 9999]);
        const noSize = await raw({ command: "listZones", page: "1" });
        expect([noSize.status, noSize.body.listzonesresponse.errortext]).toEqual([431, '"pagesize" parameter is required when "page" is specified']);
        const tooBig = await raw({ command: "listZones", page: "1", pagesize: "501" });
        expect([tooBig.status, tooBig.body.listzonesresponse.errortext]).toEqual([431, "Page size can't exceed max allowed page size value: 500"]);
        const notNumber = await raw({ command: "listZones", page: "one", pagesize: "5" });
        expect([notNumber.status, notNumber.body.listzonesresponse.errortext]).toEqual([431, "Unable to execute API command listzones due to invalid value one for parameter page"]);
        // The client pages through all of them.
        expect((await api.list("listZones")).length).toBe(503);
    });

    test("updateConfiguration: unknown names, types, scopes and one scope id, with the server's texts; zone values show in listZones", async () => {
        const text = async (params: Record<string, string>) => (await failure(api.request("updateConfiguration", params)))?.errortext;
        expect(await text({ name: "no.such.setting", value: "1" })).toBe("Config parameter with name no.such.setting doesn't exist");
        expect(await text({ name: "vr.private.interface.max.mtu", value: "1450x", zoneid: zone })).toBe(
            "There was error in trying to parse value: 1450x. Please enter a valid integer value for parameter vr.private.interface.max.mtu",
        );
        expect(await text({ name: "prometheus.exporter.enable", value: "yes" })).toBe("Please enter either 'true' or 'false'.");
        expect(await text({ name: "incorrect.login.attempts.allowed", value: "0" })).toBe("Please enter a positive value for the configuration parameter:incorrect.login.attempts.allowed");
        expect(await text({ name: "host", value: "10.0.0.1", zoneid: zone })).toBe("Invalid scope id provided for the parameter host");
        expect(await text({ name: "vr.private.interface.max.mtu", value: "1450", zoneid: zone, clusterid: zone })).toBe("cannot handle multiple IDs, provide only one ID corresponding to the scope");
        await api.request("updateConfiguration", { name: "vr.private.interface.max.mtu", value: "1450", zoneid: zone });
        expect(standIn.data.configurations["vr.private.interface.max.mtu"]).toBe("1500");
        const zoned = await api.list<{ name: string; value: string }>("listConfigurations", { name: "vr.private.interface.max.mtu", zoneid: zone });
        expect(zoned.map((c) => [c.name, c.value])).toEqual([["vr.private.interface.max.mtu", "1450"]]);
        const [view] = await api.list<{ routerprivateinterfacemaxmtu: number }>("listZones", { id: zone });
        expect(view.routerprivateinterfacemaxmtu).toBe(1450);
        expect(standIn.ignored).toEqual([]);
    });

    test("pods: a second pod in the same subnet, or in the guest CIDR, is refused with the server's text; a cluster's pod must be in its zone", async () => {
        const pod = ((await api.request("createPod", { zoneid: zone, ...POD })).pod as { id: string }).id;
        const second = await failure(api.request("createPod", { zoneid: zone, ...POD, name: "rack-b", startip: "10.15.0.180", endip: "10.15.0.190" }));
        expect([second?.code, second?.errortext]).toEqual([431, "The subnet of the pod you are adding conflicts with the subnet of pod rack-a in zone Z. Please specify a different CIDR."]);
        const guest = ((await api.request("createZone", { ...ZONE, name: "G", guestcidraddress: "10.16.0.0/16" })).zone as { id: string }).id;
        const inGuest = await failure(api.request("createPod", { zoneid: guest, name: "p", gateway: "10.16.5.1", netmask: "255.255.255.0", startip: "10.16.5.10", endip: "10.16.5.20" }));
        expect(inGuest?.errortext).toBe("The subnet of the pod you are adding conflicts with the subnet of the Guest IP Network. Please specify a different CIDR.");
        const { gateway: _gateway, ...noGateway } = POD;
        expect((await failure(api.request("createPod", { zoneid: guest, ...noGateway, name: "g" })))?.errortext).toBe("The gateway is invalid");
        expect((await failure(api.request("createPod", { zoneid: guest, ...POD, name: "g", gateway: "10.15.0.165" })))?.errortext).toBe("The gateway shouldn't overlap start/end ip addresses");
        const elsewhere = await failure(api.request("addCluster", { zoneid: guest, podid: pod, clustername: "c", hypervisor: "KVM", clustertype: "CloudManaged" }));
        expect(elsewhere?.errortext).toMatch(/^Pod with specified id doesn't belong to the zone \d+$/);
    });

    test("guest CIDR: only 10/8, 172.16/12, 192.168/16 and 100.64/10, on createZone and updateZone", async () => {
        for (const cidr of ["10.1.0.0/16", "172.31.0.0/16", "192.168.0.0/24", "100.64.0.0/10"]) {
            await api.request("updateZone", { id: zone, guestcidraddress: cidr });
        }
        for (const cidr of ["8.8.8.0/24", "172.32.0.0/16", "100.128.0.0/16", "10.0.0.0/7", "10.1.0.0"]) {
            const refused = await failure(api.request("updateZone", { id: zone, guestcidraddress: cidr }));
            expect([cidr, refused?.code, refused?.errortext]).toEqual([cidr, 431, "Please enter a valid guest cidr"]);
        }
        const created = await failure(api.request("createZone", { ...ZONE, name: "public", guestcidraddress: "203.0.113.0/24" }));
        expect(created?.errortext).toBe("Please enter a valid guest cidr");
    });

    test("enabling a zone without Management traffic is 431 with the server's text", async () => {
        const refused = await failure(api.request("updateZone", { id: zone, allocationstate: "Enabled" }));
        expect([refused?.code, refused?.errortext]).toEqual([431, "Cannot enable this Zone since: Unable to find the default physical network with traffic=Management in the specified zone id"]);
    });

    test("listAsyncJobs: every job of the caller with its command's class, the keyword matched in it in any case, oldest first", async () => {
        const network = (await api.job("createPhysicalNetwork", { zoneid: zone, name: "PN", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        await api.job("addTrafficType", { physicalnetworkid: network.id, traffictype: "Management", kvmnetworklabel: "cloudbr0" });
        const all = (await raw({ command: "listAsyncJobs" })).body.listasyncjobsresponse as { count: number; asyncjobs: { cmd: string; jobstatus: number }[] };
        expect(all.count).toBe(2);
        expect(all.asyncjobs.map((j) => [j.cmd, j.jobstatus])).toEqual([
            ["org.apache.cloudstack.api.command.admin.network.CreatePhysicalNetworkCmd", 1],
            ["org.apache.cloudstack.api.command.admin.usage.AddTrafficTypeCmd", 1],
        ]);
        expect((await api.list<{ cmd: string }>("listAsyncJobs", { keyword: "addtraffictypecmd" })).map((j) => j.cmd)).toEqual(["org.apache.cloudstack.api.command.admin.usage.AddTrafficTypeCmd"]);
        expect(await api.list("listAsyncJobs", { keyword: "PrepareForMaintenanceCmd" })).toEqual([]);
    });

    test("a parameter accepted but never read is recorded as ignored", async () => {
        // listZones declares `available` (ListZonesCmd) but the stand-in does not implement it.
        await api.list("listZones", { available: "true" });
        expect(standIn.ignored).toEqual(["listZones: accepted but ignored: available"]);
    });
});
