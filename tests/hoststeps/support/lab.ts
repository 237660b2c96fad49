/**
 * This suite's own lab (tests/support/lab.ts) and a runner that executes a
 * step's script on a lab host with plain ssh exactly as RemoteScript does:
 * `bash -s` as root, the environment (secrets included) exported at the top
 * of stdin, the script after it. Failing runs resolve too, so tests can look
 * at their messages.
 */
import { spawn } from "child_process";
import * as path from "path";
import { parseReport, scriptPayload } from "../../../providers/remote/ssh";
import { RemoteStep } from "../../../providers/remote/step";
import { TestLab } from "../../support/lab";

/** Prefix, subnets and ports of its own, so this suite never collides with other labs. */
export const STEPS_LAB = new TestLab({ prefix: "labtpl", managementPrefix: "10.25.0", publicPrefix: "10.26.0", sshPortBase: 23000 });

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
    return sshOnLab(STEPS_LAB, host, command, stdin);
}

/** Until `command` succeeds on the host (a condition, not a pause); fails after `seconds`. */
export async function untilOnHost(host: string, command: string, seconds = 60): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    while ((await onHost(host, command)).code !== 0) {
        if (Date.now() > deadline) throw new Error(`${host}: "${command}" did not succeed within ${seconds}s`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
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
    return sshOnLab(STEPS_LAB, host, "bash -s", scriptPayload(script, env));
}

/** Runs a command on a host of `lab` as root with plain ssh, its report parsed as RemoteScript does; failing runs resolve too. */
export function sshOnLab(lab: TestLab, host: string, command: string, stdin = ""): Promise<StepRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("ssh", ["-F", path.join(lab.dir, "ssh_config"), "-o", "BatchMode=yes", host, command], { stdio: ["pipe", "pipe", "pipe"] });
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
