/**
 * applyOnce against the stand-in over real HTTP: a change whose answer is lost
 * is sent again only when the server shows no effect — once, and said so; an
 * async command's job still running is found (listAsyncJobs) and waited for.
 */
import { applyOnce, gone } from "../../providers/cloudstack/applyOnce";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { startStandIn, StandIn } from "../standin";
import { live } from "../standin/store";
import { adminConnection, buildZoneWithProviders, callsTo, Created } from "../standin/testKit";
import { check, readStackFile } from "../support/stackConfig";

const ZONE = { name: "Z1", dns1: "8.8.8.8", internaldns1: "8.8.8.8", networktype: "Advanced" };
const MISSING_ZONE_ID = "0b7e2c56-9d1e-4a57-8f0c-2d7b1e4a9c33";

describe("applyOnce", () => {
    let standIn: StandIn;
    let api: CloudStackClient;
    let reports: string[];
    const report = (line: string) => reports.push(line);

    beforeEach(async () => {
        // addTrafficType's job runs long enough to be found still running after its answer is lost.
        standIn = await startStandIn({ jobLatencyMs: (command) => (command === "addTrafficType" ? 1500 : 20) });
        const c = adminConnection(standIn);
        api = new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
        reports = [];
    });
    afterEach(() => standIn.close());

    const hostSetting = async () => (await api.list<{ name: string; value: string }>("listConfigurations", { name: "host" })).find((s) => s.name === "host")?.value;
    const setHost = (value: string) => ({ command: "updateConfiguration", params: { name: "host", value }, tookEffect: async () => (await hostSetting()) === value });

    test("an answer lost after the change was made: it is read back, not sent again", async () => {
        standIn.inject({ kind: "drop", when: "after", command: "updateConfiguration" });
        await applyOnce(api, setHost("10.1.1.1"), report);
        expect(await hostSetting()).toBe("10.1.1.1");
        expect(callsTo(standIn, "updateConfiguration")).toHaveLength(1);
        expect(reports).toEqual([]);
        expect(standIn.pendingFaults()).toEqual([]);
    });

    test("a request lost before the server acted: sent a second time, once, and said so", async () => {
        standIn.inject({ kind: "drop", when: "before", command: "updateConfiguration" });
        await applyOnce(api, setHost("10.1.1.2"), report);
        expect(await hostSetting()).toBe("10.1.1.2");
        expect(callsTo(standIn, "updateConfiguration")).toHaveLength(2);
        expect(reports).toEqual(["CloudStack updateConfiguration: the answer was lost and the server shows no effect; sending it a second time"]);
    });

    test("an async command whose job still runs: the job is found and waited for, the command is not sent again", async () => {
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        const network = (await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "PN", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        const guestTraffic = async () => (await api.list<{ traffictype: string }>("listTrafficTypes", { physicalnetworkid: network.id })).some((t) => t.traffictype === "Guest");
        standIn.inject({ kind: "drop", when: "after", command: "addTrafficType" });
        await applyOnce(api, { command: "addTrafficType", params: { physicalnetworkid: network.id, traffictype: "Guest", kvmnetworklabel: "cloudbr1" }, tookEffect: guestTraffic }, report);
        expect(await guestTraffic()).toBe(true);
        expect(callsTo(standIn, "addTrafficType")).toHaveLength(1);
        expect(callsTo(standIn, "listAsyncJobs")).toHaveLength(1);
        expect(reports).toEqual([]);
        // The job was waited for through its polls, not by a second submit.
        const job = standIn.data.jobs.find((j) => j.cmd === "addTrafficType");
        expect(job?.status).toBe(1);
        expect(job?.polls.length).toBeGreaterThan(0);
    });

    test("an async submit that never arrived: no job is found, and it is sent a second time", async () => {
        const zone = (await api.request("createZone", ZONE)).zone as { id: string };
        const network = (await api.job("createPhysicalNetwork", { zoneid: zone.id, name: "PN", isolationmethods: "VXLAN" })).physicalnetwork as { id: string };
        const guestTraffic = async () => (await api.list<{ traffictype: string }>("listTrafficTypes", { physicalnetworkid: network.id })).some((t) => t.traffictype === "Guest");
        standIn.inject({ kind: "drop", when: "before", command: "addTrafficType" });
        await applyOnce(api, { command: "addTrafficType", params: { physicalnetworkid: network.id, traffictype: "Guest", kvmnetworklabel: "cloudbr1" }, tookEffect: guestTraffic }, report);
        expect(await guestTraffic()).toBe(true);
        expect(callsTo(standIn, "addTrafficType")).toHaveLength(2);
        expect(standIn.data.jobs.filter((j) => j.cmd === "addTrafficType")).toHaveLength(1);
        expect(reports).toHaveLength(1);
    });

    test("the second attempt's error keeps its type and says it was the second attempt; there is no third", async () => {
        standIn.inject({ kind: "drop", when: "before", command: "deleteZone" });
        const err = await applyOnce(api, { command: "deleteZone", params: { id: MISSING_ZONE_ID }, tookEffect: async () => false }, report).catch((e) => e);
        expect(err).toBeInstanceOf(CloudStackError);
        expect((err as CloudStackError).code).toBe(431);
        expect(err.message).toMatch(/this was the second attempt: the first one's answer was lost and the server showed no effect/);
        expect(callsTo(standIn, "deleteZone")).toHaveLength(2);
    });

    test("an error the server answered is not a lost answer: thrown at once, nothing read or sent again", async () => {
        let asked = false;
        const err = await applyOnce(api, { command: "deleteZone", params: { id: MISSING_ZONE_ID }, tookEffect: async () => (asked = true) }, report).catch((e) => e);
        expect(err).toBeInstanceOf(CloudStackError);
        expect(err.message).not.toMatch(/second attempt/);
        expect(asked).toBe(false);
        expect(callsTo(standIn, "deleteZone")).toHaveLength(1);
    });
});

test("a delete's effect: nothing listed, or the id refused as naming nothing; any other error is an error", async () => {
    expect(await gone(async () => undefined)()).toBe(true);
    expect(await gone(async () => ({ id: "x" }))()).toBe(false);
    const noEntity = new CloudStackError("listPhysicalNetworks", 431, "Invalid parameter id value=x due to incorrect long value format, or entity does not exist or due to incorrect parameter annotation for the field in api cmd class.", {});
    expect(await gone(() => Promise.reject(noEntity))()).toBe(true);
    const other = new CloudStackError("listPhysicalNetworks", 530, "Internal error", {});
    await expect(gone(() => Promise.reject(other))()).rejects.toBe(other);
});

describe("each object's changes with their answers lost", () => {
    let standIn: StandIn;
    let created: Created[];

    beforeAll(async () => {
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 100, systemVmBootMs: 200, templateReadyMs: 100 });
        created = await buildZoneWithProviders(adminConnection(standIn), check(readStackFile("dev")).settings.zone);
    }, 120000);
    afterAll(() => standIn?.close());

    /** Updates the object with this label to the inputs it has plus `changes`, as the engine would after a config change. */
    async function update(label: string, changes: Record<string, unknown>): Promise<Record<string, unknown>> {
        const item = created.find((c) => c.label === label) as Created;
        const { inputs } = await item.provider.check({}, { ...item.outs, ...changes });
        const { outs } = await item.provider.update(item.id, item.outs, inputs);
        return outs as Record<string, unknown>;
    }

    test("zone, setting, network, pod and public range updates: each received once, and in effect", async () => {
        const commands = ["updateZone", "updateConfiguration", "updateTrafficType", "updatePhysicalNetwork", "updatePodManagementNetworkIpRange", "updateVlanIpRange"];
        const since = standIn.calls.length;
        for (const command of commands) standIn.inject({ kind: "drop", when: "after", command });
        expect(await update("zone", { dns2: "1.1.1.1" })).toMatchObject({ dns2: "1.1.1.1" });
        expect(await update("setting vr.private.interface.max.mtu", { value: "1450" })).toMatchObject({ value: "1450" });
        const network = await update("physical network PhysicalNetwork", {
            vniEnd: 6100,
            trafficTypes: [
                { type: "Guest", kvmLabel: "cloudbr2" },
                { type: "Management", kvmLabel: "cloudbr0" },
                { type: "Public", kvmLabel: "cloudbr1" },
                { type: "Storage", kvmLabel: "cloudbr0" },
            ],
        });
        expect(network).toMatchObject({ vniEnd: 6100 });
        expect(await update("pod Internal", { endIp: "10.15.0.175" })).toMatchObject({ endIp: "10.15.0.175" });
        expect(await update("public IP range 10.10.0.220", { endIp: "10.10.0.235" })).toMatchObject({ endIp: "10.10.0.235" });

        expect(standIn.pendingFaults()).toEqual([]);
        const received = (command: string) => standIn.calls.slice(since).filter((c) => c.command === command).length;
        expect(Object.fromEntries(commands.map((c) => [c, received(c)]))).toEqual(Object.fromEntries(commands.map((c) => [c, 1])));
        // The outputs above are read back from the server; its rows agree.
        expect(standIn.data.zones[0].dns2).toBe("1.1.1.1");
        expect(live(standIn.data.trafficTypes).find((t) => t.traffictype === "Guest")?.kvmnetworklabel).toBe("cloudbr2");
    }, 120000);
});
