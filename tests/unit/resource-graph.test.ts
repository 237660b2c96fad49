/**
 * The resource graph the program registers, with Pulumi's mocks: every
 * component present, every step parented, and dependencies that follow the
 * real order — database and NFS before the management server, management
 * before the zone, each KVM host before its own registration — and nothing
 * more, so machines provision in parallel.
 *
 * Dependencies are read from the register-resource requests the engine would
 * receive (explicit dependsOn and the resources behind input values).
 */
import * as pulumi from "@pulumi/pulumi";
import { kvmAuthorizeKeySteps } from "../../components/steps/kvm";
import { devWithKvmHosts, Graph, recordResourceGraph, registerCloud } from "../support/resourceGraph";

recordResourceGraph();



describe.each([1, 3, 20])("the resource graph with %i KVM host(s)", (count) => {
    let graph: Graph;
    let outputs: Awaited<ReturnType<typeof registerCloud>>["outputs"];
    const settings = () => devWithKvmHosts(count);

    beforeAll(async () => {
        ({ graph, outputs } = await registerCloud(settings()));
    });

    test("every component is present, once per machine or role", () => {
        const types = (suffix: string) => graph.ofType(suffix).map((r) => r.name).sort();
        // No NodeBase component: each node's bridges and common steps belong to its own component.
        expect(types("node:NodeBase")).toEqual([]);
        expect(types("node:NfsServer")).toEqual(["nfs-storage-nfs"]);
        expect(types("node:DatabaseServer")).toEqual(["cloudstack-mgmt-database"]);
        expect(types("node:ManagementServer")).toEqual(["cloudstack-mgmt-management"]);
        expect(types("node:KvmHost")).toHaveLength(count);
        expect(types("zone:Zone")).toEqual(["zone"]);
    });

    test("every resource but the components themselves has a component parent", () => {
        const components = new Set(graph.resources.filter((r) => !r.custom).map((r) => r.urn));
        // Secrets and the final verification belong to the whole stack, not to one node.
        const orphans = graph.resources.filter((r) => r.custom && !/(GeneratedSecret|Verification)$/.test(r.type) && !components.has(r.parent));
        expect(orphans.map((r) => r.name)).toEqual([]);
    });

    test("the database and NFS finish before the management server uses them", () => {
        const management = graph.stepsUnder("cloudstack-mgmt-management");
        const database = graph.stepsUnder("cloudstack-mgmt-database");
        const nfs = graph.stepsUnder("nfs-storage-nfs");
        const usesDatabase = management.filter((s) => database.some((d) => graph.waitsFor(s, d)));
        const usesNfs = management.filter((s) => nfs.some((n) => graph.waitsFor(s, n)));
        expect(usesDatabase.length).toBeGreaterThan(0);
        expect(usesNfs.length).toBeGreaterThan(0);
        // The database's own setup ends with its last step that does not wait for the management server (the lockdown after the schema does).
        const databaseSetup = database.filter((d) => !management.some((m) => graph.waitsFor(d, m)));
        const databaseDone = databaseSetup[databaseSetup.length - 1];
        expect(databaseSetup.length).toBeLessThan(database.length);
        expect(usesDatabase.every((s) => graph.waitsFor(s, databaseDone))).toBe(true);
        // Installing packages does not wait for another machine.
        const first = management[0];
        expect([...database, ...nfs].some((d) => graph.waitsFor(first, d))).toBe(false);
    });

    test("the zone waits for the management server's API", () => {
        // management-start is the step that waits until the API answers (templates/management-start.sh.mustache).
        const apiUp = graph.stepsUnder("cloudstack-mgmt-management").find((s) => s.name.endsWith("-management-start"));
        expect(apiUp).toBeDefined();
        const zoneParts = graph.resources.filter((r) => r.custom && graph.byUrn.get(r.parent)?.type.endsWith("zone:Zone"));
        expect(zoneParts.length).toBeGreaterThan(5);
        expect(zoneParts.filter((z) => !graph.waitsFor(z, apiUp!)).map((z) => z.name)).toEqual([]);
    });

    test("each KVM host is provisioned before its own registration, and waits for the management server only for the key", () => {
        const management = graph.stepsUnder("cloudstack-mgmt-management");
        for (let i = 1; i <= count; i++) {
            const node = `kvm-host-${String(i).padStart(2, "0")}`;
            const steps = graph.stepsUnder(`${node}-kvm`);
            const registration = graph.resources.find((r) => r.custom && r.name.includes(`N${i}`) && graph.byUrn.get(r.parent)?.type.endsWith("zone:Zone"));
            expect(registration).toBeDefined();
            const registrationSteps = kvmAuthorizeKeySteps("ssh-rsa AAAA").map((s) => s.name);
            // Every provisioning step of the host (all but the key) comes before addHost.
            const provisioning = steps.filter((s) => !registrationSteps.some((name) => s.name === `${node}-${name}`));
            expect(provisioning.length).toBeGreaterThan(0);
            expect(provisioning.filter((s) => !graph.waitsFor(registration!, s)).map((s) => s.name)).toEqual([]);
            // The host mounts primary storage when added: the NFS node exports to it first.
            expect(graph.stepsUnder("nfs-storage-nfs").filter((s) => !graph.waitsFor(registration!, s)).map((s) => s.name)).toEqual([]);
            const waitingForManagement = steps.filter((s) => management.some((m) => graph.waitsFor(s, m)));
            expect(waitingForManagement.filter((s) => !registrationSteps.some((name) => s.name === `${node}-${name}`)).map((s) => s.name)).toEqual([]);
            // Other hosts' steps are never in the way.
            const others = graph.resources.filter((r) => r.custom && r.name.startsWith("kvm-host-") && !r.name.startsWith(node));
            expect(steps.some((s) => others.some((o) => graph.waitsFor(s, o)))).toBe(false);
        }
    });

    test("each node's package transaction starts beside its bridges, and its role steps wait for both", () => {
        const bridges = graph.resources.filter((r) => r.custom && r.type.endsWith("remote:BridgeNetwork"));
        expect(bridges.length).toBeGreaterThanOrEqual(count + 1);
        for (const bridge of bridges) {
            const node = bridge.name.replace(/-bridges$/, "");
            const common = graph.step(`${node}-common`);
            // The common stage (the node's one apt transaction) does not wait for the bridge change (components/NodeBase.ts).
            expect(graph.waitsFor(common, bridge)).toBe(false);
            const nodeComponents = graph.resources.filter((r) => !r.custom && r.name.startsWith(`${node}-`)).map((r) => r.name);
            const roleSteps = nodeComponents.flatMap((component) => graph.stepsUnder(component));
            expect(roleSteps.length).toBeGreaterThan(0);
            expect(roleSteps.filter((step) => !graph.waitsFor(step, bridge) || !graph.waitsFor(step, common)).map((s) => s.name)).toEqual([]);
        }
    });

    test("machines do not wait for each other before their roles need it", () => {
        const nfsSteps = graph.stepsUnder("nfs-storage-nfs");
        const elsewhere = graph.resources.filter((r) => r.custom && !r.name.startsWith("nfs-storage"));
        expect(nfsSteps.some((s) => elsewhere.some((o) => graph.waitsFor(s, o) && !o.type.endsWith("GeneratedSecret")))).toBe(false);
    });

    test("verify runs last: after every other step of every node and the zone", () => {
        const verify = graph.named("verify");
        const steps = graph.resources.filter((r) => r.custom && r !== verify && !/GeneratedSecret$/.test(r.type));
        // Steps that nothing else waits for are the ends of the graph; verify waits for every one of them.
        const ends = steps.filter((s) => !steps.some((other) => other.dependencies.includes(s.urn)));
        expect(ends.filter((end) => !graph.waitsFor(verify, end)).map((end) => end.name)).toEqual([]);
        // Without backup.beforeChange there is no dump.
        expect(graph.resources.some((r) => r.name === "pre-change-backup")).toBe(false);
    });

    test("secrets stay secret", async () => {
        expect(await pulumi.isSecret(outputs.apiKeys)).toBe(true);
    });
});

describe("with backup.beforeChange and monitoring.prometheus", () => {
    test("the dump comes before every change of the database and management nodes, the exporter restart after the zone", async () => {
        const settings = devWithKvmHosts(1);
        settings.backup.beforeChange = true;
        settings.monitoring.prometheus = true;
        const { graph } = await registerCloud(settings);
        const dump = graph.named("pre-change-backup");
        const changes = [...graph.stepsUnder("cloudstack-mgmt-database"), ...graph.stepsUnder("cloudstack-mgmt-management")];
        expect(changes.length).toBeGreaterThan(3);
        expect(changes.filter((step) => !graph.waitsFor(step, dump)).map((s) => s.name)).toEqual([]);
        // The dump itself waits only for the database node's base setup.
        expect([...graph.ancestors(dump.urn)].every((urn) => graph.byUrn.get(urn)!.name.startsWith("cloudstack-mgmt"))).toBe(true);

        const exporterSettings = graph.resources.filter((r) => /prometheus\.exporter/.test(r.name));
        expect(exporterSettings.length).toBe(3);
        const restart = graph.named("cloudstack-mgmt-prometheus-restart");
        expect(exporterSettings.every((setting) => graph.waitsFor(restart, setting))).toBe(true);
        expect(graph.waitsFor(graph.named("verify"), restart)).toBe(true);
    });
});
