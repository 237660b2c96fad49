/**
 * Runs a node's checks in one SSH session: one rendered script that calls
 * each check's shell function and reports one `::check` line per check.
 */
import { engineOf } from "../../config/databaseEngine";
import { lastLines } from "../../providers/remote/ssh";
import { opsCommand } from "../commands";
import { OpsContext, OpsNode } from "../context";
import { runOnNode, shellSafe } from "../nodeScript";
import { NODE_CHECKS } from "./nodeChecks";
import { CheckResult, CheckStatus, NodeCheck } from "./types";

/** One line of the node script: `run_check NAME FN ARGS`. */
export interface CheckCall {
    name: string;
    fn: string;
    args: string;
}

/** How the node script calls `check` on `node`, its arguments checked for the shell; or why it does not run. */
export function checkCall(check: NodeCheck, node: OpsNode, ctx: OpsContext): CheckCall | { skip: string } {
    const probe = check.probe(node, ctx);
    if ("skip" in probe) return probe;
    const args = probe.args.map((arg, i) => shellSafe(`${check.name} argument ${i + 1}`, arg)).join(" ");
    return { name: shellSafe("check name", check.name), fn: shellSafe("check function", probe.fn), args };
}

/** The node script's view: the database engine's flags (the shared root-login helpers) and the calls. */
export function checksView(ctx: OpsContext, calls: CheckCall[]): object {
    return { ...engineOf(ctx.settings.packages), calls };
}

/** Parses the script's `::check <name> pass|warn|fail <detail>` lines. */
export function parseCheckLines(stdout: string): Map<string, { status: CheckStatus; detail: string }> {
    const found = new Map<string, { status: CheckStatus; detail: string }>();
    for (const line of stdout.split("\n")) {
        const match = /^::check (\S+) (pass|warn|fail) ?(.*)$/.exec(line);
        if (match) found.set(match[1], { status: match[2] as CheckStatus, detail: match[3] });
    }
    return found;
}

export async function runNodeChecks(ctx: OpsContext, node: OpsNode, checks: NodeCheck[] = NODE_CHECKS): Promise<CheckResult[]> {
    const applicable = checks.filter((c) => c.appliesTo(node, ctx));
    const results = new Map<string, CheckResult>();
    const calls: CheckCall[] = [];
    for (const check of applicable) {
        try {
            const call = checkCall(check, node, ctx);
            if ("skip" in call) {
                results.set(check.name, { check: check.name, where: node.name, status: "skip", detail: call.skip });
                continue;
            }
            calls.push(call);
        } catch (err) {
            results.set(check.name, { check: check.name, where: node.name, status: "fail", detail: (err as Error).message, fix: "complete the stack configuration (see the detail)" });
        }
    }
    if (calls.length > 0) {
        let reported: Map<string, { status: CheckStatus; detail: string }>;
        let unreported = "";
        try {
            const run = await runOnNode(ctx, node, "ops-checks", checksView(ctx, calls), { timeoutSeconds: 120 });
            reported = parseCheckLines(run.stdout);
            unreported = `the check did not report (script exit ${run.code}): ${lastLines(run, 3).replace(/\n/g, " ")}`;
        } catch (err) {
            reported = new Map();
            unreported = `cannot reach the node: ${(err as Error).message}`;
        }
        const unreachable = reported.size === 0 && unreported.startsWith("cannot reach");
        for (const call of calls) {
            const check = applicable.find((c) => c.name === call.name) as NodeCheck;
            const outcome = reported.get(call.name) ?? { status: "fail" as const, detail: unreported };
            const result: CheckResult = { check: call.name, where: node.name, ...outcome };
            if (outcome.status === "fail") {
                result.fix = unreachable
                    ? `if ${node.name} has a new address: ${opsCommand(ctx, "repair host-address", node.name)} --address NEW; otherwise check that it is up and sshd runs`
                    : check.fix(node, ctx, outcome.detail);
            }
            results.set(call.name, result);
        }
    }
    return applicable.map((c) => results.get(c.name) as CheckResult);
}
