/**
 * Day-2 operations on a deployed stack (docs/OPERATIONS.md):
 *
 *   npm run verify -- --stack dev
 *   npm run diagnose -- --stack dev [--job <id>]
 *   npm run ops -- repair <action> --stack dev [--node X]
 *   npm run backup -- --stack dev
 *   npm run restore -- --stack dev --file backups/dev/dev-db-....sql.gz --yes
 *
 * Exit codes: 0 done (verify: every check passed), 1 a check or an action
 * failed, 2 the command line or the stack configuration is wrong.
 */
import * as path from "path";
import { ConfigError } from "../config/problems";
import { describeTopology } from "../config/topology";
import { OpsArgs, parseArgs, UsageError, USAGE } from "./args";
import { buildContext, OpsContext } from "./context";
import { maskText } from "./mask";
import { readStack } from "./stackReader";
import { failed, renderVerifyReport, runVerify } from "./verify";
import { runDiagnose } from "./diagnose";
import { runRepair } from "./repairs";
import { runBackup } from "./backup/backup";
import { runRestore } from "./backup/restore";

const REPO = path.join(__dirname, "..");

type Handler = (ctx: OpsContext, args: OpsArgs, print: (line: string) => void) => Promise<number>;

const HANDLERS: Record<OpsArgs["command"], Handler> = {
    async verify(ctx, args, print) {
        const results = await runVerify(ctx, { node: args.flags.node });
        print(renderVerifyReport(results));
        return failed(results).length > 0 ? 1 : 0;
    },
    async diagnose(ctx, args, print) {
        const bundle = await runDiagnose(ctx, { job: args.flags.job, output: args.flags.output, node: args.flags.node, log: print });
        print(`diagnostics bundle: ${bundle}`);
        return 0;
    },
    async repair(ctx, args, print) {
        return (await runRepair(ctx, args, print)) ? 0 : 1;
    },
    async backup(ctx, args, print) {
        const result = await runBackup(ctx, { includeExports: args.flags.exports === "true" || ctx.settings.backup.includeExports, log: print });
        print(`backup: ${result.file} (${result.bytes} bytes, sha256 ${result.sha256})`);
        return 0;
    },
    async restore(ctx, args, print) {
        await runRestore(ctx, { file: args.flags.file, confirmed: args.flags.yes === "true", log: print });
        return 0;
    },
    async topology(ctx, _args, print) {
        print(describeTopology(ctx.settings));
        return 0;
    },
};

/** Runs a parsed command on a context; every printed line is masked. */
export function execute(ctx: OpsContext, args: OpsArgs, print: (line: string) => void): Promise<number> {
    return HANDLERS[args.command](ctx, args, (line) => print(maskText(line, ctx.secrets)));
}

export async function main(argv: string[], print: (line: string) => void = (line) => console.log(line)): Promise<number> {
    let secrets: string[] = [];
    try {
        const args = parseArgs(argv);
        const view = await readStack({ workDir: REPO, stackName: args.stack });
        const ctx = await buildContext(view.settings, view.extras);
        secrets = ctx.secrets;
        return await execute(ctx, args, print);
    } catch (err) {
        const error = err as Error;
        console.error(maskText(error.message, secrets));
        return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
    }
}

if (require.main === module) {
    if (process.argv.length <= 2 || ["-h", "--help", "help"].includes(process.argv[2])) {
        console.log(USAGE);
        process.exit(0);
    }
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
