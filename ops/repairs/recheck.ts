/** After a repair: the checks it should have fixed, run again and printed. */
import { CheckResult } from "../checks/types";
import { OpsContext } from "../context";
import { failed, renderVerifyReport, runVerify } from "../verify";

/** Runs `checks` (on `node` only, when given) and prints their table; true when none failed. */
export async function recheck(ctx: OpsContext, checks: string[], log: (line: string) => void, node?: string): Promise<boolean> {
    const results: CheckResult[] = await runVerify(ctx, { only: checks, node });
    log("re-check:");
    log(renderVerifyReport(results));
    return failed(results).length === 0;
}
