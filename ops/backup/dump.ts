/**
 * A database dump streamed from the database node into a file on the
 * controller: written 0600 under a temporary name, checked (gzip intact,
 * mysqldump's completion line present), then renamed and given a .sha256
 * file; older dumps beyond `keep` are removed. Used by `npm run backup` and
 * by the dump before a `pulumi up` that changes the database or management
 * nodes (components/PreChangeBackup.ts).
 */
import { createHash, randomBytes } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PassThrough } from "stream";
import { pipeline } from "stream/promises";
import * as zlib from "zlib";
import { renderTemplate } from "../../providers/remote/templates";
import { SshTarget } from "../../providers/remote/ssh";
import { maskText } from "../mask";
import { streamScript } from "../sshSession";

export interface DumpOptions {
    /** packages.databaseEngine, for the root-login helpers. */
    engine: "mysql" | "mariadb";
    /** Absolute directory on the controller. */
    directory: string;
    /** File name prefix, e.g. "dev-db" → dev-db-20260101T000000Z.sql.gz. */
    prefix: string;
    keep: number;
    /** Masked out of error messages. */
    secrets: string[];
}

export interface DumpResult {
    file: string;
    bytes: number;
    sha256: string;
    /** Dumps removed because more than `keep` existed. */
    removed: string[];
}

/** The database node has no CloudStack databases yet. */
export class NothingToBackUp extends Error {}

const DUMP_END = "-- Dump completed";

/** Throws unless `file` is a complete gzip'd mysqldump. */
export async function checkDumpFile(file: string): Promise<void> {
    let tail = "";
    const keepTail = new PassThrough();
    keepTail.on("data", (chunk: Buffer) => (tail = (tail + chunk.toString("latin1")).slice(-400)));
    try {
        await pipeline(fs.createReadStream(file), zlib.createGunzip(), keepTail);
    } catch (err) {
        throw new Error(`${file} is not an intact gzip file: ${(err as Error).message}`);
    }
    if (!tail.includes(DUMP_END)) throw new Error(`${file} does not end with mysqldump's "${DUMP_END}" line: the dump was cut off`);
}

export function timestamp(date = new Date()): string {
    return date.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** Keeps the newest `keep` files named <prefix>-<timestamp><suffix> (and their .sha256); returns what it removed. */
export function pruneCopies(directory: string, prefix: string, suffix: string, keep: number): string[] {
    const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{8}T\\d{6}Z${suffix.replace(/\./g, "\\.")}$`);
    const copies = fs.readdirSync(directory).filter((name) => pattern.test(name)).sort();
    const removed = copies.slice(0, Math.max(0, copies.length - keep));
    for (const name of removed) {
        fs.rmSync(path.join(directory, name), { force: true });
        fs.rmSync(path.join(directory, `${name}.sha256`), { force: true });
    }
    return removed;
}

/** A directory only the controller's user can enter. */
export function privateDirectory(directory: string): void {
    fs.mkdirSync(directory, { recursive: true, mode: 0o700 });
    fs.chmodSync(directory, 0o700);
}

export async function dumpDatabases(target: SshTarget, options: DumpOptions): Promise<DumpResult> {
    privateDirectory(options.directory);
    const name = `${options.prefix}-${timestamp()}.sql.gz`;
    const file = path.join(options.directory, name);
    const partial = path.join(options.directory, `.${name}.${randomBytes(4).toString("hex")}.partial`);
    const hash = createHash("sha256");
    let bytes = 0;
    const out = fs.createWriteStream(partial, { mode: 0o600 });
    const counted = new PassThrough();
    counted.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
    });
    counted.pipe(out);
    try {
        const script = renderTemplate("ops-backup-dump.sh", { mysql: options.engine === "mysql", mariadb: options.engine === "mariadb" });
        const result = await streamScript(target, script, {}, counted);
        counted.end();
        await new Promise<void>((resolve, reject) => out.on("finish", resolve).on("error", reject));
        if (result.code === 3) throw new NothingToBackUp(result.stderr.trim());
        if (result.code !== 0) throw new Error(`the dump on ${target.host} failed with exit code ${result.code}: ${maskText(result.stderr.trim(), options.secrets)}`);
        await checkDumpFile(partial);
        fs.renameSync(partial, file);
    } catch (err) {
        fs.rmSync(partial, { force: true });
        throw err instanceof NothingToBackUp ? err : new Error(maskText((err as Error).message, options.secrets));
    }
    const sha256 = hash.digest("hex");
    fs.writeFileSync(`${file}.sha256`, `${sha256}  ${name}\n`, { mode: 0o600 });
    return { file, bytes, sha256, removed: pruneCopies(options.directory, options.prefix, ".sql.gz", options.keep) };
}
