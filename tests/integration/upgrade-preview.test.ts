/**
 * Through the real engine: the version a stack deployed is read from its
 * outputs at preview (the engine's readStackOutputs invoke), and what cannot
 * work is refused before anything is planned, naming the key. The deployed
 * state is a stack imported with only the outputs an earlier `up` wrote.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

function devConfig(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [`cloudstack:${k}`, v]));
}

/** The stack as an earlier finished `up` left it, reduced to its root resource and outputs. */
async function importOutputs(project: TestProject, outputs: Record<string, unknown>): Promise<void> {
    const urn = `urn:pulumi:${project.stack.name}::cloudstack-infra::pulumi:pulumi:Stack::cloudstack-infra-${project.stack.name}`;
    await project.stack.importStack({
        version: 3,
        deployment: { manifest: { time: new Date().toISOString(), magic: "", version: "" }, resources: [{ urn, type: "pulumi:pulumi:Stack", custom: false, outputs }] },
    });
}

async function previewError(project: TestProject): Promise<{ message: string; planned: string[] }> {
    const planned: string[] = [];
    try {
        await project.stack.preview({
            onEvent: (event: EngineEvent) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata && !metadata.type.startsWith("pulumi:")) planned.push(metadata.urn);
            },
        });
    } catch (err) {
        return { message: (err as Error).message, planned };
    }
    throw new Error("the preview succeeded");
}

describeEngine("the deployed version, read at preview", () => {
    let project: TestProject;
    afterEach(async () => project?.remove());

    test("a downgrade is refused at preview, naming the key, before anything is planned", async () => {
        project = await createTestProject({ stackName: "dev", config: devConfig() });
        await importOutputs(project, {
            cloudstackVersion: "4.20.1.0",
            apiUrl: "http://10.10.0.116:8080/client/api",
            zoneId: "zone-1",
        });
        const { message, planned } = await previewError(project);
        expect(message).toContain('cloudstack:cloudstackVersion: "4.19.3.0" is older than the deployed 4.20.1.0: a downgrade is refused');
        expect(message).toContain("nothing was changed");
        expect(planned).toEqual([]);
    });

    test("a jump the target's guide does not cover is refused at preview", async () => {
        const config = { ...devConfig(), "cloudstack:cloudstackVersion": "4.20.1.0", "cloudstack:packages": { javaPackage: "openjdk-17-jre-headless", javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" } };
        project = await createTestProject({ stackName: "dev", config });
        await importOutputs(project, { cloudstackVersion: "4.18.2.0", apiUrl: "http://10.10.0.116:8080/client/api", zoneId: "zone-1" });
        const { message, planned } = await previewError(project);
        expect(message).toMatch(/cloudstack:cloudstackVersion: "4\.20\.1\.0" cannot be upgraded to from the deployed 4\.18\.2\.0/);
        expect(planned).toEqual([]);
    });
});
