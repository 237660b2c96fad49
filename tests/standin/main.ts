/**
 * Runs the CloudStack stand-in as a service (e.g. `cloudstack-management` on
 * a lab host). Compile with `tsc -p tests/standin` and run with Node ≥ 18:
 *
 *   node main.js --listen 10.15.0.116:8080 --state-file /var/lib/standin/state.json \
 *       [--agent-setup ssh --ssh-key /var/lib/cloudstack/management/.ssh/id_rsa [--ssh-port 22] \
 *        --agent-listen 0.0.0.0:8250 [--agent-connect-timeout-ms 300000] [--ca-dir DIR] [--kvm-device PATH]] \
 *       [--host-up-delay-ms 5000] [--job-latency-ms 500] [--db-properties /etc/cloudstack/management/db.properties]
 *
 * With `--db-properties` the cloud is kept in the database that file names
 * (sharedCloud.ts), so several servers share it as real ones share `cloud`;
 * the state file then seeds the database once (when it holds no cloud yet)
 * and is kept as a copy of what is stored.
 * With `--agent-setup ssh`, addHost does on the host what 4.19 does (see
 * agents.ts: key/password login, keystore-setup, the CA signing the CSR,
 * keystore-cert-import, cloudstack-setup-agent -a -s) and answers only when
 * the agent has connected back to `--agent-listen` (agent-port.ts), as the
 * real server waits for it; the CA lives in `--ca-dir` (default: `ca/` beside
 * the state file), made with the openssl CLI. `--kvm-device` names the file
 * addHost's `ls /dev/kvm` looks for (the lab's containers have no /dev/kvm:
 * a lab boundary, named where the lab starts the service). With `--agent-setup delay`,
 * hosts come Up after the delay (no host involved).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AgentPort } from "./agent-port";
import { readDatabaseTarget } from "./dbProperties";
import { mysqlRunner } from "./mysqlClient";
import { macAddressId, ServerIdentity, SharedCloud } from "./sharedCloud";
import { StandInData } from "./store";
import { StandInCa } from "./ca";
import { sshConnector, startStandIn, StandInOptions } from "./index";
import { saveData } from "./store";

const USAGE =
    "usage: main.js --listen HOST:PORT [--state-file PATH] [--agent-setup delay|ssh] [--ssh-key PATH] [--ssh-port N] " +
    "[--setup-command PATH] [--agent-listen HOST:PORT] [--agent-connect-timeout-ms N] [--ca-dir DIR] [--kvm-device PATH] " +
    "[--host-up-delay-ms N] [--job-latency-ms N] [--system-vm-boot-ms N] [--scan-interval-ms N] [--db-properties PATH]";

function parseArgs(argv: string[]): Record<string, string> {
    const args: Record<string, string> = {};
    for (let i = 0; i < argv.length; i += 2) {
        const flag = argv[i];
        if (!flag.startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${flag}\n${USAGE}`);
        args[flag.slice(2)] = argv[i + 1];
    }
    return args;
}

function number(args: Record<string, string>, name: string): number | undefined {
    if (args[name] === undefined) return undefined;
    const value = Number(args[name]);
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number, not ${args[name]}`);
    return value;
}

function hostPort(args: Record<string, string>, name: string): { host: string; port: number } {
    const match = /^(.+):(\d+)$/.exec(args[name] ?? "");
    if (!match) throw new Error(`--${name} must be HOST:PORT, not ${args[name] ?? "(missing)"}\n${USAGE}`);
    return { host: match[1].replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

export interface ServiceOptions {
    standIn: StandInOptions;
    /** The agent port and where it listens, with --agent-listen. */
    agents?: { port: AgentPort; host: string; listenPort: number };
    /** With --db-properties: the file. */
    dbProperties?: string;
}

/** The package's release (build-repo.sh writes it beside the stand-in): what this server registers as its version. */
function packageVersion(): string {
    const file = path.join(__dirname, "..", "release");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split(/\s+/)[0] : "4.19.3.0";
}

export function optionsFromArgs(argv: string[]): ServiceOptions {
    const args = parseArgs(argv);
    const listen = hostPort(args, "listen");
    const setup = args["agent-setup"] ?? "delay";
    if (setup !== "delay" && setup !== "ssh") throw new Error(`--agent-setup must be delay or ssh, not ${setup}`);
    if (setup === "ssh" && !args["ssh-key"]) throw new Error("--agent-setup ssh needs --ssh-key PATH (the management server's private key)");
    if (setup === "ssh" && !args["agent-listen"]) {
        throw new Error("--agent-setup ssh needs --agent-listen HOST:PORT: addHost waits for the agent to connect back, as 4.19 does");
    }
    const caDir = args["ca-dir"] ?? (args["state-file"] ? path.join(path.dirname(args["state-file"]), "ca") : undefined);
    if (setup === "ssh" && !caDir) throw new Error("--agent-setup ssh needs --ca-dir DIR or --state-file PATH (the CA is kept with the state)");
    const address = args["agent-listen"] ? hostPort(args, "agent-listen") : undefined;
    const port = address ? new AgentPort(number(args, "agent-connect-timeout-ms")) : undefined;
    const connector =
        setup === "ssh"
            ? sshConnector({
                  keyFile: args["ssh-key"],
                  ca: new StandInCa(caDir as string),
                  agents: port,
                  port: number(args, "ssh-port"),
                  setupCommand: args["setup-command"],
                  kvmDevice: args["kvm-device"],
              })
            : undefined;
    return {
        standIn: {
            host: listen.host,
            port: listen.port,
            stateFile: args["state-file"],
            hostConnectMs: number(args, "host-up-delay-ms"),
            jobLatencyMs: number(args, "job-latency-ms"),
            systemVmBootMs: number(args, "system-vm-boot-ms"),
            scanIntervalMs: number(args, "scan-interval-ms"),
            connector,
            shared: args["db-properties"] ? (data) => openSharedCloud(args["db-properties"], data, listen.host) : undefined,
        },
        agents: port && address ? { port, host: address.host, listenPort: address.port } : undefined,
        dbProperties: args["db-properties"],
    };
}

/**
 * The cloud in the database `file` (db.properties) names, this server registered in mshost and beating.
 * `identity` overrides what is read from the machine (tests run several servers on one).
 */
export async function openSharedCloud(file: string, data: StandInData, listenHost: string, identity: Partial<ServerIdentity> = {}): Promise<SharedCloud> {
    const target = readDatabaseTarget(file);
    const runner = mysqlRunner(target);
    const shared = new SharedCloud(
        runner.run,
        {
            msid: macAddressId(),
            name: os.hostname(),
            serviceIp: target.clusterNodeIp || listenHost,
            // The cluster service port (framework/cluster/src/main/java/com/cloud/cluster/ClusterServiceServletAdapter.java@4.19.3.0:39).
            servicePort: 9090,
            version: packageVersion(),
            ...identity,
        },
        data,
        () => runner.close(),
    );
    await shared.open();
    shared.startHeartbeat();
    return shared;
}

async function main(): Promise<void> {
    const options = optionsFromArgs(process.argv.slice(2));
    const standIn = await startStandIn(options.standIn);
    console.log(`CloudStack 4.19 API stand-in listening on ${standIn.url}`);
    const agents = options.agents;
    if (agents) {
        const shared = standIn.shared;
        agents.port.attach(standIn.data, () => saveData(options.standIn.stateFile, standIn.data), shared && { msid: shared.msid, transact: (fn) => shared.transact(fn), sync: () => shared.sync() });
        const listening = await agents.port.listen(agents.listenPort, agents.host);
        console.log(`accepting agent connections on ${agents.host}:${listening}`);
    }
    const stop = async () => {
        await agents?.port.close();
        await standIn.close();
        process.exit(0);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

if (require.main === module) {
    main().catch((err) => {
        console.error((err as Error).message);
        process.exit(2);
    });
}
