/**
 * Where the vault password comes from, as with ansible-playbook:
 * --vault-password-file, else $ANSIBLE_VAULT_PASSWORD_FILE, else a prompt
 * without echo on a terminal. Asked only when a file holds a vault.
 */
import * as fs from "fs";

export class PasswordError extends Error {}

export async function vaultPassword(file: string | undefined): Promise<string> {
    const source = file ?? process.env.ANSIBLE_VAULT_PASSWORD_FILE;
    const how = file ? "--vault-password-file" : "ANSIBLE_VAULT_PASSWORD_FILE";
    if (source) {
        if (!fs.existsSync(source)) throw new PasswordError(`${how} ${source}: no such file`);
        // Ansible runs an executable password file as a script; the importer reads files only.
        if ((fs.statSync(source).mode & 0o111) !== 0) throw new PasswordError(`${how} ${source} is executable: Ansible would run it as a password script, which the importer does not; give a plain file (chmod 600)`);
        // Ansible strips surrounding whitespace (the trailing newline) from a password file.
        const password = fs.readFileSync(source, "utf8").trim();
        if (password === "") throw new PasswordError(`${how} ${source} is empty`);
        return password;
    }
    if (!process.stdin.isTTY) throw new PasswordError("the Ansible files hold vaults: give --vault-password-file FILE or set ANSIBLE_VAULT_PASSWORD_FILE (no terminal to ask on)");
    return promptHidden("Vault password: ");
}

function promptHidden(question: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const stdin = process.stdin;
        // Raw mode first: anything typed after the prompt appears is never echoed.
        stdin.setRawMode(true);
        process.stderr.write(question);
        stdin.resume();
        stdin.setEncoding("utf8");
        let typed = "";
        const done = (error?: Error) => {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.removeListener("data", onData);
            process.stderr.write("\n");
            if (error) reject(error);
            else resolve(typed);
        };
        const onData = (chunk: string) => {
            for (const ch of chunk) {
                if (ch === "\r" || ch === "\n" || ch === "\u0004") return done();
                if (ch === "\u0003") return done(new PasswordError("interrupted"));
                if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
                else typed += ch;
            }
        };
        stdin.on("data", onData);
    });
}
