/**
 * RemoteScript and GeneratedSecret through the real engine: a secret is
 * generated once, reaches a script over real SSH, never lands in the state in
 * plain text, a second `up` runs nothing, and a preview names what changed.
 */
import * as fs from "fs";
import * as path from "path";
import { createTestProject, engineAvailable, exportedState, TestProject } from "../support/engine";
import { LocalSshd, sshdAvailable, startLocalSshd } from "../support/localSshd";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(
    !engineAvailable() ? "needs .tools/pulumi (scripts/install-pulumi.sh)" : !sshdAvailable() ? "needs root and /usr/sbin/sshd (apt-get install openssh-server)" : undefined,
);

describeEngine("remote steps through the engine", () => {
    let sshd: LocalSshd;
    let project: TestProject;
    let work: string;

    beforeAll(async () => {
        sshd = await startLocalSshd();
        work = fs.mkdtempSync(path.join(sshd.dir, "work-"));
        project = await createTestProject({
            stackName: "remote",
            programDir: path.join(__dirname, "programs", "remote-steps"),
            config: { "test:port": String(sshd.port), "test:keyFile": sshd.privateKeyFile, "test:hostKey": sshd.hostKey, "test:dir": work },
        });
    }, 120000);

    afterAll(async () => {
        await project?.remove();
        await sshd?.stop();
    });

    test("up runs the script with the generated secret; the state holds it only encrypted", async () => {
        const up = await project.stack.up();
        expect(up.summary.result).toBe("succeeded");
        const password = fs.readFileSync(path.join(work, "password"), "utf8");
        expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
        expect(up.outputs.length.value).toBe("24");
        expect(up.outputs.secretValue.secret).toBe(true);
        const state = await exportedState(project);
        expect(state).not.toContain(password);
        expect(state).not.toContain(fs.readFileSync(sshd.privateKeyFile, "utf8").split("\n")[1]);
        // Each provider is stored as the loader of providers/lazyProvider.ts, not the whole SSH runner (sizes: bench/provider-size.ts).
        const providers = [...state.matchAll(/"__provider":"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
        expect(providers.length).toBeGreaterThan(0);
        for (const provider of providers) {
            expect(provider).toMatch(/dynamic provider .* not found in/);
            expect(provider).not.toContain("ssh2");
        }
    }, 300000);

    test("nothing changed: preview shows no changes and up runs no remote command", async () => {
        await project.stack.preview({ expectNoChanges: true });
        const up = await project.stack.up();
        expect(up.summary.resourceChanges).toEqual({ same: 3 });
        expect(fs.readFileSync(path.join(work, "runs"), "utf8").trim().split("\n")).toEqual(["run"]);
    }, 300000);

    test("preview --diff names what changed (a connection field, a variable) without showing a secret's value", async () => {
        // The same key under another name: the connection (secret as a whole) changes, the machine does not.
        const keyCopy = path.join(sshd.dir, "renamed-key");
        fs.copyFileSync(sshd.privateKeyFile, keyCopy);
        fs.chmodSync(keyCopy, 0o600);
        await project.stack.setConfig("test:keyFile", { value: keyCopy });
        await project.stack.setConfig("test:greeting", { value: "bye" });
        try {
            const preview = await project.stack.preview({ diff: true });
            expect(preview.changeSummary).toMatchObject({ update: 1 });
            expect(preview.stdout).toMatch(/~ connection\s*: \{\s*~ privateKeyFile: \[secret\] => \[secret\]\s*\}/);
            expect(preview.stdout).toMatch(/~ env\s*: \{\s*~ GREETING: "hello" => "bye"\s*\}/);
            // Only what changed is listed; the connection's values stay masked.
            expect(preview.stdout).not.toMatch(/~ (script|secretEnv|step|node)\b/);
            expect(preview.stdout).not.toContain(keyCopy);
        } finally {
            await project.stack.setConfig("test:keyFile", { value: sshd.privateKeyFile });
            await project.stack.removeConfig("test:greeting");
        }
        await project.stack.preview({ expectNoChanges: true });
    }, 300000);

    test("destroy runs the delete script", async () => {
        await project.stack.destroy();
        expect(fs.existsSync(path.join(work, "password"))).toBe(false);
        expect(fs.readFileSync(path.join(work, "runs"), "utf8").trim().split("\n")).toEqual(["run", "deleted"]);
    }, 300000);
});
