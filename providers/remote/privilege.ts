/**
 * How an SSH login becomes root: the one rule for the step runner
 * (ssh.ts runScript), the ops sessions (ops/sshSession.ts) and the backup
 * rsync.
 *
 * The node is asked (`sudo -n true`) rather than assumed: a password sent to a
 * sudo that does not read one (password-less sudo, or a cached ticket) would
 * be run by bash as its first command and come back in its error text, and
 * in an upload it would become the target file name.
 */
export type Privilege =
    /** Logged in as root: nothing to do. */
    | { kind: "root" }
    /** sudo works without a password. */
    | { kind: "sudo" }
    /** sudo wants the password: it goes first on stdin (`sudo -S`), never on a command line. */
    | { kind: "sudo-password"; password: string };

/** Decides how `user` becomes root; `sudoWithoutPassword` runs `sudo -n true` on the node. */
export async function privilegeOf(user: string, password: string | undefined, sudoWithoutPassword: () => Promise<boolean>): Promise<Privilege> {
    if (user === "root") return { kind: "root" };
    if (await sudoWithoutPassword()) return { kind: "sudo" };
    if (password) return { kind: "sudo-password", password };
    throw new Error(`user ${user} cannot run sudo without a password and no SSH password is configured (ssh.password), or log in as root`);
}

/** The command that runs `shell` as root, and what its stdin must start with. */
export function asRoot(privilege: Privilege, shell: string): { command: string; stdinPrefix: string } {
    switch (privilege.kind) {
        case "root":
            return { command: shell, stdinPrefix: "" };
        case "sudo":
            return { command: `sudo -n ${shell}`, stdinPrefix: "" };
        case "sudo-password":
            return { command: `sudo -S -p '' ${shell}`, stdinPrefix: `${privilege.password}\n` };
    }
}

/** rsync's --rsync-path for the remote side, which cannot be handed a password. */
export function rsyncPathFor(privilege: Privilege, user: string): string[] {
    switch (privilege.kind) {
        case "root":
            return [];
        case "sudo":
            return ["--rsync-path=sudo -n rsync"];
        case "sudo-password":
            throw new Error(`user ${user} needs a password for sudo, which rsync cannot give: copying the exports needs root or password-less sudo for rsync`);
    }
}
