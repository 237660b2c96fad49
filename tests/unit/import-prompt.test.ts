/**
 * The vault password prompt (import/vaultPassword.ts) on a real terminal: the
 * password typed after the prompt is not echoed, and it opens the vault.
 * python3's pty module (ansible-core's own dependency) provides the terminal.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { describeUnless } from "../support/gate";
import { ansibleVaultMissing, makeSeedCopy } from "../support/ansibleSeed";
import { REPO } from "../support/stackConfig";
import * as fs from "fs";

const describeVault = describeUnless(ansibleVaultMissing());

// Types the password once the prompt is shown, then prints everything the terminal showed.
const DRIVER = `
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
password = os.environ["TYPED"].encode() + b"\\r"
out, sent, deadline = b"", False, time.time() + 120
while time.time() < deadline:
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if b"Vault password: " in out and not sent:
        os.write(fd, password)
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(os.waitstatus_to_exitcode(status))
`;

describeVault("the vault password prompt", () => {
    test("asks on the terminal, does not echo, and the typed password opens the vault", () => {
        const seed = makeSeedCopy("1.1");
        try {
            const typed = fs.readFileSync(seed.passwordFile, "utf8").trim();
            const cli = [path.join(REPO, "node_modules", ".bin", "ts-node"), "--transpile-only", path.join(REPO, "import", "cli.ts"), "--from", seed.dir, "--stack", "prompted", "--dry-run"];
            const env: Record<string, string | undefined> = { ...process.env, TYPED: typed, ANSIBLE_VAULT_PASSWORD_FILE: undefined };
            const result = spawnSync("python3", ["-c", DRIVER, ...cli], { cwd: REPO, encoding: "utf8", env: env as NodeJS.ProcessEnv });
            expect(result.stdout).toContain("Vault password: ");
            expect(result.stdout).toContain("Validation: the stack passes the program's configuration checks");
            expect(result.stdout).not.toContain(typed);
            expect(result.status).toBe(0);
            expect(fs.existsSync(path.join(REPO, "Pulumi.prompted.yaml"))).toBe(false);
        } finally {
            seed.remove();
        }
    });
});
