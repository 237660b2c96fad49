/**
 * How ops reads a stack: the real Pulumi engine (Automation API, file
 * backend in a temp directory) on a project with the dev stack's config, a
 * secret set through the engine, and a program that exports what the real
 * one exports (apiUrl, apiKeys, zoneId, nodes) and keeps a generated secret
 * in its state. Nothing here connects to a node.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../ops/cli";
import * as pulumi from "@pulumi/pulumi";
import { buildContext, valueOf } from "../../ops/context";
import { readStack } from "../../ops/stackReader";
import { createTestProject, engineAvailable, TestProject, TOOLS_ROOT } from "../support/engine";
import { readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

jest.setTimeout(300_000);

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { GeneratedSecret } from "./providers/secrets/GeneratedSecret";
const generated = new GeneratedSecret("cloud-db-password", { length: 20 });
export const apiUrl = "http://10.10.0.116:8080/client/api";
export const apiKeys = pulumi.secret({ apiKey: "stack-api-key-123", secretKey: "stack-secret-key-456" });
export const zoneId = "9b7c2f64-1d2e-4f5a-8b9c-0d1e2f3a4b5c";
export const nodes = { "kvm-host-01": { address: "10.10.0.117", roles: ["kvm"], managementAddress: "10.15.0.217" } };
export const generatedLength = generated.value.apply((value) => value.length);
`;

const describeEngine = describeUnless(engineAvailable() ? undefined : "the Pulumi engine is not installed (scripts/install-pulumi.sh)");

describeEngine("reading a deployed stack", () => {
    let project: TestProject;
    let programDir: string;

    beforeAll(async () => {
        programDir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-program-"));
        fs.writeFileSync(path.join(programDir, "index.ts"), PROGRAM);
        const config = Object.fromEntries(Object.entries(readStackFile("dev")).map(([key, value]) => [`cloudstack:${key}`, value]));
        project = await createTestProject({ stackName: "opsread", config, secrets: { "cloudstack:mysqlRootPassword": "Typed.Root-pw1" }, programDir });
        await project.stack.up();
    });
    afterAll(async () => {
        await project?.remove();
        fs.rmSync(programDir, { recursive: true, force: true });
    });

    test("settings from the decrypted config, the API connection and addresses from the outputs, every secret for masking", async () => {
        const view = await readStack({ workDir: project.dir, stackName: "opsread", envVars: project.env, pulumiRoot: TOOLS_ROOT });
        expect(view.settings.stack).toBe("opsread");
        expect(view.settings.project).toBe("cloudstack-infra");
        expect(view.settings.nodes.map((n) => n.name)).toEqual(["cloudstack-mgmt", "kvm-host-01", "nfs-storage"]);
        expect(view.extras.api).toEqual({ apiUrl: "http://10.10.0.116:8080/client/api", apiKey: "stack-api-key-123", secretKey: "stack-secret-key-456" });
        expect(view.extras.zoneId).toBe("9b7c2f64-1d2e-4f5a-8b9c-0d1e2f3a4b5c");
        expect(view.extras.managementAddresses).toEqual({ "kvm-host-01": "10.15.0.217" });

        const generated = (await project.stack.exportStack()).deployment.resources.find((r: { urn: string }) => r.urn.endsWith("::cloud-db-password")).outputs.value.plaintext;
        const ctx = await buildContext(view.settings, view.extras);
        expect(ctx.secrets).toEqual(expect.arrayContaining(["Typed.Root-pw1", "stack-api-key-123", "stack-secret-key-456", JSON.parse(generated)]));
        expect(ctx.secrets).not.toContain("root");
        // A configured address wins over the one the stack found.
        expect(ctx.nodes.find((n) => n.name === "kvm-host-01")?.managementAddress).toBe("10.15.0.117");
        // Secrets stay marked secret in the Settings, as in the program.
        expect(await valueOf(view.settings.secrets.mysqlRootPassword)).toBe("Typed.Root-pw1");
        expect(await pulumi.isSecret(view.settings.secrets.mysqlRootPassword!)).toBe(true);
    });

    test("a secret kept in plain text in the stack file is a configuration error naming the key", async () => {
        await project.stack.setConfig("cloudstack:adminPassword", { value: "plain-admin-pw", secret: false });
        try {
            await expect(readStack({ workDir: project.dir, stackName: "opsread", envVars: project.env, pulumiRoot: TOOLS_ROOT })).rejects.toThrow(
                "cloudstack:adminPassword: \"(hidden)\" is invalid: is stored in plain text; set it with: pulumi config set --secret cloudstack:adminPassword",
            );
        } finally {
            await project.stack.removeConfig("cloudstack:adminPassword");
        }
    });
});

test("the command line's mistakes end with exit code 2 before any stack is read", async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
    try {
        expect(await main(["verify"], () => undefined)).toBe(2);
        expect(await main(["repair", "unknown-action", "--stack", "dev", "--node"], () => undefined)).toBe(2);
    } finally {
        spy.mockRestore();
    }
    expect(errors[0]).toContain("--stack: is required");
    expect(errors[1]).toContain("--node: needs a value");
});
