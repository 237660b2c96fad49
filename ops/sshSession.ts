/**
 * An SSH session for what runScript (providers/remote/ssh.ts) cannot do:
 * stream binary data (a database dump to the controller, a dump back to the
 * database node) and learn which host key a node presents (host-address).
 *
 * Same rules as runScript: root, or sudo without exposing anything on a
 * command line; scripts and secrets travel on stdin; the pinned host key is
 * enforced when there is one.
 */
import * as fs from "fs";
import { Readable, Writable } from "stream";
import { Client } from "ssh2";
import { asRoot, Privilege } from "../providers/remote/privilege";
import { connectClient, privilegeFor, scriptPayload, SshTarget } from "../providers/remote/ssh";
export { sameHostKey } from "../providers/remote/ssh";

export interface Session {
    client: Client;
    target: SshTarget;
    /** The host key the node presented, in authorized_keys form ("ssh-ed25519 AAAA..."). */
    hostKey: string;
}

/** A session that runs commands as root: the node was asked how (providers/remote/privilege.ts). */
export interface RootSession extends Session {
    privilege: Privilege;
}

export async function openRootSession(target: SshTarget): Promise<RootSession> {
    const session = await openSession(target);
    try {
        return { ...session, privilege: await privilegeFor(session.client, target) };
    } catch (err) {
        session.client.end();
        throw err;
    }
}

/** Connects once; with `pin` false the host key is only recorded, never enforced. */
export async function openSession(target: SshTarget, pin = true, timeoutSeconds = 20): Promise<Session> {
    const { client, hostKey } = await connectClient(target, { pin, readyTimeoutSeconds: timeoutSeconds });
    return { client, target, hostKey };
}

export interface ExecResult {
    code: number;
    stderr: string;
}

/** Runs `command`, feeding `stdin` (text, then an optional stream) and piping stdout into `stdout`. */
export function exec(session: Session, command: string, stdin: { text: string; then?: Readable }, stdout: Writable): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
        session.client.exec(command, (err, channel) => {
            if (err) return reject(err);
            const stderr: Buffer[] = [];
            channel.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
            channel.on("close", (code: number | null) => resolve({ code: code ?? 255, stderr: Buffer.concat(stderr).toString("utf8") }));
            channel.pipe(stdout, { end: false });
            channel.write(stdin.text);
            if (stdin.then) stdin.then.on("error", reject).pipe(channel);
            else channel.end();
        });
    });
}

/** Runs a script as root with its environment on stdin; its stdout (binary) goes to `stdout`. */
export async function streamScript(target: SshTarget, script: string, env: Record<string, string>, stdout: Writable): Promise<ExecResult> {
    const session = await openRootSession(target);
    try {
        const root = asRoot(session.privilege, "/bin/bash -s");
        return await exec(session, root.command, { text: root.stdinPrefix + scriptPayload(script, env) }, stdout);
    } finally {
        session.client.end();
    }
}

/**
 * Copies a local file to `remotePath` on the node (mode 0600, root's): the
 * fixed command reads the path from the first line of stdin, the file follows.
 */
export async function uploadFile(target: SshTarget, localFile: string, remotePath: string): Promise<ExecResult> {
    if (!/^\/[A-Za-z0-9._\/-]+$/.test(remotePath)) throw new Error(`remote path ${JSON.stringify(remotePath)} is not a plain absolute path`);
    const session = await openRootSession(target);
    try {
        const root = asRoot(session.privilege, `/bin/bash -c 'IFS= read -r target && umask 077 && exec cat >"$target"'`);
        const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
        return await exec(session, root.command, { text: `${root.stdinPrefix}${remotePath}\n`, then: fs.createReadStream(localFile) }, sink);
    } finally {
        session.client.end();
    }
}
