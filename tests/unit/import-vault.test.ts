/**
 * Ansible Vault decryption (import/vault.ts) against vaults the real
 * ansible-vault (Debian's ansible-core) writes at test time.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decryptVault, vaultHeader } from "../../import/vault";
import { describeUnless } from "../support/gate";
import { ANSIBLE_VAULT, ansibleVaultMissing } from "../support/ansibleSeed";

const describeVault = describeUnless(ansibleVaultMissing());

describeVault("Ansible Vault, as ansible-vault writes it", () => {
    let dir: string;
    let passwordFile: string;
    const password = "correct horse ✓";
    const plaintext = "---\nvault_mysql_root_password: \"x1\"\nmulti: |\n  line one\n  line two ü\n";

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "vault-test-"));
        passwordFile = path.join(dir, "pass");
        fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function encrypted(name: string, args: string[], content = plaintext): string {
        const file = path.join(dir, name);
        fs.writeFileSync(file, content);
        execFileSync(ANSIBLE_VAULT, ["encrypt", ...args, file], { stdio: "pipe" });
        return fs.readFileSync(file, "utf8");
    }

    test("format 1.1 (encrypt --vault-password-file)", () => {
        const text = encrypted("v11.yml", ["--vault-password-file", passwordFile]);
        expect(vaultHeader(text)).toEqual({ version: "1.1", vaultId: undefined });
        expect(decryptVault(text, password, "v11.yml")).toBe(plaintext);
    });

    test("format 1.2 (encrypt --vault-id label@file)", () => {
        const text = encrypted("v12.yml", ["--vault-id", `prod@${passwordFile}`]);
        expect(vaultHeader(text)).toEqual({ version: "1.2", vaultId: "prod" });
        expect(decryptVault(text, password, "v12.yml")).toBe(plaintext);
    });

    test("an inline value (encrypt_string), a multiple of the block size included", () => {
        for (const value of ["s3cret", "exactly16bytes!!", "ü-non-ascii"]) {
            const out = execFileSync(ANSIBLE_VAULT, ["encrypt_string", "--vault-password-file", passwordFile, "--stdin-name", "k"], { input: value, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
            const body = out.split("!vault |")[1].split("\n").map((l) => l.trim()).join("\n");
            expect(decryptVault(body, password, "inline")).toBe(value);
        }
    });

    test("a wrong password fails the HMAC check, naming the file and not the content", () => {
        const text = encrypted("wrong.yml", ["--vault-password-file", passwordFile]);
        expect(() => decryptVault(text, "not the password", "group_vars/all/vault.yml")).toThrow(/^group_vars\/all\/vault\.yml: the vault password is wrong, or the vault is corrupted \(HMAC check failed\)/);
    });

    test("a changed ciphertext is refused before decryption (HMAC), and so is a damaged body", () => {
        const text = encrypted("bad.yml", ["--vault-password-file", passwordFile]);
        // Flip one bit of the ciphertext itself: decode the body, change it, encode it again.
        const [header, ...body] = text.trim().split("\n");
        const [salt, mac, ciphertext] = Buffer.from(body.join(""), "hex").toString("latin1").split("\n");
        const changed = Buffer.from(ciphertext, "hex");
        changed[0] ^= 1;
        const tampered = `${header}\n${Buffer.from(`${salt}\n${mac}\n${changed.toString("hex")}`, "latin1").toString("hex")}\n`;
        expect(() => decryptVault(tampered, password, "bad.yml")).toThrow(/HMAC check failed/);
        expect(() => decryptVault(text.replace(/[0-9a-f]{8}\n/, "zz\n"), password, "bad.yml")).toThrow(/bad\.yml: corrupted vault/);
        expect(() => decryptVault("$ANSIBLE_VAULT;9.9;AES256\n00\n", password, "bad.yml")).toThrow(/bad\.yml: not an Ansible Vault/);
    });

    test("ansible-vault itself reads back what it wrote with this password (the fixture is right)", () => {
        const text = encrypted("check.yml", ["--vault-password-file", passwordFile]);
        fs.writeFileSync(path.join(dir, "check2.yml"), text);
        expect(execFileSync(ANSIBLE_VAULT, ["view", "--vault-password-file", passwordFile, path.join(dir, "check2.yml")], { encoding: "utf8" })).toBe(plaintext);
    });
});
