/**
 * `verify`: every node's checks (one SSH session per node, all nodes at
 * once) and the cloud's checks through the API, in parallel; a table of
 * pass/fail and, for each failure, what fixes it.
 */
import { CheckResult } from "./checks/types";
import { runCloudChecks } from "./checks/cloudChecks";
import { NODE_CHECKS } from "./checks/nodeChecks";
import { runNodeChecks } from "./checks/runNodeChecks";
import { OpsContext } from "./context";
import { renderTable } from "./table";

export interface VerifyOptions {
    /** Only this node's checks (and no cloud checks unless `only` names some). */
    node?: string;
    /** Only these checks (by name), e.g. to re-check after a repair. */
    only?: string[];
}

export async function runVerify(ctx: OpsContext, options: VerifyOptions = {}): Promise<CheckResult[]> {
    const checks = options.only ? NODE_CHECKS.filter((c) => options.only!.includes(c.name)) : NODE_CHECKS;
    const nodes = options.node ? ctx.nodes.filter((n) => n.name === options.node) : ctx.nodes;
    // `verify --node X` is about one machine; a re-check naming cloud checks wants them whatever the node.
    const withCloud = options.only ? options.only.some((name) => !NODE_CHECKS.some((c) => c.name === name)) : options.node === undefined;
    const perNode = nodes.map((node) => runNodeChecks(ctx, node, checks));
    const cloud = withCloud ? runCloudChecks(ctx) : Promise.resolve([]);
    const results = [...(await Promise.all(perNode)).flat(), ...(await cloud)];
    return options.only ? results.filter((r) => options.only!.includes(r.check)) : results;
}

export const failed = (results: CheckResult[]) => results.filter((r) => r.status === "fail");

/** The table, a summary line, and the fixes of the failures. */
export function renderVerifyReport(results: CheckResult[]): string {
    const table = renderTable(
        ["CHECK", "WHERE", "RESULT", "DETAIL"],
        results.map((r) => [r.check, r.where, r.status.toUpperCase(), r.detail]),
    );
    const failures = failed(results);
    const warnings = results.filter((r) => r.status === "warn");
    const counts =
        `${results.filter((r) => r.status === "pass").length} passed, ${failures.length} failed, ${results.filter((r) => r.status === "skip").length} skipped` +
        (warnings.length > 0 ? `, ${warnings.length} with warnings` : "");
    const warned = warnings.map((r) => `  - ${r.check} on ${r.where}: ${r.detail}`);
    const fixes = failures.map((r) => `  - ${r.check} on ${r.where}: ${r.detail}\n      fix: ${r.fix ?? "no fix known; run diagnose"}`);
    return [table, "", counts, ...(warned.length ? ["", "Warnings (not failures):", ...warned] : []), ...(fixes.length ? ["", "How to fix:", ...fixes] : [])].join("\n");
}
