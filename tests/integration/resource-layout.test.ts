/**
 * A stack made before a change of the resource layout previews with the
 * current program as 0 creates, 0 replaces and 0 deletes of anything that
 * runs something (a script without a delete script may leave): every surviving resource that moved (a new parent, type or
 * name) carries an alias, so no script of an existing stack runs again and no
 * delete script (agent purge, key removal...) runs at all.
 *
 * The state is the dev stack as the program of commit a80170e (NodeBase a
 * component of its own) left it after `pulumi up`: made with that program
 * through the real engine, its dynamic providers recording their inputs
 * instead of reaching hosts, and exported with `pulumi stack export
 * --show-secrets` (fixtures/dev-state-nodebase-components.json.gz; no secret
 * in it is real; made by fixtures/make-state-fixture.ts). The preview below
 * runs the real providers' check and diff.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const FIXTURE = path.join(__dirname, "fixtures", "dev-state-nodebase-components.json.gz");

function stackConfig(stack: string): Record<string, unknown> {
    return Object.fromEntries(Object.entries(readStackFile(stack)).map(([k, v]) => [`cloudstack:${k}`, v]));
}

describeEngine("an existing stack after a change of the resource layout", () => {
    let project: TestProject;

    afterAll(async () => project?.remove());

    test("the dev stack made with NodeBase components: nothing created or replaced, nothing deleted that runs something", async () => {
        project = await createTestProject({ stackName: "dev", config: stackConfig("dev") });
        const state = JSON.parse(zlib.gunzipSync(fs.readFileSync(FIXTURE)).toString("utf8"));
        const before: { urn: string; custom: boolean; inputs?: Record<string, unknown> }[] = state.deployment.resources;
        await project.stack.importStack(state);

        const steps: { op: string; urn: string; type: string }[] = [];
        await project.stack.preview({
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata && !metadata.type.startsWith("pulumi:providers:")) steps.push({ op: metadata.op, urn: metadata.urn, type: metadata.type });
            },
        });
        const ops = (...names: string[]) => steps.filter((s) => names.includes(s.op)).map((s) => s.urn).sort();

        expect(ops("create", "create-replacement", "replace", "delete-replaced", "read-replacement", "import-replacement")).toEqual([]);
        // What leaves the state: the NodeBase components (a component has no provider: nothing runs for it) and
        // the KVM host's check after registration, now part of the final verification: a script without a delete
        // script, whose provider's delete runs nothing (providers/remote/RemoteScript.ts).
        const formerComponents = before.filter((r) => !r.custom && r.urn.includes("::cloudstack:node:NodeBase::")).map((r) => r.urn).sort();
        expect(formerComponents).toHaveLength(3);
        const kvmVerify = "urn:pulumi:dev::cloudstack-infra::cloudstack:node:KvmHost$pulumi-nodejs:dynamic/remote:Script::kvm-host-01-kvm-verify";
        expect(before.find((r) => r.urn === kvmVerify)?.inputs).not.toHaveProperty("deleteScript");
        expect(ops("delete")).toEqual([...formerComponents, kvmVerify].sort());
        // Every other custom resource of the old state is still there, under its new URN (moved through its alias) or its old one.
        const oldCustom = before.filter((r) => r.custom && !r.urn.includes("::pulumi:providers:")).length;
        expect(steps.filter((s) => s.op !== "delete" && !s.type.startsWith("cloudstack:") && s.type !== "pulumi:pulumi:Stack")).toHaveLength(oldCustom - 1);
        // The bridges and common steps now belong to the node's own component.
        expect(ops("same", "update")).toEqual(expect.arrayContaining([
            "urn:pulumi:dev::cloudstack-infra::cloudstack:node:KvmHost$pulumi-nodejs:dynamic/remote:BridgeNetwork::kvm-host-01-bridges",
            "urn:pulumi:dev::cloudstack-infra::cloudstack:node:KvmHost$pulumi-nodejs:dynamic/remote:Script::kvm-host-01-common",
            "urn:pulumi:dev::cloudstack-infra::cloudstack:node:NfsServer$pulumi-nodejs:dynamic/remote:Script::nfs-storage-common",
        ]));
    }, 300000);
});
