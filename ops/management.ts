/** Stopping, starting and restarting the management server(s), waiting for the API after a start. */
import { OpsContext, nodesWith } from "./context";
import { runOnNodeOrFail } from "./nodeScript";

export type ServiceAction = "stop" | "start" | "restart";

/** Runs the action on every management node (in turn: a cluster keeps one server answering during a restart). */
export async function manageServices(ctx: OpsContext, action: ServiceAction, log: (line: string) => void): Promise<void> {
    const { uiPort, apiPath, startTimeoutSeconds } = ctx.settings.management;
    for (const node of nodesWith(ctx, "management")) {
        const run = await runOnNodeOrFail(ctx, node, "ops-management-service", { uiPort, apiPath, startTimeoutSeconds }, {
            env: { OPS_ACTION: action },
            timeoutSeconds: startTimeoutSeconds + 120,
        });
        for (const change of run.report.changed) log(`${node.name}: ${change}`);
    }
}
