/**
 * Runs the CloudStack stand-in as a service (e.g. `cloudstack-management` on
 * a lab host). Compile with `tsc -p tests/standin` and run with Node ≥ 18:
 *
 *   node main.js --listen 10.15.0.116:8080 --state-file /var/lib/standin/state.json \
 *       [--agent-setup ssh --ssh-key /var/lib/cloudstack/management/.ssh/id_rsa [--ssh-port 22]] \
 *       [--host-up-delay-ms 5000] [--job-latency-ms 500] [--agent-listen 0.0.0.0:8250]
 *
 * With `--agent-setup ssh`, addHost logs in to the host and runs
 * cloudstack-setup-agent; otherwise hosts come Up after the delay.
 * With `--agent-listen`, it accepts and holds agent connections on the port
 * the real server keeps for its agents (8250), as the lab's stand-in agents
 * connect there; nothing is spoken on them.
 */
import * as net from "net";
import { sshConnector, startStandIn, StandInOptions } from "./index";

const USAGE =
    "usage: main.js --listen HOST:PORT [--state-file PATH] [--agent-setup delay|ssh] [--ssh-key PATH] [--ssh-port N] " +
    "[--setup-command PATH] [--host-up-delay-ms N] [--job-latency-ms N] [--system-vm-boot-ms N] [--agent-listen HOST:PORT]";

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
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a whole number of milliseconds, not ${args[name]}`);
    return value;
}

function hostPort(args: Record<string, string>, name: string): { host: string; port: number } {
    const match = /^(.+):(\d+)$/.exec(args[name] ?? "");
    if (!match) throw new Error(`--${name} must be HOST:PORT, not ${args[name] ?? "(missing)"}\n${USAGE}`);
    return { host: match[1].replace(/^\[|\]$/g, ""), port: Number(match[2]) };
}

export function optionsFromArgs(argv: string[]): StandInOptions {
    const args = parseArgs(argv);
    const listen = hostPort(args, "listen");
    const setup = args["agent-setup"] ?? "delay";
    if (setup !== "delay" && setup !== "ssh") throw new Error(`--agent-setup must be delay or ssh, not ${setup}`);
    if (setup === "ssh" && !args["ssh-key"]) throw new Error("--agent-setup ssh needs --ssh-key PATH (the management server's private key)");
    return {
        host: listen.host,
        port: listen.port,
        stateFile: args["state-file"],
        hostConnectMs: number(args, "host-up-delay-ms"),
        jobLatencyMs: number(args, "job-latency-ms"),
        systemVmBootMs: number(args, "system-vm-boot-ms"),
        connector: setup === "ssh" ? sshConnector({ keyFile: args["ssh-key"], port: number(args, "ssh-port"), setupCommand: args["setup-command"] }) : undefined,
    };
}

/** Accepts agent connections and holds them open until the agent hangs up. */
function listenForAgents(address: { host: string; port: number }): Promise<net.Server> {
    const server = net.createServer((socket) => {
        socket.on("data", () => undefined);
        socket.on("error", () => socket.destroy());
    });
    return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(address.port, address.host, () => resolve(server));
    });
}

async function main(): Promise<void> {
    const argv = process.argv.slice(2);
    const standIn = await startStandIn(optionsFromArgs(argv));
    console.log(`CloudStack 4.19 API stand-in listening on ${standIn.url}`);
    const args = parseArgs(argv);
    const agents = args["agent-listen"] ? await listenForAgents(hostPort(args, "agent-listen")) : undefined;
    if (agents) console.log(`accepting agent connections on ${args["agent-listen"]}`);
    const stop = () => {
        agents?.close();
        return standIn.close().then(() => process.exit(0));
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
