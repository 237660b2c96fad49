/**
 * SQL through the `mysql` client of the management host (the stand-in has no
 * npm dependencies). The password is in a 0600 defaults file in a private
 * directory, never on a command line; statements go on stdin. Each call is a
 * new connection that tries the hosts in order, as a new JDBC connection does
 * under StaticStrategy (dbProperties.ts).
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DatabaseTarget } from "./dbProperties";

export interface SqlResult {
    /** Rows of tab-separated columns (--batch --raw --skip-column-names). */
    rows: string[][];
}

/** A failed statement: `code` is the server's error number when it sent one (1213: a deadlock, e.g. a Galera certification conflict). */
export class SqlError extends Error {
    constructor(message: string, readonly code?: number, readonly unreachable = false) {
        super(message);
    }
}

export type SqlRunner = (statements: string) => Promise<SqlResult>;

function runOnce(defaultsFile: string, host: string, port: number, database: string, statements: string): Promise<SqlResult> {
    return new Promise((resolve, reject) => {
        const child = spawn(
            "mysql",
            [`--defaults-extra-file=${defaultsFile}`, "--protocol=TCP", "-h", host, "-P", String(port), "--connect-timeout=3", "--batch", "--raw", "--skip-column-names", database],
            { stdio: ["pipe", "pipe", "pipe"] },
        );
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", (e) => reject(new SqlError(`cannot run mysql: ${e.message}`)));
        child.on("close", (code) => {
            const stderr = Buffer.concat(err).toString("utf8").trim();
            if (code !== 0) {
                const number = /ERROR (\d+)/.exec(stderr);
                // 2002/2003/2013: no server there, or it went away (client error numbers); 1047: a Galera member outside the primary component (WSREP has not yet prepared node for application use): the next host is tried.
                const errno = number ? Number(number[1]) : undefined;
                reject(new SqlError(`mysql on ${host}:${port}: ${stderr || `exit ${code}`}`, errno, errno === 2002 || errno === 2003 || errno === 2013 || errno === 1047));
                return;
            }
            const text = Buffer.concat(out).toString("utf8");
            resolve({ rows: text.split("\n").filter((line) => line !== "").map((line) => line.split("\t")) });
        });
        // mysql exits without reading its input when no server answers; the exit status and stderr say so
        // above, and the write's EPIPE must not end this server (it did, when a database node stopped).
        child.stdin.on("error", () => undefined);
        child.stdin.end(statements);
    });
}

/** A runner for `target`; `close()` removes the defaults file. */
export function mysqlRunner(target: DatabaseTarget): { run: SqlRunner; close(): void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-db-"));
    fs.chmodSync(dir, 0o700);
    const defaultsFile = path.join(dir, "client.cnf");
    // Option-file values may be quoted; backslash and quote escaped inside (mysys my_default.c rules).
    const quoted = `"${target.password.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    fs.writeFileSync(defaultsFile, `[client]\nuser=${target.user}\npassword=${quoted}\n`, { mode: 0o600 });
    return {
        async run(statements) {
            let last: SqlError | undefined;
            for (const host of target.hosts) {
                try {
                    return await runOnce(defaultsFile, host, target.port, target.database, statements);
                } catch (e) {
                    last = e as SqlError;
                    if (!(e instanceof SqlError) || !e.unreachable) throw e;
                }
            }
            throw last ?? new SqlError("no database host configured");
        },
        close() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}
