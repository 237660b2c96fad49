/**
 * Runs a script on a node over SSH (ssh2, pure JavaScript).
 *
 * The command line is always the fixed `bash -s` (with sudo for non-root
 * users): the script and every secret travel on stdin, so nothing sensitive
 * shows up in `ps` on the node. Node modules are required inside the
 * functions because Pulumi serializes dynamic providers to source code.
 */

import { asRoot, Privilege, privilegeOf } from "./privilege";

/** How to reach a node; secrets here come decrypted from the engine and are never logged. */
export interface SshTarget {
    host: string;
    port: number;
    user: string;
    password?: string;
    privateKey?: string;
    /** Read on the controller when connecting; "~/" is the controller user's home. */
    privateKeyFile?: string;
    /** authorized_keys form; when absent the host key is not checked. */
    hostKey?: string;
}

export interface ScriptResult {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

export interface RunOptions {
    /** Environment variables exported before the script runs (secrets included). */
    env: Record<string, string>;
    timeoutSeconds: number;
    /** How long to keep retrying the connection (the node may be rebooting or re-plumbing its network). */
    connectSeconds: number;
}

/** Runs `script` with bash as root and resolves with its exit code and output; rejects only when it cannot connect or times out. */
export async function runScript(target: SshTarget, script: string, options: RunOptions): Promise<ScriptResult> {
    const started = Date.now();
    const client = await connectWithRetry(target, options.connectSeconds);
    try {
        const root = asRoot(await privilegeFor(client, target), "/bin/bash -s");
        const { code, stdout, stderr } = await execute(client, root.command, root.stdinPrefix + scriptPayload(script, options.env), options.timeoutSeconds);
        return { code, stdout, stderr, seconds: (Date.now() - started) / 1000 };
    } finally {
        client.end();
    }
}

/**
 * The text bash reads on stdin: exports, then the script inside one brace
 * group with stdin closed, so commands in the script (apt, mysql) cannot eat
 * the rest of the script.
 */
export function scriptPayload(script: string, env: Record<string, string>): string {
    const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
    const exports = Object.keys(env)
        .sort()
        .map((name) => {
            if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name ${JSON.stringify(name)}`);
            return `export ${name}=${quote(env[name])}`;
        });
    return [...exports, "umask 022", "{", script, "} </dev/null", ""].join("\n");
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Ssh2Client = any;

async function connectWithRetry(target: SshTarget, connectSeconds: number): Promise<Ssh2Client> {
    const deadline = Date.now() + connectSeconds * 1000;
    let lastError: Error | undefined;
    for (let attempt = 0; ; attempt++) {
        try {
            return await connectOnce(target);
        } catch (err) {
            lastError = err as Error;
            // Wrong credentials or a changed host key will not fix themselves.
            if (/authentication|host key/i.test(lastError.message) || Date.now() >= deadline) break;
            await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 5000)));
        }
    }
    throw new Error(`cannot connect to ${target.user}@${target.host}:${target.port}: ${lastError?.message}`);
}

function connectOnce(target: SshTarget): Promise<Ssh2Client> {
    return connectClient(target).then((connected) => connected.client);
}

/** The key blob as an authorized_keys line ("ssh-ed25519 AAAA..."; its first field names the type). */
function authorizedKeyOf(blob: Buffer): string {
    const typeLength = blob.readUInt32BE(0);
    return `${blob.subarray(4, 4 + typeLength).toString("ascii")} ${blob.toString("base64")}`;
}

/** Whether two authorized_keys lines carry the same key. */
export function sameHostKey(a: string | undefined, b: string | undefined): boolean {
    const body = (key: string | undefined) => key?.trim().split(/\s+/)[1];
    return body(a) !== undefined && body(a) === body(b);
}

export interface ConnectOptions {
    /** Enforce the pinned host key (default); false only records the key presented. */
    pin?: boolean;
    readyTimeoutSeconds?: number;
}

/** One SSH connection; resolves with the client and the host key the node presented. */
export function connectClient(target: SshTarget, options: ConnectOptions = {}): Promise<{ client: Ssh2Client; hostKey: string }> {
    const { Client } = require("ssh2");
    const fs = require("fs");
    const os = require("os");
    const path = require("path");
    const pin = options.pin ?? true;
    return new Promise((resolve, reject) => {
        const client = new Client();
        let privateKey: string | Buffer | undefined = target.privateKey;
        if (!privateKey && target.privateKeyFile) {
            const file = target.privateKeyFile.replace(/^~(?=\/)/, os.homedir());
            try {
                privateKey = fs.readFileSync(path.resolve(file));
            } catch (err) {
                reject(new Error(`authentication impossible: cannot read private key file ${target.privateKeyFile}: ${(err as Error).message}`));
                return;
            }
        }
        let presented = "";
        client
            .on("ready", () => resolve({ client, hostKey: presented }))
            .on("error", (err: Error) => {
                client.end();
                const mismatch = pin && target.hostKey !== undefined && presented !== "" && !sameHostKey(presented, target.hostKey);
                reject(mismatch ? new Error(`host key of ${target.host}:${target.port} does not match the pinned hostKey`) : err);
            })
            .on("keyboard-interactive", (_name: string, _instructions: string, _lang: string, prompts: unknown[], finish: (answers: string[]) => void) =>
                finish(prompts.map(() => target.password ?? "")),
            )
            .connect({
                host: target.host,
                port: target.port,
                username: target.user,
                password: target.password,
                privateKey,
                tryKeyboard: target.password !== undefined,
                readyTimeout: (options.readyTimeoutSeconds ?? 20) * 1000,
                keepaliveInterval: 10000,
                keepaliveCountMax: 6,
                hostVerifier: (key: Buffer) => {
                    presented = authorizedKeyOf(key);
                    return !pin || target.hostKey === undefined || sameHostKey(presented, target.hostKey);
                },
            });
    });
}

function execute(client: Ssh2Client, command: string, stdin: string, timeoutSeconds: number): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        client.exec(command, (err: Error | undefined, stream: Ssh2Client) => {
            if (err) {
                reject(err);
                return;
            }
            const stdout: Buffer[] = [];
            const stderr: Buffer[] = [];
            const timer = setTimeout(() => {
                stream.close();
                reject(new Error(`timed out after ${timeoutSeconds}s`));
            }, timeoutSeconds * 1000);
            // A connection that dies (keepalive unanswered, reset) ends the channel with no exit status: say so, rather than
            // report a made-up exit code, and say the script may still be running there.
            let connectionError: Error | undefined;
            const lost = () => {
                clearTimeout(timer);
                const why = connectionError ? connectionError.message : "closed before the script reported its exit status";
                reject(new Error(`SSH connection lost while the script ran (${why}); the script may still be running on the node`));
            };
            client.on("error", (err: Error) => (connectionError = err));
            client.on("close", lost);
            stream.on("data", (chunk: Buffer) => stdout.push(chunk));
            stream.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
            stream.on("close", (code: number | null, signal?: string) => {
                clearTimeout(timer);
                if ((code === null || code === undefined) && !signal) {
                    lost();
                    return;
                }
                resolve({
                    code: code ?? (signal ? 128 : 255),
                    stdout: Buffer.concat(stdout).toString("utf8"),
                    stderr: Buffer.concat(stderr).toString("utf8"),
                });
            });
            stream.end(stdin);
        });
    });
}

/** How this login becomes root on the node the client is connected to (privilege.ts). */
export function privilegeFor(client: Ssh2Client, target: SshTarget): Promise<Privilege> {
    return privilegeOf(target.user, target.password, () => commandSucceeds(client, "sudo -n true"));
}

function commandSucceeds(client: Ssh2Client, command: string): Promise<boolean> {
    return execute(client, command, "", 30).then(
        (result) => result.code === 0,
        () => false,
    );
}

/** What a script reported through its `::output`, `::changed` and `::warning` lines. */
export interface ScriptReport {
    outputs: Record<string, string>;
    changed: string[];
    warnings: string[];
}

export function parseReport(stdout: string): ScriptReport {
    const report: ScriptReport = { outputs: {}, changed: [], warnings: [] };
    for (const line of stdout.split("\n")) {
        const output = /^::output ([A-Za-z][A-Za-z0-9_]*)=(.*)$/.exec(line);
        if (output) report.outputs[output[1]] = output[2];
        else if (line.startsWith("::changed ")) report.changed.push(line.slice("::changed ".length).trim());
        else if (line.startsWith("::warning ")) report.warnings.push(line.slice("::warning ".length).trim());
    }
    return report;
}

/** Replaces every secret value in `text` so error messages and logs cannot leak them. */
export function maskSecrets(text: string, secrets: string[]): string {
    let masked = text;
    for (const secret of secrets.filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
        masked = masked.split(secret).join("********");
    }
    return masked;
}

/** The last `count` lines of a script's combined output, for error messages. */
export function lastLines(result: Pick<ScriptResult, "stdout" | "stderr">, count: number): string {
    const lines = `${result.stdout}\n${result.stderr}`.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("::output "));
    return lines.slice(-count).join("\n");
}
