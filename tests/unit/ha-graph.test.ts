/**
 * The resource graph of the HA stack (two management servers, a balancer, a
 * three-node Galera cluster), with Pulumi's mocks: who waits for whom, and
 * what each server's scripts are told.
 */
import { settingsFromConfig } from "../../config/readSettings";
import { Settings } from "../../config/settings";
import { haStackConfig } from "../support/haStack";
import { unpackText } from "../../providers/remote/packedText";
import { Graph, inputsOf, recordResourceGraph, registerCloud, Registered } from "../support/resourceGraph";

recordResourceGraph();

function haSettings(change: (raw: any) => void = () => undefined): Settings { // eslint-disable-line @typescript-eslint/no-explicit-any
    const raw = haStackConfig();
    change(raw);
    const { settings, problems } = settingsFromConfig(raw, { project: "cloudstack-infra", stack: "test", isSecret: () => false });
    problems.throwIfAny();
    return settings;
}

/** The step (a custom resource) of this name; its component may carry the same name. */
function step(graph: Graph, name: string): Registered {
    const found = graph.resources.find((r) => r.custom && r.name === name);
    if (!found) throw new Error(`no step named ${name}`);
    return found;
}

/** The script a step runs, and its environment (scripts are stored packed). */
function scriptOf(name: string): string {
    return unpackText(inputsOf(name).script);
}

describe("the HA stack's resource graph", () => {
    let graph: Graph;

    beforeAll(async () => {
        ({ graph } = await registerCloud(haSettings()));
    });

    test("one component per management server, database member and balancer", () => {
        const types = (suffix: string) => graph.ofType(suffix).map((r) => r.name).sort();
        expect(types("node:ManagementServer")).toEqual(["mgmt-1-management", "mgmt-2-management"]);
        expect(types("node:DatabaseServer")).toEqual(["db-1-database", "db-2-database", "db-3-database"]);
        expect(types("node:LoadBalancer")).toEqual(["lb-1-loadbalancer"]);
    });

    test("the other Galera members join after the first one bootstrapped the cluster and made the accounts", () => {
        const first = graph.named("db-1-database");
        expect(graph.stepsUnder("db-1-database").map((r) => r.name)).toEqual(["db-1-database", "db-1-database-lockdown"]);
        for (const member of ["db-2-database", "db-3-database"]) {
            const [join] = graph.stepsUnder(member);
            expect(graph.waitsFor(join, step(graph, "db-1-database"))).toBe(true);
            // One step: the server joining the cluster (the accounts arrive with the state transfer).
            expect(graph.stepsUnder(member).length).toBe(1);
        }
        expect(first.custom).toBe(false);
        expect(graph.waitsFor(step(graph, "db-2-database"), step(graph, "db-3-database"))).toBe(false);
    });

    test("the second management server joins once the first one's API answers; the first waits for no other", () => {
        const firstApi = step(graph, "mgmt-1-management-start");
        const joinerDatabase = step(graph, "mgmt-2-management-database");
        expect(graph.waitsFor(joinerDatabase, firstApi)).toBe(true);
        // The first server's own setup waits for no joining server (only its CloudMonkey, after the zone, does).
        expect(graph.stepsUnder("mgmt-2-management").some((j) => graph.waitsFor(firstApi, j))).toBe(false);
        // Installing packages waits for nothing on another machine.
        expect(graph.waitsFor(step(graph, "mgmt-2-management-install"), firstApi)).toBe(false);
    });

    test("the zone waits for every management server and the balancer", () => {
        const zoneParts = graph.resources.filter((r) => r.custom && graph.byUrn.get(r.parent)?.type.endsWith("zone:Zone"));
        expect(zoneParts.length).toBeGreaterThan(5);
        for (const ready of ["mgmt-1-management-start", "mgmt-2-management-start", "lb-1-loadbalancer"]) {
            expect(zoneParts.filter((z) => !graph.waitsFor(z, step(graph, ready))).map((z) => z.name)).toEqual([]);
        }
        expect(zoneParts.map((z) => z.name)).toEqual(expect.arrayContaining(["zone-setting-host", "zone-setting-indirect.agent.lb.algorithm"]));
    });

    test("the database lockdown waits for the schema and lets in both management servers", () => {
        expect(graph.waitsFor(step(graph, "db-1-database-lockdown"), step(graph, "mgmt-1-management-database"))).toBe(true);
    });
});

describe("what the HA servers are told", () => {
    beforeAll(async () => {
        await registerCloud(haSettings());
    });

    test("agents are told the balancer's address; the algorithm is set for the list they get", () => {
        expect(inputsOf("zone-setting-host").value).toBe("10.15.0.120");
        expect(inputsOf("zone-setting-indirect.agent.lb.algorithm").value).toBe("static");
    });

    test("the balancer sends the API and the agents' port to both management servers", () => {
        const haproxy = inputsOf("lb-1-loadbalancer");
        expect(haproxy.env.MANAGEMENT_ADDRESSES).toBe("10.15.0.116 10.15.0.119");
        expect(unpackText(haproxy.script)).toContain("SERVER_NAMES='mgmt-1 mgmt-2'");
    });

    test("both servers point db.properties at the first Galera member with the others as replicas", () => {
        for (const server of ["mgmt-1", "mgmt-2"]) {
            const setup = inputsOf(`${server}-management-database`);
            expect(setup.env).toMatchObject({ DB_HOST: "10.15.0.121", DB_REPLICAS: "10.15.0.122,10.15.0.123" });
            expect(unpackText(setup.script)).toContain("db.ha.enabled=true");
        }
    });

    test("only the second server is a joining one, and only the first runs the usage server", () => {
        expect(scriptOf("mgmt-1-management-database")).not.toContain("joins an existing cloud");
        expect(scriptOf("mgmt-2-management-database")).toContain("joins an existing cloud");
        expect(scriptOf("mgmt-1-management-start")).toContain("restart_on_change cloudstack-usage");
        expect(scriptOf("mgmt-2-management-start")).not.toContain("restart_on_change cloudstack-usage");
        expect(scriptOf("mgmt-2-management-start")).toContain("stop_and_disable cloudstack-usage");
    });

    test("every Galera member knows all three; only the first bootstraps", () => {
        for (const member of ["db-1", "db-2", "db-3"]) {
            expect(inputsOf(`${member}-database`).env.GALERA_ADDRESSES).toBe("10.15.0.121 10.15.0.122 10.15.0.123");
        }
        expect(scriptOf("db-1-database")).toContain("BOOTSTRAP=true");
        expect(scriptOf("db-2-database")).toContain("BOOTSTRAP=false");
        // The accounts are made once, on the first member; Galera replicates them.
        expect(scriptOf("db-1-database")).toContain("cloudstack_deploy");
        expect(scriptOf("db-2-database")).not.toContain("cloudstack_deploy");
    });

    test("with loadBalancer.agents: servers, agents get both servers in the host setting", async () => {
        await registerCloud(haSettings((raw) => (raw.loadBalancer = { agents: "servers" })));
        expect(inputsOf("zone-setting-host").value).toBe("10.15.0.116,10.15.0.119");
    });

    test("with the exporter on, the servers restart one after the other, after the zone set its settings", async () => {
        const { graph } = await registerCloud(haSettings((raw) => (raw.monitoring = { prometheus: true })));
        const first = step(graph, "mgmt-1-prometheus-restart");
        const second = step(graph, "mgmt-2-prometheus-restart");
        expect(graph.waitsFor(second, first)).toBe(true);
        expect(graph.waitsFor(first, step(graph, "zone-setting-prometheus.exporter.enable"))).toBe(true);
        expect(graph.waitsFor(step(graph, "verify"), second)).toBe(true);
    });

    test("the usage server moves with management.usageNode", async () => {
        await registerCloud(haSettings((raw) => (raw.management = { usageNode: "mgmt-2" })));
        expect(scriptOf("mgmt-1-management-start")).toContain("stop_and_disable cloudstack-usage");
        expect(scriptOf("mgmt-2-management-start")).toContain("restart_on_change cloudstack-usage");
    });
});
