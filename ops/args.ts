/**
 * The command line of `npm run ops -- <command> [action] --stack NAME [...]`:
 * parsed and checked before anything connects anywhere, every mistake named
 * with the flag, the bad value and what is allowed.
 */

export const COMMANDS = ["verify", "diagnose", "repair", "backup", "restore", "topology"] as const;
export type Command = (typeof COMMANDS)[number];

export interface OpsArgs {
    command: Command;
    /** The repair action (repair only). */
    action?: string;
    stack: string;
    /** Flag values by name (without the leading dashes); boolean flags are "true". */
    flags: Record<string, string>;
}

/** Which flags each command takes; `true` marks flags without a value. */
const FLAGS: Record<Command, Record<string, boolean>> = {
    verify: { node: false },
    diagnose: { job: false, output: false, node: false },
    repair: { node: false, address: false, port: false, url: false, timeout: false, "keep-https": true },
    backup: { exports: true },
    restore: { file: false, yes: true },
    topology: {},
};

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export const USAGE = [
    "usage: npm run ops -- <command> --stack NAME [options]",
    "  verify    [--node NAME]                 check every node and the cloud; exit 1 on any failure",
    "  diagnose  [--job ID] [--output DIR] [--node NAME]",
    "                                          collect a diagnostics bundle (secrets masked)",
    "  repair    <action> [--node NAME] ...    actions: mysql-bind, galera-rejoin, systemvm-template, ssvm-certificate, kvm-host, host-address",
    "  backup    [--exports]                   dump cloud and cloud_usage to backup.directory",
    "  restore   --file FILE --yes             restore a dump (stops and restarts the management server)",
    "  topology                                print the mermaid diagram of the stack",
    "shortcuts: npm run verify|diagnose|backup|restore -- --stack NAME ...",
].join("\n");

const STACK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.\/-]*$/;

export function parseArgs(argv: string[]): OpsArgs {
    const [command, ...rest] = argv;
    if (!(COMMANDS as readonly string[]).includes(command ?? "")) {
        throw new UsageError(`command: ${JSON.stringify(command ?? "")} is not a command; expected one of ${COMMANDS.join(", ")}\n${USAGE}`);
    }
    const known = FLAGS[command as Command];
    const flags: Record<string, string> = {};
    const positional: string[] = [];
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (!arg.startsWith("--")) {
            positional.push(arg);
            continue;
        }
        const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
        if (name !== "stack" && !(name in known)) {
            const allowed = ["--stack", ...Object.keys(known).map((f) => `--${f}`)].join(", ");
            throw new UsageError(`--${name}: not an option of ${command}; its options are ${allowed}`);
        }
        if (known[name] === true) {
            if (inline !== undefined) throw new UsageError(`--${name}: takes no value (got "${inline}")`);
            flags[name] = "true";
            continue;
        }
        const value = inline ?? rest[++i];
        if (value === undefined || value.startsWith("--") || value === "") throw new UsageError(`--${name}: needs a value`);
        flags[name] = value;
    }
    const stack = flags.stack;
    delete flags.stack;
    if (stack === undefined) throw new UsageError(`--stack: is required (the Pulumi stack to work on, e.g. --stack dev)\n${USAGE}`);
    if (!STACK_NAME.test(stack)) throw new UsageError(`--stack: "${stack}" is not a stack name (letters, digits, _ . / -)`);
    const action = command === "repair" ? positional.shift() : undefined;
    if (command === "repair" && action === undefined) throw new UsageError(`repair: needs an action, e.g. npm run ops -- repair mysql-bind --stack ${stack}\n${USAGE}`);
    if (positional.length > 0) throw new UsageError(`${command}: unexpected argument "${positional[0]}"\n${USAGE}`);
    return { command: command as Command, action, stack, flags };
}

/** A positive whole-number flag, or `fallback` when absent. */
export function integerFlag(args: OpsArgs, name: string, fallback: number, min: number, max: number): number {
    const text = args.flags[name];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) throw new UsageError(`--${name}: "${text}" is not allowed; expected a whole number from ${min} to ${max}`);
    return value;
}
