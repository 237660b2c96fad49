/**
 * A private PostgreSQL server for one test: Debian's PostgreSQL 15 binaries,
 * a cluster made by initdb in a temp directory (as the `postgres` user when
 * the tests run as root, since PostgreSQL refuses to run as root), listening
 * on 127.0.0.1 on a free port with password (scram-sha-256) authentication.
 * A role and a database owned by it are created as README's team-state
 * section tells a team to do; its password lives only in a 0600 passfile.
 * stop() ends the server by the PID in its postmaster.pid.
 */
import { execFile, execFileSync, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";

export const POSTGRES_BIN = "/usr/lib/postgresql/15/bin";
const DEADLINE_MS = 60_000;

export function postgresUnavailable(): string | undefined {
    return fs.existsSync(path.join(POSTGRES_BIN, "postgres")) ? undefined : `needs ${POSTGRES_BIN}/postgres (Debian's postgresql; scripts/ensure-deps.sh --test installs it)`;
}

export interface PrivatePostgres {
    port: number;
    /** The role and database the Pulumi backend uses. */
    role: string;
    database: string;
    /** The role's password (for asserting that it never shows up anywhere). */
    password: string;
    /** A libpq password file (0600) with the role's password. */
    passfile: string;
    /** The backend URL as README documents it: no password in it. */
    backendUrl(table: string): string;
    /** Runs SQL as the role and returns psql's unaligned, tuples-only output. */
    query(sql: string): string;
    stop(): Promise<void>;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
    });
}

/** The account the server runs as: `postgres` when we are root, else ourselves. */
function serverAccount(): { uid: number; gid: number } | undefined {
    if (process.getuid?.() !== 0) return undefined;
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    return { uid, gid };
}

function isAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, deadlineMs = DEADLINE_MS): Promise<void> {
    const end = Date.now() + deadlineMs;
    while (!(await condition())) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "private-postgres-"));
    // The server's account must be able to reach its own directory inside ours.
    fs.chmodSync(root, 0o711);
    const serverDir = path.join(root, "server");
    const dataDir = path.join(serverDir, "data");
    const socketDir = path.join(serverDir, "socket");
    fs.mkdirSync(socketDir, { recursive: true, mode: 0o700 });
    const account = serverAccount();
    const superPassword = randomBytes(18).toString("hex");
    const password = randomBytes(18).toString("hex");
    const superPasswordFile = path.join(serverDir, "initdb-password");
    fs.writeFileSync(superPasswordFile, `${superPassword}\n`, { mode: 0o600 });
    if (account) {
        for (const p of [serverDir, socketDir, superPasswordFile]) fs.chownSync(p, account.uid, account.gid);
    }
    const asServer = { ...(account ?? {}), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C" } };
    execFileSync(
        path.join(POSTGRES_BIN, "initdb"),
        ["-D", dataDir, "-U", "postgres", `--pwfile=${superPasswordFile}`, "--auth=scram-sha-256", "--no-locale", "-E", "UTF8", "--no-sync"],
        { ...asServer, stdio: ["ignore", "ignore", "pipe"] },
    );
    fs.rmSync(superPasswordFile);

    const port = await freePort();
    let log = "";
    const server = spawn(path.join(POSTGRES_BIN, "postgres"), ["-D", dataDir, "-h", "127.0.0.1", "-p", String(port), "-k", socketDir, "-c", "fsync=off"], {
        ...asServer,
        stdio: ["ignore", "ignore", "pipe"],
    });
    server.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    let exited = false;
    server.on("exit", () => (exited = true));

    const clientDir = path.join(root, "client");
    fs.mkdirSync(clientDir, { mode: 0o700 });
    const passfile = path.join(clientDir, "pgpass");
    fs.writeFileSync(passfile, `127.0.0.1:${port}:*:postgres:${superPassword}\n127.0.0.1:${port}:pulumi:pulumi:${password}\n`, { mode: 0o600 });
    const psql = (user: string, database: string, sql: string) =>
        execFileSync(path.join(POSTGRES_BIN, "psql"), ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user, "-d", database], {
            input: sql,
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "", PGPASSFILE: passfile, PGCONNECT_TIMEOUT: "10" },
        });

    const stop = async () => {
        const pidFile = path.join(dataDir, "postmaster.pid");
        const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8").split("\n")[0]) : server.pid;
        // SIGINT: PostgreSQL's fast shutdown (disconnects clients, no waiting for them).
        if (pid && isAlive(pid)) process.kill(pid, "SIGINT");
        await waitFor("PostgreSQL to stop", () => exited || !pid || !isAlive(pid));
        fs.rmSync(root, { recursive: true, force: true });
    };

    try {
        const ready = () =>
            new Promise<boolean>((resolve) => {
                if (exited) return resolve(true);
                execFile(path.join(POSTGRES_BIN, "pg_isready"), ["-q", "-h", "127.0.0.1", "-p", String(port)], (err) => resolve(!err));
            });
        await waitFor("PostgreSQL to accept connections", ready);
        if (exited) throw new Error(`PostgreSQL did not start: ${log}`);
        // What README tells a team to run once: a login role owning the state database.
        psql("postgres", "postgres", `CREATE ROLE pulumi LOGIN PASSWORD '${password}';\nCREATE DATABASE pulumi OWNER pulumi;\n`);
    } catch (err) {
        await stop();
        throw err;
    }

    return {
        port,
        role: "pulumi",
        database: "pulumi",
        password,
        passfile,
        backendUrl: (table) => `postgres://pulumi@127.0.0.1:${port}/pulumi?sslmode=disable&table=${table}&passfile=${passfile}`,
        query: (sql) => psql("pulumi", "pulumi", sql),
        stop,
    };
}
