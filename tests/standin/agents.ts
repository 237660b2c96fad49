/**
 * How the stand-in's addHost sets up the agent on a KVM host, in the order of
 * LibvirtServerDiscoverer.find (server/src/main/java/com/cloud/hypervisor/kvm/
 * discoverer/LibvirtServerDiscoverer.java@4.19.3.0:221-386):
 *   1. SSH with the server's key, then the given password (:266-277);
 *   2. `ls /dev/kvm` (:279-285);
 *   3. agent security (setupAgentSecurity, :159-217): keystore-setup prints a
 *      CSR, the server's CA signs it, keystore-cert-import installs it;
 *   4. `cloudstack-setup-agent -m ... -a -s ...` (:328-344).
 * Waiting for the agent to connect back is addHost's part (commands/hosts.ts).
 * `sshConnector` does this with the openssh client; `instantConnector` is for
 * tests that have no host and do not claim registration works.
 */
import { spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgentPort } from "./agent-port";
import { StandInCa } from "./ca";

export interface AgentSetup {
    /** The host's address (the url's host). */
    ip: string;
    /** The url's host as given (a name or the address): the certificate's DNS name. */
    hostname: string;
    username: string;
    /** Empty: only the management server's key is tried. */
    password: string;
    /** Comma list of management servers (the `host` setting). */
    managementServers: string;
    zoneDbId: number;
    podDbId: number;
    clusterDbId: number;
    guid: string;
    publicLabel: string;
    managementLabel: string;
    guestLabel: string;
    /** ca.framework.cert.validity.period */
    certValidityDays: number;
}

export interface AgentConnector {
    /** Resolves when the agent is set up; rejects with the reason the server would report. */
    setup(request: AgentSetup): Promise<void>;
    /** Where agents connect back. Without it hosts come Up on a timer (tests that do not claim registration). */
    agents?: AgentPort;
}

export const instantConnector: AgentConnector = { setup: async () => undefined };

/** A failure that addHost reports as it is (DiscoveredWithErrorException); others get " can't setup agent, due to ...". */
export class DiscoveredWithError extends Error {}

/** CloudRuntimeException as `e.toString() + " - " + e.getMessage()` shows it (LibvirtServerDiscoverer.java@4.19.3.0:376). */
export function cannotSetupAgent(message: string): DiscoveredWithError {
    return new DiscoveredWithError(` can't setup agent, due to com.cloud.utils.exception.CloudRuntimeException: ${message} - ${message}`);
}

export interface SshConnectorOptions {
    /** The management server's private key. */
    keyFile: string;
    /** Signs the agents' certificates. */
    ca: StandInCa;
    agents?: AgentPort;
    port?: number;
    /** Paths on the host; tests point them elsewhere. */
    setupCommand?: string;
    scriptsDir?: string;
    agentConfDir?: string;
    kvmDevice?: string;
    /** Prefix of the keystore commands (the real server always uses sudo). */
    sudo?: string;
    connectTimeoutSeconds?: number;
}

interface SshResult {
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `command` on the host. It goes through ssh's stdin to `/bin/sh -s`, not
 * ssh's argv: the keystore passphrase on it must not show in the management
 * host's process list (the real server runs its SSH client in-process).
 */
function runSsh(args: string[], command: string, env: NodeJS.ProcessEnv): Promise<SshResult> {
    return new Promise((resolve) => {
        const child = spawn("ssh", [...args, "/bin/sh -s"], { env, stdio: ["pipe", "pipe", "pipe"] });
        child.stdin.on("error", () => undefined);
        child.stdin.end(`${command}\n`);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", (err) => resolve({ code: 255, stdout, stderr: err.message }));
        child.on("close", (code) => resolve({ code: code ?? 255, stdout, stderr }));
    });
}

function lastLine(text: string): string {
    const lines = text.trim().split("\n").filter((l) => l && !l.startsWith("Warning: Permanently added"));
    return lines[lines.length - 1] ?? "";
}

/** The parameters string exactly as LibvirtServerDiscoverer.java@4.19.3.0:328-333 builds it (`-s` always, in 4.19). */
export function setupAgentParameters(request: AgentSetup): string {
    return (
        ` -m ${request.managementServers} -z ${request.zoneDbId} -p ${request.podDbId} -c ${request.clusterDbId} -g ${request.guid} -a -s ` +
        ` --pubNic=${request.publicLabel} --prvNic=${request.managementLabel} --guestNic=${request.guestLabel} --hypervisor=kvm`
    );
}

/** LibvirtServerDiscoverer.java@4.19.3.0:335-338: sudo for a user other than root. */
export function setupAgentCommand(request: AgentSetup, command = "cloudstack-setup-agent"): string {
    return `${request.username === "root" ? "" : "sudo "}${command} ${setupAgentParameters(request)}`;
}

/** SetupCertificateCommand.getEncoded*@4.19.3.0:84-94 with KeyStoreUtils.java@4.19.3.0:42-43: newline → ^, space → ~. */
export function encodePem(pem: string): string {
    return pem.replace(/\n/g, "^").replace(/ /g, "~");
}

export function sshConnector(options: SshConnectorOptions): AgentConnector {
    const scripts = options.scriptsDir ?? "/usr/share/cloudstack-common/scripts/util";
    const conf = options.agentConfDir ?? "/etc/cloudstack/agent";
    const sudo = options.sudo ?? "sudo";
    const common = (request: AgentSetup) => [
        "-p", String(options.port ?? 22),
        "-o", "StrictHostKeyChecking=no",
        "-o", "UserKnownHostsFile=/dev/null",
        "-o", `ConnectTimeout=${options.connectTimeoutSeconds ?? 60}`,
        "-o", "LogLevel=ERROR",
        `${request.username}@${request.ip}`,
    ];
    const withKey = (request: AgentSetup, command: string) =>
        runSsh(["-i", options.keyFile, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", ...common(request)], command, process.env);
    const withPassword = async (request: AgentSetup, command: string): Promise<SshResult> => {
        // The password reaches ssh through SSH_ASKPASS and the environment, never the command line.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "standin-askpass-"));
        const askpass = path.join(dir, "askpass");
        fs.writeFileSync(askpass, '#!/bin/sh\nprintf "%s\\n" "$STANDIN_SSH_PASSWORD"\n', { mode: 0o700 });
        try {
            const env = { ...process.env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: "force", DISPLAY: "standin:0", STANDIN_SSH_PASSWORD: request.password };
            const auth = ["-o", "BatchMode=no", "-o", "PubkeyAuthentication=no", "-o", "PreferredAuthentications=password,keyboard-interactive", "-o", "NumberOfPasswordPrompts=1"];
            return await runSsh([...auth, ...common(request)], command, env);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
    const refusedLogin = (result: SshResult) => result.code === 255 && /Permission denied|Authentication failed|Too many authentication failures/i.test(result.stderr);

    return {
        agents: options.agents,
        async setup(request) {
            // The real server keeps one SSH session; this one logs in per command with the method that worked first.
            let run = withKey;
            let result = await withKey(request, `ls ${options.kvmDevice ?? "/dev/kvm"}`);
            if (refusedLogin(result)) {
                // LibvirtServerDiscoverer.java@4.19.3.0:267-277
                if (!request.password) throw new DiscoveredWithError("Authentication error with ssh private key");
                run = withPassword;
                result = await withPassword(request, `ls ${options.kvmDevice ?? "/dev/kvm"}`);
                if (refusedLogin(result)) throw new DiscoveredWithError("Authentication error with host password");
            }
            if (result.code === 255) {
                // Connection.connect failing (LibvirtServerDiscoverer.java@4.19.3.0:264) ends in the generic catch (:375-381).
                const reason = `There was a problem while connecting to ${request.ip}:${options.port ?? 22} (${lastLine(result.stderr)})`;
                throw new DiscoveredWithError(` can't setup agent, due to java.io.IOException: ${reason} - ${reason}`);
            }
            // LibvirtServerDiscoverer.java@4.19.3.0:279-285
            if (result.code !== 0) throw new DiscoveredWithError("This machine does not have KVM enabled.");

            // setupAgentSecurity, LibvirtServerDiscoverer.java@4.19.3.0:164-183: a random 16-character keystore password
            // on the command line, as the real server passes it.
            const validity = Math.max(1, request.certValidityDays);
            const keystorePassword = crypto.randomBytes(12).toString("base64").replace(/[^A-Za-z0-9]/g, "x").slice(0, 16);
            const keystore = await run(
                request,
                `${sudo} ${scripts}/keystore-setup ${conf}/agent.properties ${conf}/cloud.jks ${keystorePassword} ${validity} ${conf}/cloud.csr`,
            );
            if (keystore.code !== 0) throw cannotSetupAgent(`Failed to setup keystore on the KVM host: ${request.ip}`);
            // :186-189 — the CA signs for the url's host and the address.
            let certificate: string;
            try {
                certificate = options.ca.sign(keystore.stdout, [request.hostname, request.ip], [request.ip], validity);
            } catch (err) {
                throw cannotSetupAgent(`Failed to generate certificate using CSR due to:${(err as Error).message}`);
            }
            // :191-212 — the private key stays empty: the CSR kept it on the host (SetupCertificateCommand.java@4.19.3.0:37,51-53).
            const imported = await run(
                request,
                `${sudo} ${scripts}/keystore-cert-import ${conf}/agent.properties ${keystorePassword} ${conf}/cloud.jks ssh ` +
                    `${conf}/cloud.crt "${encodePem(certificate)}" ${conf}/cloud.ca.crt "${encodePem(options.ca.caCertificate())}" ${conf}/cloud.key ""`,
            );
            if (imported.code !== 0) {
                throw cannotSetupAgent("Failed to setup certificate in the KVM agent's keystore file, please see logs and configure manually!");
            }

            const setup = await run(request, setupAgentCommand(request, options.setupCommand));
            if (setup.code !== 0) {
                // LibvirtServerDiscoverer.java@4.19.3.0:339-344
                const command = request.username === "root" ? "cloudstack-setup-agent " : "sudo cloudstack-setup-agent ";
                throw new DiscoveredWithError(`CloudStack Agent setup through command [${command}] with parameters [${setupAgentParameters(request)}] failed.`);
            }
        },
    };
}
