/**
 * Collects every configuration problem so that one run reports all of them,
 * each naming the config key, the bad value and what is allowed.
 */
export class ConfigProblems {
    readonly messages: string[] = [];

    /** `key` is the full config path, e.g. "cloudstack:zone.pods[0].startIp". */
    add(key: string, value: unknown, allowed: string): void {
        this.messages.push(`${key}: ${describe(value)} ${allowed}`);
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

export class ConfigError extends Error {
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
