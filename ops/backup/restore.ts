/**
 * `restore --file F --yes`: puts a dump made by `backup` back. Refuses
 * without --yes. Checks the file first (gzip intact, complete, its .sha256
 * when there is one), stops the usage and management servers, uploads the
 * dump to the database node (0600, removed afterwards), restores it, and
 * starts the servers again, waiting for the API. When the restore fails the
 * servers stay stopped: starting them on half a database would do harm.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { UsageError } from "../args";
import { OpsContext, nodeWith } from "../context";
import { manageServices } from "../management";
import { runOnNodeOrFail } from "../nodeScript";
import { uploadFile } from "../sshSession";
import { checkDumpFile } from "./dump";

export interface RestoreOptions {
    file?: string;
    confirmed: boolean;
    log: (line: string) => void;
}

async function checkSidecar(file: string): Promise<void> {
    const sidecar = `${file}.sha256`;
    if (!fs.existsSync(sidecar)) return;
    const expected = fs.readFileSync(sidecar, "utf8").split(/\s+/)[0];
    const hash = createHash("sha256");
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    if (hash.digest("hex") !== expected) throw new Error(`${file} does not match ${path.basename(sidecar)}: the file changed since the backup`);
}

export async function runRestore(ctx: OpsContext, options: RestoreOptions): Promise<void> {
    if (!options.file) throw new UsageError("restore: --file FILE is required (a .sql.gz made by backup)");
    const file = path.resolve(ctx.projectDir, options.file);
    if (!fs.existsSync(file)) throw new UsageError(`--file: ${file} does not exist`);
    const database = nodeWith(ctx, "database");
    if (!options.confirmed) {
        throw new UsageError(
            `restore replaces the databases cloud and cloud_usage on ${database.name} with ${file}, ` +
                `stopping the management and usage servers meanwhile; everything since that backup is lost. Add --yes to do it.`,
        );
    }
    await checkDumpFile(file);
    await checkSidecar(file);
    options.log(`${path.basename(file)} is intact; stopping the management and usage servers`);
    await manageServices(ctx, "stop", options.log);
    const remote = `/var/tmp/cloudstack-infra-restore-${randomBytes(6).toString("hex")}.sql.gz`;
    const upload = await uploadFile(database.target, file, remote);
    if (upload.code !== 0) throw new Error(`could not upload the dump to ${database.name} (exit ${upload.code}): ${upload.stderr.trim()}; the management server is stopped`);
    try {
        const run = await runOnNodeOrFail(ctx, database, "ops-restore", { mysql: ctx.settings.packages.databaseEngine === "mysql", mariadb: ctx.settings.packages.databaseEngine === "mariadb" }, {
            env: { DUMP_FILE: remote },
            timeoutSeconds: 6 * 3600,
        });
        options.log(`${database.name}: restored (${run.report.outputs.tables} tables in cloud and cloud_usage)`);
    } catch (err) {
        options.log("the restore failed; the management and usage servers stay stopped until the database is whole again");
        throw err;
    }
    options.log("starting the management and usage servers");
    await manageServices(ctx, "start", options.log);
}
