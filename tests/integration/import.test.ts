/**
 * `npm run import` end to end, through the real engine: the seed's Ansible
 * project, with vaults made at test time by the real ansible-vault, becomes a
 * stack that previews with the same plan as Pulumi.dev.yaml (given the same
 * secrets); no secret is found in plain text in the stack file, the state, the
 * importer's output or any pulumi command line; every failure writes nothing.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { createTestProject, engineAvailable, TestProject, TOOLS_ROOT } from "../support/engine";
import { describeUnless } from "../support/gate";
import { ansibleVaultMissing, makeSeedCopy, SeedCopy } from "../support/ansibleSeed";
import { readStackFile, REPO } from "../support/stackConfig";

const missing = engineAvailable() ? ansibleVaultMissing() : "needs .tools/pulumi (scripts/install-pulumi.sh)";
const describeImport = describeUnless(missing);

function devConfig(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [`cloudstack:${k}`, v]));
}

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
    /** Every pulumi command line the importer ran. */
    argv: string;
}

/** Runs the importer in the test project, with a `pulumi` first on PATH that records its command lines. */
function runImport(project: TestProject, args: string[], env: Record<string, string> = {}): Run {
    const shim = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-argv-"));
    const log = path.join(shim, "argv.log");
    fs.writeFileSync(path.join(shim, "pulumi"), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${path.join(TOOLS_ROOT, "bin", "pulumi")}' "$@"\n`, { mode: 0o755 });
    const result = spawnSync(path.join(REPO, "node_modules", ".bin", "ts-node"), ["--transpile-only", path.join(REPO, "import", "cli.ts"), ...args], {
        cwd: project.dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
        env: { ...process.env, ...project.env, IMPORT_CALLER_DIR: project.dir, PATH: `${shim}:${project.env.PATH}`, ...env },
    });
    const argv = fs.existsSync(log) ? fs.readFileSync(log, "utf8") : "";
    fs.rmSync(shim, { recursive: true, force: true });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, argv };
}

async function plannedCreates(stack: Stack): Promise<string[]> {
    const planned: string[] = [];
    await stack.preview({
        onEvent: (event: EngineEvent) => {
            const metadata = event.resourcePreEvent?.metadata;
            if (metadata && !metadata.type.startsWith("pulumi:providers:")) planned.push(`${metadata.op} ${metadata.type} ${metadata.urn.split("::").pop()!.replace(/^cloudstack-infra-.*$/, "cloudstack-infra-STACK")}`);
        },
    });
    return planned.sort();
}

function filesUnder(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile());
}

function expectNoSecret(text: string, seed: SeedCopy, where: string): void {
    for (const [name, secret] of Object.entries(seed.secrets)) {
        if (text.includes(secret)) throw new Error(`${where} holds the secret ${name} in plain text`);
    }
}

describeImport("npm run import: the seed's Ansible project into a stack", () => {
    let project: TestProject | undefined;
    let seed: SeedCopy | undefined;
    afterEach(async () => {
        await project?.remove();
        seed?.remove();
        project = undefined;
        seed = undefined;
    });

    test("vault 1.1: the imported stack previews with dev's plan; no secret in the file, state, output or any command line", async () => {
        seed = makeSeedCopy("1.1");
        // The dev example given the same secrets the seed's vault holds (so neither plan generates them).
        project = await createTestProject({ stackName: "dev", config: devConfig(), secrets: { "cloudstack:mysqlRootPassword": seed.secrets.mysqlRoot, "cloudstack:cloudDbPassword": seed.secrets.cloudDb } });
        const run = runImport(project, ["--from", seed.dir, "--stack", "seed", "--vault-password-file", seed.passwordFile]);
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
        expect(run.stdout).toContain("cloudstack:mysqlRootPassword  <- inventory/group_vars/all/vault.yml:vault_mysql_root_password  (secret)");
        expect(run.stdout).toContain("inventory/group_vars/all/vault.yml (format 1.1)");
        expect(run.stdout).toContain("cloudstack:nodes[0].managementAddress: the files name only 10.10.0.116");
        expect(run.stdout).toContain("Validation: the stack passes the program's configuration checks");
        // Secrets went to the engine on stdin: `config set --secret --path <key>` with no value argument.
        expect(run.argv).toContain("config set --secret --path cloudstack:mysqlRootPassword --stack seed --non-interactive\n");
        expect(run.argv).toContain("config set --secret --path cloudstack:ssh.password --stack seed --non-interactive\n");

        const stackText = fs.readFileSync(path.join(project.dir, "Pulumi.seed.yaml"), "utf8");
        expect(stackText.match(/secure: v1:/g)).toHaveLength(4);
        expect(fs.readdirSync(project.dir).filter((f) => f.startsWith(".import-"))).toEqual([]);

        const imported = await Stack.select("seed", project.stack.workspace);
        expect((await imported.getConfig("cloudstack:mysqlRootPassword")).value).toBe(seed.secrets.mysqlRoot);
        expect(JSON.parse((await imported.getConfig("cloudstack:ssh")).value).password).toBe(seed.secrets.sshPassword);

        const devPlan = await plannedCreates(project.stack);
        const importedPlan = await plannedCreates(imported);
        expect(importedPlan).toEqual(devPlan);
        expect(importedPlan.length).toBeGreaterThan(35); // the whole dev plan (40 since the NodeBase components left the graph), not a few resources

        for (const [where, text] of [["the stack file", stackText], ["the importer's stdout", run.stdout], ["the importer's stderr", run.stderr], ["the pulumi command lines", run.argv]] as const) {
            expectNoSecret(text, seed, where);
        }
        for (const file of filesUnder(path.join(project.dir, ".state"))) expectNoSecret(fs.readFileSync(file, "utf8"), seed, file);
    }, 600000);

    test.each([
        ["1.2", "--vault-password-file"],
        ["inline", "ANSIBLE_VAULT_PASSWORD_FILE"],
    ] as const)("vault %s (password from %s) imports the same secrets", async (format, source) => {
        seed = makeSeedCopy(format);
        project = await createTestProject({ stackName: "dev", config: devConfig() });
        const args = ["--from", seed.dir, "--stack", "seed"];
        const run = source === "--vault-password-file" ? runImport(project, [...args, "--vault-password-file", seed.passwordFile]) : runImport(project, args, { ANSIBLE_VAULT_PASSWORD_FILE: seed.passwordFile });
        expect(run.stderr).toBe("");
        expect(run.status).toBe(0);
        expect(run.stdout).toContain(format === "1.2" ? "vault.yml (format 1.2, vault id seed)" : "vault.yml:vault_mysql_root_password (inline !vault)");
        const imported = await Stack.select("seed", project.stack.workspace);
        expect((await imported.getConfig("cloudstack:mysqlRootPassword")).value).toBe(seed.secrets.mysqlRoot);
        expect((await imported.getConfig("cloudstack:cloudDbPassword")).value).toBe(seed.secrets.cloudDb);
        expect((await imported.getConfig("cloudstack:kvmHostPassword")).value).toBe(seed.secrets.kvmHost);
        expectNoSecret(fs.readFileSync(path.join(project.dir, "Pulumi.seed.yaml"), "utf8"), seed, "the stack file");
        expectNoSecret(run.stdout + run.argv, seed, "output and command lines");
    }, 300000);

    test("wrong password, corrupted vault, missing files, an existing stack file: a clear error and nothing written", async () => {
        seed = makeSeedCopy("1.1");
        project = await createTestProject({ stackName: "dev", config: devConfig() });
        const devFile = path.join(project.dir, "Pulumi.dev.yaml");
        const devBefore = fs.readFileSync(devFile, "utf8");
        const wrongPassword = path.join(project.dir, "wrong-pass");
        fs.writeFileSync(wrongPassword, "not-the-password\n", { mode: 0o600 });
        const corrupted = makeSeedCopy("1.1");
        const vaultText = fs.readFileSync(corrupted.vaultFile, "utf8");
        fs.writeFileSync(corrupted.vaultFile, vaultText.replace(/\n[0-9a-f]{10}/, "\n0123456789"));
        const base = (from: string, stack: string) => ["--from", from, "--stack", stack];
        const cases: [string, string[], RegExp][] = [
            ["wrong", [...base(seed.dir, "wrong"), "--vault-password-file", wrongPassword], /vault\.yml: the vault password is wrong, or the vault is corrupted/],
            ["corrupt", [...base(corrupted.dir, "corrupt"), "--vault-password-file", corrupted.passwordFile], /vault\.yml: (the vault password is wrong, or the vault is corrupted|corrupted vault)/],
            ["nodir", [...base(path.join(project.dir, "no-such-dir"), "nodir"), "--vault-password-file", seed.passwordFile], /no-such-dir: no such directory/],
            ["nopass", [...base(seed.dir, "nopass"), "--vault-password-file", path.join(project.dir, "no-such-file")], /--vault-password-file .*no-such-file: no such file/],
            ["noterm", base(seed.dir, "noterm"), /give --vault-password-file FILE or set ANSIBLE_VAULT_PASSWORD_FILE/],
            ["dev", [...base(seed.dir, "dev"), "--vault-password-file", seed.passwordFile], /Pulumi\.dev\.yaml exists; pass --force to replace it/],
        ];
        try {
            for (const [stack, args, message] of cases) {
                const run = runImport(project, args);
                expect([stack, run.status]).toEqual([stack, 1]);
                expect(run.stderr).toMatch(/^import failed, nothing was written: /);
                expect(run.stderr).toMatch(message);
                expect(run.stdout).toBe("");
                expectNoSecret(run.stderr, seed, `stderr of case ${stack}`);
                // No engine command ran: no stack was created, no config set.
                expect([stack, run.argv]).toEqual([stack, ""]);
                if (stack !== "dev") expect(fs.existsSync(path.join(project.dir, `Pulumi.${stack}.yaml`))).toBe(false);
            }
            expect(fs.readFileSync(devFile, "utf8")).toBe(devBefore);
            expect(fs.readdirSync(project.dir).filter((f) => f.startsWith(".import-"))).toEqual([]);
            expect((await project.stack.workspace.listStacks()).map((s) => s.name).sort()).toEqual(["dev"]);

            // A stack in the backend whose file is gone: its passphrase salt went with the file, so no new one is made.
            await project.stack.workspace.createStack("orphan");
            fs.rmSync(path.join(project.dir, "Pulumi.orphan.yaml"), { force: true });
            const orphan = runImport(project, ["--from", seed.dir, "--stack", "orphan", "--vault-password-file", seed.passwordFile]);
            expect(orphan.status).toBe(1);
            expect(orphan.stderr).toMatch(/the stack orphan exists in the backend but .*Pulumi\.orphan\.yaml does not/);
            expect(orphan.argv).not.toMatch(/config set/);
            expect(fs.existsSync(path.join(project.dir, "Pulumi.orphan.yaml"))).toBe(false);

            // --force replaces the file and keeps the stack's secrets provider: the new secrets decrypt.
            const forced = runImport(project, ["--from", seed.dir, "--stack", "dev", "--vault-password-file", seed.passwordFile, "--force"]);
            expect(forced.stderr).toBe("");
            expect(forced.status).toBe(0);
            expect(fs.readFileSync(devFile, "utf8")).toContain("user: USERNAME");
            expect((await project.stack.getConfig("cloudstack:mysqlRootPassword")).value).toBe(seed.secrets.mysqlRoot);
        } finally {
            corrupted.remove();
        }
    }, 300000);
});
