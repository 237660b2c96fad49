/**
 * A real OpenSSH server on 127.0.0.1 for tests that need SSH but not a whole
 * lab host: its own config, host key and authorized key in a temp directory,
 * root login by key only. Needs /usr/sbin/sshd (Debian openssh-server).
 */
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stopChild } from "./stopChild";

export interface LocalSshd {
    host: string;
    port: number;
    user: string;
    privateKey: string;
    privateKeyFile: string;
    /** The server's ed25519 host key in authorized_keys form. */
    hostKey: string;
    dir: string;
    stop(): Promise<void>;
}

export const SSHD = "/usr/sbin/sshd";

export function sshdAvailable(): boolean {
    return fs.existsSync(SSHD) && process.getuid?.() === 0;
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.listen(0, "127.0.0.1", () => {
            const port = (server.address() as net.AddressInfo).port;
            server.close(() => resolve(port));
        });
        server.on("error", reject);
    });
}

export async function startLocalSshd(): Promise<LocalSshd> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sshd-"));
    const keygen = (file: string) => execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", file]);
    keygen(path.join(dir, "host_ed25519"));
    keygen(path.join(dir, "client_ed25519"));
    fs.copyFileSync(path.join(dir, "client_ed25519.pub"), path.join(dir, "authorized_keys"));
    fs.mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
    const port = await freePort();
    fs.writeFileSync(
        path.join(dir, "sshd_config"),
        [
            `Port ${port}`,
            "ListenAddress 127.0.0.1",
            `HostKey ${dir}/host_ed25519`,
            `AuthorizedKeysFile ${dir}/authorized_keys`,
            `PidFile ${dir}/sshd.pid`,
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "StrictModes no",
            "UsePAM no",
            "Subsystem sftp internal-sftp",
            "",
        ].join("\n"),
    );
    const child: ChildProcess = spawn(SSHD, ["-D", "-e", "-f", path.join(dir, "sshd_config")], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr?.on("data", (d) => (log += d.toString()));
    await waitForPort(port, () => log);
    return {
        host: "127.0.0.1",
        port,
        user: "root",
        privateKey: fs.readFileSync(path.join(dir, "client_ed25519"), "utf8"),
        privateKeyFile: path.join(dir, "client_ed25519"),
        hostKey: fs.readFileSync(path.join(dir, "host_ed25519.pub"), "utf8").trim().split(" ").slice(0, 2).join(" "),
        dir,
        stop: () => stopChild(child, dir),
    };
}

async function waitForPort(port: number, log: () => string): Promise<void> {
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
        const open = await new Promise<boolean>((resolve) => {
            const socket = net.connect(port, "127.0.0.1", () => {
                socket.end();
                resolve(true);
            });
            socket.on("error", () => resolve(false));
        });
        if (open) return;
        await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sshd did not start on port ${port}: ${log()}`);
}
