/** The repair actions, by name: `npm run ops -- repair <action> --stack NAME`. */
import { OpsArgs, UsageError } from "../args";
import { OpsContext } from "../context";
import { galeraRejoin } from "./galeraRejoin";
import { hostAddress } from "./hostAddress";
import { kvmHost } from "./kvmHost";
import { mysqlBind } from "./mysqlBind";
import { ssvmCertificate } from "./ssvmCertificate";
import { systemvmTemplate } from "./systemvmTemplate";
import { RepairAction } from "./types";

export const REPAIRS: RepairAction[] = [mysqlBind, galeraRejoin, systemvmTemplate, ssvmCertificate, kvmHost, hostAddress];

/** Runs the named action; true when it repaired and its re-check passed. */
export async function runRepair(ctx: OpsContext, args: OpsArgs, log: (line: string) => void): Promise<boolean> {
    const action = REPAIRS.find((r) => r.name === args.action);
    if (!action) {
        throw new UsageError(`repair: "${args.action}" is not an action; actions:\n${REPAIRS.map((r) => `  ${r.name.padEnd(18)} ${r.summary}`).join("\n")}`);
    }
    log(`repair ${action.name} on stack ${ctx.settings.stack}: ${action.summary}`);
    const ok = await action.run(ctx, args, log);
    log(ok ? `repair ${action.name}: done` : `repair ${action.name}: NOT repaired (see above)`);
    return ok;
}
