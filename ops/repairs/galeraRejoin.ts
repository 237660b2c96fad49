/**
 * repair galera-rejoin: one database node of a Galera cluster back in it
 * (restarted, so it rejoins through a running member), waited for until
 * Synced, then the cluster re-checked on every member.
 */
import { engineOf } from "../../config/databaseEngine";
import { PackageSettings } from "../../config/settings";
import { managementAddressOf, nodeNamed, nodesWith } from "../context";
import { runOnNodeOrFail } from "../nodeScript";
import { recheck } from "./recheck";
import { RepairAction } from "./types";

/** The view of templates/ops-repair-galera-rejoin: the engine's names and flags (the root-login helpers branch on them). */
export function galeraRejoinView(packages: PackageSettings) {
    return engineOf(packages);
}

export const galeraRejoin: RepairAction = {
    name: "galera-rejoin",
    summary: "restart one Galera member (--node) so it rejoins through a running member, wait for Synced, re-check the cluster",
    async run(ctx, args, log) {
        const members = nodesWith(ctx, "database");
        if (members.length < 2) throw new Error(`the stack's database is a single server (${members.map((n) => n.name).join(", ") || "none"}), not a Galera cluster: see repair mysql-bind`);
        const name = args.flags.node;
        if (name === undefined) throw new Error(`--node: name the database node to rejoin (${members.map((n) => n.name).join(", ")})`);
        const node = nodeNamed(ctx, name);
        if (!node.roles.includes("database")) throw new Error(`--node: ${name} is not a database node (its roles: ${node.roles.join(", ")})`);
        const view = galeraRejoinView(ctx.settings.packages);
        log(`rejoining ${name} to the Galera cluster (${members.map((n) => n.name).join(", ")})`);
        const run = await runOnNodeOrFail(ctx, node, "ops-repair-galera-rejoin", view, {
            env: { DB_BIND_ADDRESS: managementAddressOf(node), GALERA_ADDRESSES: members.map(managementAddressOf).join(" ") },
            timeoutSeconds: 720,
        });
        for (const change of run.report.changed) log(`${node.name}: ${change}`);
        if (run.report.changed.length === 0) log(`${node.name}: already Synced; nothing to change`);
        return recheck(ctx, ["mysql-service", "galera-cluster"], log);
    },
};
