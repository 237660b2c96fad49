/**
 * Runs the CloudStack stand-in as a service (e.g. `cloudstack-management` on
 * a lab host). Compile with `tsc -p tests/standin` and run with Node ≥ 18:
 *
 *   node main.js --listen 10.15.0.116:8080 --state-file /var/lib/standin/state.json \
 *       [--agent-setup ssh --ssh-key /var/lib/cloudstack/management/.ssh/id_rsa [--ssh-port 22]] \
 *       [--host-up-delay-ms 5000] [--job-latency-ms 500]
 *
 * With `--agent-setup ssh`, addHost logs in to the host and runs
 * cloudstack-setup-agent; otherwise hosts come Up after the delay.
 */
import { sshConnector, startStandIn, StandInOptions } from "./index";

const USAGE =
    "usage: main.js --listen HOST:PORT [--state-file PATH] [--agent-setup delay|ssh] [--ssh-key PATH] [--ssh-port N] " +
    "[--setup-command PATH] [--host-up-delay-ms N] [--job-latency-ms N] [--system-vm-boot-ms N]";

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

export function optionsFromArgs(argv: string[]): StandInOptions {
    const args = parseArgs(argv);
    const listen = /^(.+):(\d+)$/.exec(args.listen ?? "");
    if (!listen) throw new Error(`--listen must be HOST:PORT, not ${args.listen ?? "(missing)"}\n${USAGE}`);
    const setup = args["agent-setup"] ?? "delay";
    if (setup !== "delay" && setup !== "ssh") throw new Error(`--agent-setup must be delay or ssh, not ${setup}`);
    if (setup === "ssh" && !args["ssh-key"]) throw new Error("--agent-setup ssh needs --ssh-key PATH (the management server's private key)");
    return {
        host: listen[1].replace(/^\[|\]$/g, ""),
        port: Number(listen[2]),
        stateFile: args["state-file"],
        hostConnectMs: number(args, "host-up-delay-ms"),
        jobLatencyMs: number(args, "job-latency-ms"),
        systemVmBootMs: number(args, "system-vm-boot-ms"),
        connector: setup === "ssh" ? sshConnector({ keyFile: args["ssh-key"], port: number(args, "ssh-port"), setupCommand: args["setup-command"] }) : undefined,
    };
}

async function main(): Promise<void> {
    const standIn = await startStandIn(optionsFromArgs(process.argv.slice(2)));
    console.log(`CloudStack 4.19 API stand-in listening on ${standIn.url}`);
    const stop = () => standIn.close().then(() => process.exit(0));
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
}

if (require.main === module) {
    main().catch((err) => {
        console.error((err as Error).message);
        process.exit(2);
    });
}
