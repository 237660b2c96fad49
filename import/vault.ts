/**
 * Ansible Vault decryption, in process: whole files (format 1.1 and 1.2) and
 * inline `!vault |` values. The format, as ansible-vault writes it:
 *   $ANSIBLE_VAULT;1.1;AES256            (1.2 adds ";<vault id>")
 *   hex lines of: hex(salt) "\n" hex(hmac) "\n" hex(ciphertext)
 * Keys: PBKDF2-HMAC-SHA256(password, salt, 10000 iterations, 80 bytes) =
 * AES-256 key (32) | HMAC key (32) | CTR IV (16). The HMAC-SHA256 of the
 * ciphertext is checked before anything is decrypted; the plaintext carries
 * PKCS#7 padding.
 */
import * as crypto from "crypto";

export class VaultError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "VaultError";
    }
}

export interface VaultHeader {
    version: "1.1" | "1.2";
    vaultId?: string;
}

const HEADER = /^\$ANSIBLE_VAULT;(1\.1|1\.2);AES256(?:;([^\s;]+))?\s*$/;

export function isVaulted(text: string): boolean {
    return text.trimStart().startsWith("$ANSIBLE_VAULT;");
}

/** `where` names the file (and key) in every error, never the content. */
export function decryptVault(text: string, password: string, where: string): string {
    const lines = text.trim().split(/\r?\n/).map((l) => l.trim());
    const match = HEADER.exec(lines[0] ?? "");
    if (!match) throw new VaultError(`${where}: not an Ansible Vault (expected a first line "$ANSIBLE_VAULT;1.1;AES256" or "$ANSIBLE_VAULT;1.2;AES256;<vault id>")`);
    if (match[1] === "1.2" && !match[2]) throw new VaultError(`${where}: a format 1.2 vault must name its vault id in the header`);
    const body = lines.slice(1).join("");
    const inner = unhex(body, where, "the vault body").toString("latin1").split("\n");
    if (inner.length !== 3) throw new VaultError(`${where}: corrupted vault: expected salt, HMAC and ciphertext`);
    const salt = unhex(inner[0], where, "the salt");
    const mac = unhex(inner[1], where, "the HMAC");
    const ciphertext = unhex(inner[2], where, "the ciphertext");
    if (mac.length !== 32 || ciphertext.length === 0 || ciphertext.length % 16 !== 0) throw new VaultError(`${where}: corrupted vault: bad HMAC or ciphertext length`);

    const derived = crypto.pbkdf2Sync(Buffer.from(password, "utf8"), salt, 10000, 80, "sha256");
    const aesKey = derived.subarray(0, 32);
    const hmacKey = derived.subarray(32, 64);
    const iv = derived.subarray(64, 80);
    const expected = crypto.createHmac("sha256", hmacKey).update(ciphertext).digest();
    // A wrong password and a modified ciphertext look the same here: Ansible says the same ("HMAC verification failed").
    if (!crypto.timingSafeEqual(expected, mac)) {
        throw new VaultError(`${where}: the vault password is wrong, or the vault is corrupted (HMAC check failed); nothing was decrypted`);
    }
    const decipher = crypto.createDecipheriv("aes-256-ctr", aesKey, iv);
    const padded = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
    return unpad(padded, where).toString("utf8");
}

export function vaultHeader(text: string): VaultHeader | undefined {
    const match = HEADER.exec(text.trim().split(/\r?\n/)[0]?.trim() ?? "");
    return match ? { version: match[1] as "1.1" | "1.2", vaultId: match[2] } : undefined;
}

function unhex(text: string, where: string, what: string): Buffer {
    if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) throw new VaultError(`${where}: corrupted vault: ${what} is not hexadecimal`);
    return Buffer.from(text, "hex");
}

function unpad(data: Buffer, where: string): Buffer {
    const n = data[data.length - 1];
    if (n < 1 || n > 16 || data.subarray(data.length - n).some((b) => b !== n)) throw new VaultError(`${where}: corrupted vault: bad padding`);
    return data.subarray(0, data.length - n);
}
