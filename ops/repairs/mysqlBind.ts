/**
 * repair mysql-bind: MySQL/MariaDB running and bound to the database node's
 * management address (database.bindAddress, else that node's management
 * address), restarted only when that changes something, then re-checked
 * from the database node and from the management server.
 */
import { engineOf } from "../../config/databaseEngine";
import { databaseAddress, nodeWith } from "../context";
import { runOnNodeOrFail } from "../nodeScript";
import { recheck } from "./recheck";
import { RepairAction } from "./types";

export const mysqlBind: RepairAction = {
    name: "mysql-bind",
    summary: "start MySQL and bind it to the database node's management address (restart only when needed), then re-check",
    async run(ctx, _args, log) {
        const node = nodeWith(ctx, "database");
        const engine = engineOf(ctx.settings.packages);
        const address = databaseAddress(ctx);
        log(`binding ${engine.service} on ${node.name} to ${address}:${ctx.settings.database.port}`);
        const run = await runOnNodeOrFail(
            ctx,
            node,
            "ops-repair-mysql-bind",
            { cnfPath: `${engine.confDir}/zz-cloudstack.cnf`, service: engine.service, port: ctx.settings.database.port },
            { env: { BIND_ADDRESS: address }, timeoutSeconds: 180 },
        );
        for (const change of run.report.changed) log(`${node.name}: ${change}`);
        if (run.report.changed.length === 0) log(`${node.name}: nothing to change; ${engine.service} already listens on ${address}`);
        return recheck(ctx, ["mysql-service", "mysql-bind", "mysql-from-management"], log);
    },
};
