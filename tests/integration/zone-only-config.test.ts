/**
 * A zone-only stack as the README describes it: the zone section (with
 * zone.apiUrl) and the API keys, nothing else. It previews through the real
 * engine; no network section is needed (issue 9, defect 2).
 */
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

describeEngine("a zone-only stack", () => {
    let project: TestProject | undefined;
    afterEach(async () => project?.remove());

    test("with only the zone section and API keys previews the zone", async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const zone = JSON.parse(JSON.stringify(readStackFile("dev").zone)) as any;
        zone.apiUrl = "http://127.0.0.1:9/client/api";
        delete zone.hosts[0].node;
        project = await createTestProject({
            stackName: "zoneonly",
            config: { "cloudstack:zone": zone },
            secrets: { "cloudstack:apiKey": "test-api-key", "cloudstack:secretKey": "test-secret-key" },
        });
        const planned: string[] = [];
        await project.stack.preview({
            onEvent: (event) => {
                const metadata = event.resourcePreEvent?.metadata;
                if (metadata?.op === "create") planned.push(metadata.type);
            },
        });
        for (const kind of ["Zone", "PhysicalNetwork", "Pod", "Cluster", "Host", "PrimaryStorage", "SecondaryStorage"]) {
            expect(planned.some((t) => t.endsWith(`:${kind}`))).toBe(true);
        }
        expect(planned.some((t) => /node:|remote:/.test(t))).toBe(false);
    }, 300000);
});
