/**
 * The main job on the embedded default: a preview of the dev stack (the
 * seed's topology) through the real engine, offline, with no host reachable.
 * It must show the whole plan: every node component with its steps and every
 * zone object. A bad config must fail before anything is planned.
 */
import * as fs from "fs";
import * as path from "path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

function stackConfig(stack: string): Record<string, unknown> {
    return Object.fromEntries(Object.entries(readStackFile(stack)).map(([k, v]) => [`cloudstack:${k}`, v]));
}

describeEngine("pulumi preview of the example stacks", () => {
    let project: TestProject;

    afterEach(async () => project?.remove());

    test("dev: the whole plan, offline", async () => {
        project = await createTestProject({ stackName: "dev", config: stackConfig("dev") });
        const planned: { type: string; name: string }[] = [];
        const steps: string[] = [];
        const preview = await project.stack.preview({
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata && !metadata.type.startsWith("pulumi:providers:")) steps.push(`${metadata.op} ${metadata.urn}`);
                if (metadata && metadata.op === "create" && !metadata.type.startsWith("pulumi:providers:")) planned.push({ type: metadata.type, name: metadata.urn.split("::").pop()! });
            },
        });
        // Every URN exactly as before: a changed name, type or parent would make existing stacks replace the
        // resource (and re-run its scripts). A deliberate change updates dev-plan.txt with it.
        const expectedPlan = fs.readFileSync(path.join(__dirname, "dev-plan.txt"), "utf8").trim().split("\n");
        expect([...steps].sort()).toEqual([...expectedPlan].sort());
        const count = (suffix: string) => planned.filter((p) => p.type.endsWith(suffix)).length;
        // Each node's bridges and common steps are children of its own component (components/NodeBase.ts).
        expect(count("node:NodeBase")).toBe(0);
        expect(count("node:NfsServer")).toBe(1);
        expect(count("node:DatabaseServer")).toBe(1);
        expect(count("node:ManagementServer")).toBe(1);
        expect(count("node:KvmHost")).toBe(1);
        expect(count("zone:Zone")).toBe(1);
        expect(count("remote:BridgeNetwork")).toBe(2);
        // One script per stage of each node (components/stages.ts), and the final verification.
        const scripts = planned.filter((p) => p.type.endsWith("remote:Script")).map((p) => p.name);
        for (const stage of ["nfs-storage-common", "nfs-storage-nfs", "cloudstack-mgmt-common", "cloudstack-mgmt-database", "cloudstack-mgmt-management-install", "cloudstack-mgmt-management-start", "cloudstack-mgmt-database-lockdown", "kvm-host-01-common", "kvm-host-01-kvm", "kvm-host-01-management-key", "cloudstack-mgmt-cloudmonkey"]) {
            expect(scripts).toContain(stage);
        }
        expect(count("ops:Verification")).toBe(1);
        const zoneObjects = planned.filter((p) => p.type.startsWith("pulumi-nodejs:dynamic/") && !/remote:|secrets:/.test(p.type)).map((p) => p.type);
        for (const kind of ["Zone", "PhysicalNetwork", "Pod", "Cluster", "Host", "PrimaryStorage", "SecondaryStorage"]) {
            expect(zoneObjects.some((t) => t.endsWith(`:${kind}`))).toBe(true);
        }
        // A new stack: everything is a create, and the summary counts what was shown.
        expect(Object.keys(preview.changeSummary)).toEqual(["create"]);
        expect(preview.changeSummary.create).toBe(planned.length);
    }, 300000);

    test("prod: every node, KVM host and zone object of the file is planned, each once", async () => {
        project = await createTestProject({ stackName: "prod", config: stackConfig("prod") });
        const planned: { type: string; name: string }[] = [];
        const preview = await project.stack.preview({
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata && metadata.op === "create" && !metadata.type.startsWith("pulumi:providers:")) planned.push({ type: metadata.type, name: metadata.urn.split("::").pop()! });
            },
        });
        const prod = readStackFile("prod") as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const names = (suffix: string) => planned.filter((p) => p.type.endsWith(suffix)).map((p) => p.name).sort();
        const nodes: { name: string; roles: string[]; bridges?: boolean }[] = prod.nodes;
        const kvmNodes = nodes.filter((n) => n.roles.includes("kvm")).map((n) => n.name);
        expect(names("node:NodeBase")).toEqual([]);
        for (const node of nodes) expect(names("remote:Script")).toContain(`${node.name}-common`);
        expect(names("node:KvmHost")).toEqual(kvmNodes.map((n) => `${n}-kvm`).sort());
        expect(names("remote:BridgeNetwork")).toEqual(nodes.filter((n) => n.bridges !== false).map((n) => `${n.name}-bridges`).sort());
        for (const node of kvmNodes) expect(names("remote:Script")).toEqual(expect.arrayContaining([`${node}-kvm`, `${node}-management-key`]));
        expect(names("cloudstack:Host")).toEqual(prod.zone.hosts.map((h: { name: string }) => `zone-host-${h.name}`).sort());
        expect(names("cloudstack:Pod")).toEqual(prod.zone.pods.map((p: { name: string }) => `zone-pod-${p.name}`).sort());
        expect(names("cloudstack:Cluster")).toEqual(prod.zone.clusters.map((c: { name: string }) => `zone-cluster-${c.name}`).sort());
        expect(names("cloudstack:PrimaryStorage")).toEqual(prod.zone.primaryStorages.map((s: { name: string }) => `zone-primary-${s.name}`).sort());
        expect(names("cloudstack:PublicIpRange")).toEqual(prod.zone.publicIpRanges.map((r: { startIp: string }) => `zone-public-${r.startIp}`).sort());
        expect(preview.changeSummary.create).toBe(planned.length);
    }, 300000);

    test("a bad config fails before anything is planned, naming every problem", async () => {
        const config = stackConfig("dev") as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        config["cloudstack:zone"].pods[0].startIp = "10.15.0.300";
        config["cloudstack:zone"].guestCidr = "10.15.0.0/16";
        project = await createTestProject({ stackName: "bad", config });
        const failure = await project.stack.preview().then(
            () => "",
            (err: Error) => err.message,
        );
        expect(failure).toContain("cloudstack:zone.pods[0].startIp");
        expect(failure).toContain("cloudstack:zone.guestCidr");
        expect(failure).toContain("nothing was changed");
    }, 300000);
});
