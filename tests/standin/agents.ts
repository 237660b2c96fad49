/**
 * How the stand-in's addHost sets up the agent on a KVM host.
 *
 * The real server (LibvirtServerDiscoverer, reference §2.5) logs in over SSH
 * with its own key first and the given password second, and runs
 * `cloudstack-setup-agent` (with sudo for a non-root user); the host counts
 * only if that succeeds. `sshConnector` does the same with the openssh client;
 * `instantConnector` is for tests that have no host to log in to.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface AgentSetup {
    ip: string;
    username: string;
    /** Empty: only the management server's key is tried. */
    password: string;
    managementAddress: string;
    zoneDbId: number;
    podDbId: number;
    clusterDbId: number;
    guid: string;
    publicLabel: string;
    managementLabel: string;
    guestLabel: string;
}

export interface AgentConnector {
    /** Resolves when the agent is set up; rejects with the reason the server would report. */
    setup(request: AgentSetup): Promise<void>;
}

export const instantConnector: AgentConnector = { setup: async () => undefined };

export interface SshConnectorOptions {
    /** The management server's private key. */
    keyFile: string;
    port?: number;
    /** The setup command (an absolute path in tests). */
    setupCommand?: string;
    connectTimeoutSeconds?: number;
}

interface SshResult {
    code: number;
    stderr: string;
}

function runSsh(args: string[], env: NodeJS.ProcessEnv): Promise<SshResult> {
    return new Promise((resolve) => {
        const child = spawn("ssh", args, { env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", (err) => resolve({ code: 255, stderr: err.message }));
        child.on("close", (code) => resolve({ code: code ?? 255, stderr }));
    });
}

function lastLine(text: string): string {
    const lines = text.trim().split("\n").filter((l) => l && !l.startsWith("Warning: Permanently added"));
    return lines[lines.length - 1] ?? "";
}

export function setupAgentCommand(request: AgentSetup, command = "cloudstack-setup-agent"): string {
    const line =
        `${command} -m ${request.managementAddress} -z ${request.zoneDbId} -p ${request.podDbId} -c ${request.clusterDbId} -g ${request.guid} -a ` +
        `--pubNic=${request.publicLabel} --prvNic=${request.managementLabel} --guestNic=${request.guestLabel} --hypervisor=kvm`;
    return request.username === "root" ? line : `sudo ${line}`;
}

export function sshConnector(options: SshConnectorOptions): AgentConnector {
    const common = (request: AgentSetup) => [
        "-p", String(options.port ?? 22),
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", `ConnectTimeout=${options.connectTimeoutSeconds ?? 15}`,
        "-o", "LogLevel=ERROR",
        `${request.username}@${request.ip}`,
        setupAgentCommand(request, options.setupCommand),
    ];
    const withKey = (request: AgentSetup) => runSsh(["-i", options.keyFile, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", ...common(request)], process.env);
    const withPassword = async (request: AgentSetup): Promise<SshResult> => {
        // The password reaches ssh through SSH_ASKPASS and the environment, never the command line.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-askpass-"));
        const askpass = path.join(dir, "askpass");
        fs.writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$STANDIN_SSH_PASSWORD"\n', { mode: 0o700 });
        try {
            const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: "standin:0", STANDIN_SSH_PASSWORD: request.password };
            const auth = ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1"];
            return await runSsh([...auth, ...common(request)], env);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
    return {
        async setup(request) {
            let result = await withKey(request);
            let how = "ssh private key";
            if (result.code === 255 && request.password) {
                result = await withPassword(request);
                how = "host password";
            }
            if (result.code === 255) {
                throw new Error(`Authentication error with ${how}: ${lastLine(result.stderr)}`);
            }
            if (result.code !== 0) {
                throw new Error(`cloudstack-setup-agent failed with exit code ${result.code}: ${lastLine(result.stderr)}`);
            }
        },
    };
}
