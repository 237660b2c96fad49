/**
 * applyOnce against the stand-in over real HTTP: a change whose answer is lost
 * is sent again only when the server shows no effect — once, and said so; an
 * async command's job still running is found (listAsyncJobs) and waited for.
 */
import { applyOnce } from "../../providers/cloudstack/applyOnce";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { CloudStackError } from "../../providers/cloudstack/errors";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, callsTo } from "../standin/testKit";

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
