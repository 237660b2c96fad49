/**
 * Collects every configuration problem so that one run reports all of them,
 * each naming the config key, the bad value and what is allowed.
 */
import { RunError } from "@pulumi/pulumi";

export class ConfigProblems {
    readonly messages: string[] = [];

    /** `key` is the full config path, e.g. "cloudstack:zone.pods[0].startIp". */
    add(key: string, value: unknown, allowed: string): void {
        this.messages.push(`${key}: ${describe(value)} ${allowed}`);
    }

    /** A problem about a key whose value is not worth repeating (it exists, or it is a whole section). */
    note(key: string, message: string): void {
        this.messages.push(`${key}: ${message}`);
    }

    get empty(): boolean {
        return this.messages.length === 0;
    }

    throwIfAny(): void {
        if (!this.empty) {
            throw new ConfigError(this.messages);
        }
    }
}

/**
 * A RunError: the Pulumi SDK prints a RunError's message alone, without a
 * stack trace (@pulumi/pulumi cmd/run/run.js, "Always hide the stack for
 * RunErrors"), and the run ends non-zero.
 */
export class ConfigError extends RunError {
    constructor(readonly problems: string[]) {
        super(
            `The stack configuration has ${problems.length} problem(s); nothing was changed:\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "is missing;";
    if (typeof value === "string") return `"${value}" is invalid:`;
    return `${JSON.stringify(value)} is invalid:`;
}
