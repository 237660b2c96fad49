/**
 * A rejected config as the user sees it through the real engine: the list of
 * problems once, no Node stack trace, and a failed (non-zero) run.
 */
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

describeEngine("pulumi preview of a rejected config", () => {
    let project: TestProject | undefined;
    afterEach(async () => project?.remove());

    test("prints the problems once, without a stack trace, and fails", async () => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const config: Record<string, any> = Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [`cloudstack:${k}`, v]));
        config["cloudstack:zone"].pods[0].startIp = "10.15.0.300";
        config["cloudstack:zone"].guestCidr = "8.8.0.0/24";
        project = await createTestProject({ stackName: "bad", config });
        let output = "";
        const failure = await project.stack.preview({ onOutput: (text) => (output += text) }).then(
            () => "",
            (err: Error) => err.message,
        );
        expect(failure).toContain("Command failed with exit code 1");
        // The engine's diagnostics: the message alone, each problem once, no stack frames, no second dump.
        const diagnostics = output.slice(output.indexOf("Diagnostics:"), output.indexOf("Resources:"));
        expect(diagnostics.split("\n").map((line) => line.trim()).filter((line) => line !== "")).toEqual([
            "Diagnostics:",
            "pulumi:pulumi:Stack (cloudstack-infra-bad):",
            "error: The stack configuration has 2 problem(s); nothing was changed:",
            '- cloudstack:zone.guestCidr: "8.8.0.0/24" is invalid: must lie inside private address space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10); CloudStack refuses other guest CIDRs',
            '- cloudstack:zone.pods[0].startIp: "10.15.0.300" is invalid: expected an IPv4 address like 10.15.0.160',
        ]);
        expect(output).not.toMatch(/^\s+at \S/m);
        expect(output).not.toContain("unhandled exception");
    }, 300000);
});
