/**
 * `backup`: the dump of cloud and cloud_usage from the database node into
 * backup.directory on the controller (backup.keep copies), and with
 * backup.includeExports (or --exports) the rsync mirror of the exports.
 */
import * as path from "path";
import { OpsContext, nodeWith } from "../context";
import { dumpDatabases, DumpResult, NothingToBackUp } from "./dump";
import { syncExports } from "./exports";

export interface BackupOptions {
    includeExports: boolean;
    log: (line: string) => void;
}

export interface BackupResult extends DumpResult {
    exports?: string;
}

export function backupDirectory(ctx: OpsContext): string {
    return path.resolve(ctx.projectDir, ctx.settings.backup.directory);
}

export async function runBackup(ctx: OpsContext, options: BackupOptions): Promise<BackupResult> {
    const node = nodeWith(ctx, "database");
    const directory = backupDirectory(ctx);
    options.log(`dumping cloud and cloud_usage on ${node.name} into ${directory}`);
    let result: BackupResult;
    try {
        result = await dumpDatabases(node.target, {
            engine: ctx.settings.packages.databaseEngine,
            directory,
            prefix: `${ctx.settings.stack}-db`,
            keep: ctx.settings.backup.keep,
            secrets: ctx.secrets,
        });
    } catch (err) {
        if (err instanceof NothingToBackUp) throw new Error(`nothing to back up on ${node.name}: ${err.message}`);
        throw err;
    }
    for (const old of result.removed) options.log(`removed ${old} (backup.keep is ${ctx.settings.backup.keep})`);
    if (options.includeExports) result.exports = await syncExports(ctx, directory, options.log);
    return result;
}
