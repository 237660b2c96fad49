/**
 * A private test lab (tests/lab/lab.sh) for the real-run tests of the node
 * scripts, and a runner that executes a step's script on a lab host with
 * plain ssh exactly as RemoteScript does: `bash -s` as root, the environment
 * (secrets included) exported at the top of stdin, the script after it.
 */
import { execFile, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { parseReport, scriptPayload } from "../../../providers/remote/ssh";
import { RemoteStep } from "../../../providers/remote/step";
import { LabInventory, readInventory } from "../labSettings";

const REPO = path.join(__dirname, "..", "..", "..");
const LAB_SH = path.join(REPO, "tests", "lab", "lab.sh");

/** This suite's own lab, so it never collides with other engineers' labs. */
const LAB_ENV = { LAB_PREFIX: "labtpl", LAB_MGMT_PREFIX: "10.25.0", LAB_PUB_PREFIX: "10.26.0", LAB_SSH_PORT_BASE: "23000" };
export const LAB_DIR = path.join(REPO, ".lab", LAB_ENV.LAB_PREFIX);

/** Why the lab cannot run here, or undefined when it can. */
export function labUnavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return "the lab needs root (network namespaces, mounts, cgroups)";
    if (!fs.existsSync(LAB_SH)) return `${LAB_SH} does not exist yet`;
    return undefined;
}

async function lab(...args: string[]): Promise<string> {
    const { stdout, stderr } = await promisify(execFile)(LAB_SH, args, { env: { ...process.env, ...LAB_ENV }, maxBuffer: 16 << 20, timeout: 900_000 });
    return stdout + stderr;
}

export async function labUp(hosts: number): Promise<LabInventory> {
    await lab("up", String(hosts));
    return readInventory(LAB_DIR);
}

/** Always safe to call: tears down whatever of this lab exists. */
export async function labDown(): Promise<void> {
    if (fs.existsSync(path.join(LAB_DIR, "state", "config"))) await lab("down");
}

export interface StepRun {
    code: number;
    stdout: string;
    stderr: string;
    changed: string[];
    warnings: string[];
    outputs: Record<string, string>;
}

/** Runs a shell command on a host (test plumbing, not a step). */
export function onHost(host: string, command: string, stdin = ""): Promise<StepRun> {
    return ssh(host, command, stdin);
}

/** Runs a step's script (or its delete script) on a host with its env and the secrets it declares, taken from `values`. */
export function runStep(host: string, step: RemoteStep, values: Record<string, string> = {}, phase: "create" | "delete" = "create"): Promise<StepRun> {
    const script = phase === "create" ? step.script : step.deleteScript;
    if (script === undefined) throw new Error(`step ${step.name} has no delete script`);
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) {
        if (typeof value !== "string") throw new Error(`step ${step.name}: env ${name} is not a plain string in this test`);
        env[name] = value;
    }
    for (const name of step.secretEnv ?? []) {
        if (values[name] === undefined) throw new Error(`step ${step.name} needs the secret ${name}`);
        env[name] = values[name];
    }
    return ssh(host, "bash -s", scriptPayload(script, env));
}

function ssh(host: string, command: string, stdin: string): Promise<StepRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", ["-F", path.join(LAB_DIR, "ssh_config"), "-o", "BatchMode=yes", host, command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => (stdout += chunk));
        child.stderr.on("data", (chunk) => (stderr += chunk));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr, ...parseReport(stdout) }));
        child.stdin.end(stdin);
    });
}

/** A readable failure message for expectations on a run. */
export function describeRun(run: StepRun): string {
    return `exit ${run.code}\n--- stdout (tail)\n${run.stdout.split("\n").slice(-25).join("\n")}\n--- stderr (tail)\n${run.stderr.split("\n").slice(-15).join("\n")}`;
}
