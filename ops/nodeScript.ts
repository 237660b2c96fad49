/**
 * Runs one of the ops templates (templates/ops-*.sh.mustache) on a node the
 * way every node command runs: over SSH as root, the script and its
 * environment on stdin (runScript). Everything that comes back is masked.
 */
import { renderTemplate } from "../providers/remote/templates";
import { lastLines, parseReport, runScript, ScriptReport } from "../providers/remote/ssh";
import { OpsContext, OpsNode } from "./context";
import { maskText } from "./mask";

export interface NodeRun {
    code: number;
    stdout: string;
    stderr: string;
    report: ScriptReport;
}

export interface NodeRunOptions {
    env?: Record<string, string>;
    timeoutSeconds?: number;
    /** How long to keep trying to connect (short: ops reports an unreachable node instead of waiting for it). */
    connectSeconds?: number;
}

/** Values that reach an ops template unescaped: addresses, names, paths, numbers. */
const SAFE_VALUE = /^[A-Za-z0-9._:\/@,=+-]*$/;

/** Returns `value` when it can stand in a shell word unquoted; otherwise an error naming it. */
export function shellSafe(what: string, value: string | number): string {
    const text = String(value);
    if (!SAFE_VALUE.test(text)) throw new Error(`${what}: ${JSON.stringify(text)} cannot be passed to a node script (allowed: letters, digits and . _ : / @ , = + -)`);
    return text;
}

/** Renders `templates/<template>.sh.mustache` and runs it on `node`; rejects (masked) only when the node cannot be reached. */
export async function runOnNode(ctx: OpsContext, node: OpsNode, template: string, view: object, options: NodeRunOptions = {}): Promise<NodeRun> {
    const script = renderTemplate(`${template}.sh`, view);
    let result;
    try {
        result = await runScript(node.target, script, {
            env: options.env ?? {},
            timeoutSeconds: options.timeoutSeconds ?? 300,
            connectSeconds: options.connectSeconds ?? 15,
        });
    } catch (err) {
        throw new Error(maskText(`node ${node.name} (${node.target.user}@${node.target.host}:${node.target.port}): ${(err as Error).message}`, ctx.secrets));
    }
    const stdout = maskText(result.stdout, ctx.secrets);
    const stderr = maskText(result.stderr, ctx.secrets);
    return { code: result.code, stdout, stderr, report: parseReport(stdout) };
}

/** Like runOnNode, but a non-zero exit is an error with the script's last lines. */
export async function runOnNodeOrFail(ctx: OpsContext, node: OpsNode, template: string, view: object, options: NodeRunOptions = {}): Promise<NodeRun> {
    const run = await runOnNode(ctx, node, template, view, options);
    if (run.code !== 0) throw new Error(`${template} on node ${node.name} failed with exit code ${run.code}:\n${lastLines(run, 20)}`);
    return run;
}
