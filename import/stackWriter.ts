/**
 * Writes the planned config as Pulumi.<stack>.yaml. Everything happens in a
 * private directory inside the project first; the finished file is renamed
 * into place at the end, so a failure leaves no stack file behind. Secrets go
 * through the stack's secrets provider: `pulumi config set --secret --path`
 * with the value on stdin (never on a command line, never in a plain file).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { NAMESPACE } from "../config/buildSettings";
import { ImportPlan } from "./importPlan";

export class WriteError extends Error {}

export interface WrittenStack {
    file: string;
    /** The stack's config as the engine reads it back (`pulumi config --json --show-secrets`), kept in memory only. */
    config: Record<string, { value?: string; secret?: boolean; objectValue?: unknown }>;
}

export function stackFile(projectDir: string, stack: string): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function writeStack(projectDir: string, stack: string, plan: ImportPlan, force: boolean): WrittenStack {
    const target = stackFile(projectDir, stack);
    if (fs.existsSync(target) && !force) throw new WriteError(`${target} exists; pass --force to replace it`);
    const work = fs.mkdtempSync(path.join(projectDir, ".import-"));
    fs.chmodSync(work, 0o700);
    let created = false;
    try {
        fs.copyFileSync(path.join(projectDir, "Pulumi.yaml"), path.join(work, "Pulumi.yaml"));
        const workFile = stackFile(work, stack);
        // Replacing a stack keeps its secrets provider settings (the passphrase salt), so its state stays readable.
        if (fs.existsSync(target)) {
            const old = (YAML.parse(fs.readFileSync(target, "utf8")) ?? {}) as Record<string, unknown>;
            const keep = Object.fromEntries(Object.entries(old).filter(([k]) => k !== "config"));
            fs.writeFileSync(workFile, YAML.stringify(keep), { mode: 0o600 });
        }
        const existed = stackNames(work).includes(stack);
        // Its secrets provider settings live in the missing file; a new one would not read the stack's state.
        if (existed && !fs.existsSync(target) && !force) throw new WriteError(`the stack ${stack} exists in the backend but ${target} does not; restore that file, or pass --force to write a new one`);
        pulumi(work, ["stack", existed ? "select" : "init", ...(existed ? [] : ["--secrets-provider", "passphrase"]), stack, "--non-interactive"]);
        created = !existed;

        const doc = (fs.existsSync(workFile) ? YAML.parse(fs.readFileSync(workFile, "utf8")) : {}) ?? {};
        doc.config = Object.fromEntries(Object.entries(plan.config).map(([k, v]) => [`${NAMESPACE}:${k}`, v]));
        fs.writeFileSync(workFile, YAML.stringify(doc), { mode: 0o600 });
        for (const secret of plan.secrets) {
            pulumi(work, ["config", "set", "--secret", "--path", `${NAMESPACE}:${secret.key}`, "--stack", stack, "--non-interactive"], secret.value);
        }
        const config = JSON.parse(pulumi(work, ["config", "--json", "--show-secrets", "--stack", stack])) as WrittenStack["config"];
        fs.renameSync(workFile, target);
        return { file: target, config };
    } catch (err) {
        // Only a stack this run created is removed; -f: its (empty) state goes too.
        if (created) pulumi(work, ["stack", "rm", "--yes", "--force", stack], undefined, true);
        throw err;
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}

function stackNames(cwd: string): string[] {
    const listed = JSON.parse(pulumi(cwd, ["stack", "ls", "--json"])) as { name: string }[];
    return listed.map((s) => s.name.split("/").pop()!);
}

/** Runs the engine; `input` (a secret) is its stdin. Its output is never shown: it may hold decrypted config. */
function pulumi(cwd: string, args: string[], input?: string, ignoreFailure = false): string {
    const result = spawnSync("pulumi", args, { cwd, input: input ?? "", encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error) throw new WriteError(`could not run pulumi (${result.error.message}); run through \`npm run import\`, which puts the project's engine on PATH`);
    if (result.status !== 0 && !ignoreFailure) {
        // stderr of a failed `config set` names the key, never the value (it came on stdin).
        throw new WriteError(`pulumi ${args.slice(0, 2).join(" ")} failed: ${result.stderr.trim().split("\n").slice(-3).join(" ")}`);
    }
    return result.stdout;
}
