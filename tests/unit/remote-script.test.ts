/**
 * RemoteScript and its SSH runner against a real OpenSSH server on loopback.
 */
import * as fs from "fs";
import * as path from "path";
import { maskSecrets, parseReport, runScript, scriptPayload, SshTarget } from "../../providers/remote/ssh";
import { LocalSshd, sshdAvailable, startLocalSshd } from "../support/localSshd";

import { bridgeNetworkProvider } from "../../providers/remote/BridgeNetwork";
import { digestOf, packText } from "../../providers/remote/packedText";
import { remoteScriptProvider } from "../../providers/remote/RemoteScript";
import { describeUnless } from "../support/gate";

const describeSsh = describeUnless(sshdAvailable() ? undefined : "needs root and /usr/sbin/sshd (apt-get install openssh-server)");

describe("script payload", () => {
    test("exports are quoted so any value survives, and stdin is closed for the script", () => {
        const payload = scriptPayload("echo hi", { B_VAR: "it's $(not) `run`", A_VAR: "x" });
        expect(payload).toContain("export A_VAR='x'\nexport B_VAR='it'\\''s $(not) `run`'");
        expect(payload).toMatch(/\{\necho hi\n\} <\/dev\/null\n$/);
    });

    test("refuses environment names that are not shell identifiers", () => {
        expect(() => scriptPayload("true", { "BAD NAME": "x" })).toThrow(/invalid environment variable name/);
    });

    test("report lines become outputs, changes and warnings", () => {
        const report = parseReport("noise\n::output publicKey=ssh-rsa AAA= cloud@m\n::changed wrote /etc/x\n::warning no /dev/kvm\n");
        expect(report).toEqual({ outputs: { publicKey: "ssh-rsa AAA= cloud@m" }, changed: ["wrote /etc/x"], warnings: ["no /dev/kvm"] });
    });

    test("masking replaces every occurrence of every secret", () => {
        expect(maskSecrets("pw=hunter22 again hunter22", ["hunter22"])).toBe("pw=******** again ********");
    });
});

describe("diffs name what changed, never a value", () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const scripts = remoteScriptProvider as any;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const bridges = bridgeNetworkProvider as any;
    const connection = { host: "10.10.0.116", port: 22, user: "root", privateKeyFile: "/keys/a" };
    const step = { connection, node: "mgmt", step: "start", script: packText("echo a"), scriptDigest: digestOf("echo a"), env: { A: "1" }, secretEnv: { TOKEN: "tok-1" } };

    test("RemoteScript: script text, variables by name and connection fields", async () => {
        const news = { ...step, script: packText("echo b"), scriptDigest: digestOf("echo b"), env: { A: "2", B: "x" }, secretEnv: { TOKEN: "tok-2" }, connection: { ...connection, host: "10.10.0.117" } };
        const diff = await scripts.diff("id", step, news);
        expect(diff.changes).toBe(true);
        expect(diff.detailedDiff).toEqual({ script: "update", scriptDigest: "update", "env.A": "update", "env.B": "add", "secretEnv.TOKEN": "update", "connection.host": "update" });
        expect(JSON.stringify(diff.detailedDiff)).not.toMatch(/tok-|10\.10\.0\.117/);
        expect(await scripts.diff("id", step, { ...step, script: packText("echo a") })).toMatchObject({ changes: false, detailedDiff: {} });
    });

    test("BridgeNetwork: connection fields, networks and scripts by name", async () => {
        const networks = { management: { cidr: "10.15.0.0/24", bridge: "cloudbr0" }, public: { cidr: "10.10.0.0/24", bridge: "cloudbr1" } };
        const packed = { netplanTemplate: packText("n"), facts: packText("f"), apply: packText("a"), verify: packText("v") };
        const olds = { connection, node: "mgmt", networks, rollbackSeconds: 120, scripts: packed };
        const news = { ...olds, connection: { ...connection, privateKeyFile: "/keys/b" }, networks: { ...networks, public: { ...networks.public, mtu: 1550 } }, scripts: { ...packed, verify: packText("v2") } };
        const diff = await bridges.diff("id", olds, news);
        expect(diff.changes).toBe(true);
        expect(diff.detailedDiff).toEqual({ "connection.privateKeyFile": "update", "networks.public": "update", "scripts.verify": "update" });
        expect(await bridges.diff("id", olds, { ...olds, scripts: { ...packed } })).toMatchObject({ changes: false, detailedDiff: {} });
    });
});

describeSsh("over real SSH", () => {
    let sshd: LocalSshd;
    let target: SshTarget;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const provider = () => remoteScriptProvider as any;

    beforeAll(async () => {
        sshd = await startLocalSshd();
        target = { host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, hostKey: sshd.hostKey };
    });
    afterAll(async () => sshd?.stop());

    test("secrets reach the script through stdin, never through the command line", async () => {
        const secret = "S3cret-" + Date.now();
        const result = await runScript(target, 'ps -eo args > "$OUT"; test "$MY_SECRET" = "' + secret + '" && echo match', {
            env: { MY_SECRET: secret, OUT: path.join(sshd.dir, "ps.txt") },
            timeoutSeconds: 30,
            connectSeconds: 5,
        });
        expect(result.code).toBe(0);
        expect(result.stdout.trim()).toBe("match");
        const ps = fs.readFileSync(path.join(sshd.dir, "ps.txt"), "utf8");
        expect(ps).toContain("bash -s");
        expect(ps).not.toContain(secret);
    });

    test("commands that read stdin cannot swallow the rest of the script", async () => {
        const result = await runScript(target, "cat >/dev/null\necho still-running", { env: {}, timeoutSeconds: 30, connectSeconds: 5 });
        expect(result.stdout.trim()).toBe("still-running");
    });

    test("a wrong pinned host key is refused", async () => {
        const wrong = { ...target, hostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJtGtKbSNZLfyZRIMMS1gJ2jdq1Dxp5K1eD6p7x0hQ2C" };
        await expect(runScript(wrong, "true", { env: {}, timeoutSeconds: 10, connectSeconds: 1 })).rejects.toThrow(/host key/);
    });

    test("a key file is read only when connecting", async () => {
        const viaFile = { host: sshd.host, port: sshd.port, user: "root", privateKeyFile: sshd.privateKeyFile };
        const result = await runScript(viaFile, "echo ok", { env: {}, timeoutSeconds: 30, connectSeconds: 5 });
        expect(result.stdout.trim()).toBe("ok");
        await expect(runScript({ ...viaFile, privateKeyFile: "/nonexistent/key" }, "true", { env: {}, timeoutSeconds: 5, connectSeconds: 1 })).rejects.toThrow(
            /cannot read private key file \/nonexistent\/key/,
        );
    });

    test("create runs the script and returns its report; update without script change runs nothing", async () => {
        const counter = path.join(sshd.dir, "runs");
        const script = `echo x >> ${counter}\necho "::output answer=42"\necho "::changed counter"`;
        const inputs = { connection: target, node: "n1", step: "count", script, env: {}, secretEnv: { TOKEN: "tok-secret-1" } };
        const created = await provider().create(inputs);
        expect(created.outs.outputs).toEqual({ answer: "42" });
        expect(created.outs.changed).toEqual(["counter"]);
        const sameScriptNewConnection = { ...inputs, connection: { ...target, hostKey: undefined } };
        const diff = await provider().diff(created.id, created.outs, sameScriptNewConnection);
        expect(diff.changes).toBe(true);
        const updated = await provider().update(created.id, created.outs, sameScriptNewConnection);
        expect(updated.outs.outputs).toEqual({ answer: "42" });
        expect(fs.readFileSync(counter, "utf8").trim().split("\n")).toHaveLength(1);
        const rotated = await provider().update(created.id, created.outs, { ...inputs, secretEnv: { TOKEN: "tok-secret-2" } });
        expect(rotated.outs.changed).toEqual(["counter"]);
        expect(fs.readFileSync(counter, "utf8").trim().split("\n")).toHaveLength(2);
        const nochange = await provider().diff(created.id, created.outs, inputs);
        expect(nochange.changes).toBe(false);
    });

    test("a failing script names node and step, shows the last lines, and masks secrets", async () => {
        const inputs = {
            connection: target,
            node: "db1",
            step: "database-users",
            script: 'echo "connecting with $DB_PASS"; echo "ERROR 1045: denied for $DB_PASS" >&2; exit 3',
            secretEnv: { DB_PASS: "pa55word-xyz" },
        };
        const failure: Error = await provider().create(inputs).then(
            () => new Error("the failing script was reported as a success"),
            (err: Error) => err,
        );
        expect(failure.message).toMatch(/node db1, step database-users \(create\) failed with exit code 3/);
        expect(failure.message).toContain("ERROR 1045: denied for ********");
        expect(failure.message).not.toContain("pa55word-xyz");
    });

    test("delete runs the delete script with the stored connection", async () => {
        const marker = path.join(sshd.dir, "deleted");
        const outs = { connection: target, node: "n1", step: "s", script: "true", deleteScript: `touch ${marker}`, outputs: {}, changed: [], warnings: [] };
        await provider().delete("id", outs);
        expect(fs.existsSync(marker)).toBe(true);
    });
});
