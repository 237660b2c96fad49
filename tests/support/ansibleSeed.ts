/**
 * A copy of the seed's Ansible project (tests/fixtures/ansible-seed) with a
 * vault.yml of fresh secrets, encrypted at test time by the real ansible-vault
 * (Debian's ansible-core): format 1.1, 1.2 (--vault-id label@file), inline
 * (encrypt_string) or left plain.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "./stackConfig";

export const ANSIBLE_VAULT = "/usr/bin/ansible-vault";
export type VaultFormat = "1.1" | "1.2" | "inline" | "plain";

export interface SeedCopy {
    /** The seed's cloudstack/ directory (what --from takes). */
    dir: string;
    passwordFile: string;
    secrets: { mysqlRoot: string; cloudDb: string; kvmHost: string; sshPassword: string };
    vaultFile: string;
    remove(): void;
}

export function ansibleVaultMissing(): string | undefined {
    return fs.existsSync(ANSIBLE_VAULT) ? undefined : `needs ${ANSIBLE_VAULT} (apt-get install ansible-core; scripts/ensure-deps.sh --test)`;
}

/** Letters and digits only: what cloudstack-setup-databases accepts; random so a leak is found by search. */
function freshSecret(label: string): string {
    return `${label}${crypto.randomBytes(9).toString("hex")}`;
}

export function makeSeedCopy(format: VaultFormat): SeedCopy {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "ansible-seed-"));
    fs.cpSync(path.join(REPO, "tests", "fixtures", "ansible-seed"), root, { recursive: true });
    const dir = path.join(root, "cloudstack");
    const secrets = { mysqlRoot: freshSecret("Root"), cloudDb: freshSecret("Db"), kvmHost: freshSecret("Kvm"), sshPassword: freshSecret("Ssh") };
    // The inventory's example password, replaced by one the tests can search for.
    const hosts = path.join(dir, "inventory", "hosts");
    fs.writeFileSync(hosts, fs.readFileSync(hosts, "utf8").replace("ansible_password=PASSWORD", `ansible_password=${secrets.sshPassword}`));
    const passwordFile = path.join(root, "vault-pass");
    fs.writeFileSync(passwordFile, `${freshSecret("Vault")}\n`, { mode: 0o600 });

    const vaultFile = path.join(dir, "inventory", "group_vars", "all", "vault.yml");
    const values = { vault_mysql_root_password: secrets.mysqlRoot, vault_cloudstack_db_password: secrets.cloudDb, vault_kvm_host_password: secrets.kvmHost };
    if (format === "inline") {
        const entries = Object.entries(values).map(([name, value]) =>
            execFileSync(ANSIBLE_VAULT, ["encrypt_string", "--vault-password-file", passwordFile, "--stdin-name", name], { input: value, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }).trim(),
        );
        fs.writeFileSync(vaultFile, `---\n${entries.join("\n")}\n`);
    } else {
        fs.writeFileSync(vaultFile, `---\n${Object.entries(values).map(([k, v]) => `${k}: "${v}"`).join("\n")}\n`);
        if (format === "1.1") execFileSync(ANSIBLE_VAULT, ["encrypt", "--vault-password-file", passwordFile, vaultFile], { stdio: "pipe" });
        if (format === "1.2") execFileSync(ANSIBLE_VAULT, ["encrypt", "--vault-id", `seed@${passwordFile}`, vaultFile], { stdio: "pipe" });
    }
    return { dir, passwordFile, secrets, vaultFile, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
