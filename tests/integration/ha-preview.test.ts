/**
 * A preview of the HA stack (two management servers behind an HAProxy
 * balancer, a three-node Galera cluster) through the real engine, offline:
 * every node gets its component and steps, the agents' settings are planned,
 * and nothing fails before anything is touched.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { describeUnless } from "../support/gate";
import { haStackConfig } from "../support/haStack";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

describeEngine("pulumi preview of an HA stack", () => {
    let project: TestProject;

    afterEach(async () => project?.remove());

    test("two management servers, a balancer and three Galera members, offline", async () => {
        const config = Object.fromEntries(Object.entries(haStackConfig()).map(([k, v]) => [`cloudstack:${k}`, v]));
        project = await createTestProject({ stackName: "ha", config });
        const planned: { type: string; name: string }[] = [];
        const preview = await project.stack.preview({
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata && metadata.op === "create" && !metadata.type.startsWith("pulumi:providers:")) planned.push({ type: metadata.type, name: metadata.urn.split("::").pop()! });
            },
        });
        const names = (suffix: string) => planned.filter((p) => p.type.endsWith(suffix)).map((p) => p.name).sort();
        // Every node's base steps (bridges, common), under its role's component since NodeBase is no component.
        const nodes = ["db-1", "db-2", "db-3", "kvm-host-01", "lb-1", "mgmt-1", "mgmt-2", "nfs-storage"];
        expect(planned.filter((p) => p.name.endsWith("-common")).map((p) => p.name).sort()).toEqual(nodes.map((n) => `${n}-common`));
        expect(names("node:NodeBase")).toEqual([]);
        expect(names("node:ManagementServer")).toEqual(["mgmt-1-management", "mgmt-2-management"]);
        expect(names("node:DatabaseServer")).toEqual(["db-1-database", "db-2-database", "db-3-database"]);
        expect(names("node:LoadBalancer")).toEqual(["lb-1-loadbalancer"]);
        expect(names("remote:Script")).toEqual(
            expect.arrayContaining([
                "db-1-database",
                "db-1-database-lockdown",
                "db-2-database",
                "db-3-database",
                "lb-1-loadbalancer",
                "mgmt-1-management-database",
                "mgmt-1-systemvm-template",
                "mgmt-1-management-start",
                "mgmt-1-cloudmonkey",
                "mgmt-2-management-database",
                "mgmt-2-management-start",
            ]),
        );
        // Only the first server seeds the template and gets CloudMonkey; only the first Galera member is locked down.
        expect(names("remote:Script").filter((n) => /^mgmt-2-(systemvm-template|cloudmonkey)$|^db-[23]-database-lockdown$/.test(n))).toEqual([]);
        expect(names("cloudstack:GlobalSetting")).toEqual(expect.arrayContaining(["zone-setting-host", "zone-setting-indirect.agent.lb.algorithm"]));
        expect(names("ops:Verification")).toEqual(["verify"]);
        expect(Object.keys(preview.changeSummary)).toEqual(["create"]);
        expect(preview.changeSummary.create).toBe(planned.length);
    }, 300000);
});
