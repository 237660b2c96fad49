/**
 * The settings an HA stack sets through the API exist on the CloudStack
 * stand-in as on 4.19 (IndirectAgentLBServiceImpl's ConfigKey): the
 * algorithm agents order the `host` list by; the `host` setting takes a
 * comma-separated list (ApiServiceConfiguration). (The Cluster-scoped
 * check interval, set only when management.agentLbCheckIntervalSeconds > 0,
 * is not on the stand-in.)
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { startStandIn, StandIn } from "../standin";
import { adminConnection } from "../standin/testKit";

describe("HA settings on the stand-in", () => {
    let standIn: StandIn;
    let api: CloudStackClient;

    beforeAll(async () => {
        standIn = await startStandIn({ jobLatencyMs: 10, hostConnectMs: 50, systemVmBootMs: 100, templateReadyMs: 50 });
        const c = adminConnection(standIn);
        api = new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
    });
    afterAll(() => standIn.close());

    test("indirect.agent.lb.algorithm is a known setting with 4.19's default, and takes a new value", async () => {
        const value = async (name: string) => (await api.list<{ name: string; value: string }>("listConfigurations", { name })).find((c) => c.name === name)?.value;
        expect(await value("indirect.agent.lb.algorithm")).toBe("static");
        await api.request("updateConfiguration", { name: "indirect.agent.lb.algorithm", value: "roundrobin" });
        await api.request("updateConfiguration", { name: "host", value: "10.15.0.116,10.15.0.119" });
        expect([await value("indirect.agent.lb.algorithm"), await value("host")]).toEqual(["roundrobin", "10.15.0.116,10.15.0.119"]);
        expect(standIn.ignored).toEqual([]);
    });
});
