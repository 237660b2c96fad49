/**
 * A private MariaDB server for a test: its own data directory, socket and
 * loopback port, a `cloud` database and a `cloud` user with a password (as
 * cloudstack-setup-databases leaves them). Always stopped and removed by stop().
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { stopChild } from "./stopChild";

const MARIADBD = "/usr/sbin/mariadbd";
const INSTALL_DB = "/usr/bin/mariadb-install-db";

export function mariadbUnavailableReason(): string | undefined {
    if (!fs.existsSync(MARIADBD) || !fs.existsSync(INSTALL_DB)) return "needs mariadb-server (scripts/ensure-deps.sh --test)";
    return undefined;
}

export interface PrivateMariadb {
    port: number;
    /** Runs SQL as root over the socket; resolves to stdout. */
    rootSql(statements: string): Promise<string>;
    stop(): Promise<void>;
}

async function freePort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
}

export async function startPrivateMariadb(cloudPassword: string): Promise<PrivateMariadb> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "private-mariadb-"));
    const data = path.join(dir, "data");
    const socket = path.join(dir, "mysqld.sock");
    const user = os.userInfo().username;
    await promisify(execFile)(INSTALL_DB, [`--datadir=${data}`, `--user=${user}`, "--auth-root-authentication-method=socket", "--skip-test-db"], { maxBuffer: 16 << 20 });
    const port = await freePort();
    const child: ChildProcess = spawn(
        MARIADBD,
        ["--no-defaults", `--datadir=${data}`, `--socket=${socket}`, `--port=${port}`, "--bind-address=127.0.0.1", `--user=${user}`, `--pid-file=${path.join(dir, "pid")}`, "--skip-log-bin", "--innodb-buffer-pool-size=16M"],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
    const rootSql = (statements: string) =>
        new Promise<string>((resolve, reject) => {
            const client = execFile("mysql", ["--no-defaults", `--socket=${socket}`, "-u", "root", "-N", "-B"], (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
            client.stdin?.end(statements);
        });
    const deadline = Date.now() + 60_000;
    for (;;) {
        if (child.exitCode !== null) throw new Error(`mariadbd exited:\n${log}`);
        if (await rootSql("SELECT 1").then(() => true, () => false)) break;
        if (Date.now() > deadline) throw new Error(`mariadbd did not answer within 60 s:\n${log}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const quoted = cloudPassword.replace(/\\/g, "\\\\").replace(/'/g, "\\'");
    await rootSql(`CREATE DATABASE cloud; CREATE USER 'cloud'@'127.0.0.1' IDENTIFIED BY '${quoted}'; GRANT ALL ON cloud.* TO 'cloud'@'127.0.0.1';`);
    return {
        port,
        rootSql,
        stop: () => stopChild(child, dir),
    };
}
