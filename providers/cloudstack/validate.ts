/**
 * Input checks for the zone resources' `check`: each failure names the input,
 * the bad value and what is allowed, and nothing is sent to CloudStack until
 * all pass. Values still unknown during a preview are skipped.
 */

export interface CheckFailure {
    property: string;
    reason: string;
}

/** What the engine passes for a value that is not known yet (a preview of a new dependency). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

export function isIpv4(value: unknown): value is string {
    return typeof value === "string" && IPV4.test(value);
}

export function ipToNumber(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export class InputChecks {
    readonly failures: CheckFailure[] = [];

    private skip(value: unknown): boolean {
        return value === UNKNOWN;
    }

    fail(property: string, reason: string): this {
        this.failures.push({ property, reason });
        return this;
    }

    text(property: string, value: unknown, what = "a non-empty name"): this {
        if (this.skip(value)) return this;
        if (typeof value !== "string" || value.trim() === "") return this.fail(property, `${property} must be ${what}, not ${JSON.stringify(value)}`);
        return this;
    }

    ipv4(property: string, value: unknown): this {
        if (this.skip(value) || isIpv4(value)) return this;
        return this.fail(property, `${property} must be an IPv4 address such as 10.15.0.1, not ${JSON.stringify(value)}`);
    }

    optionalIpv4(property: string, value: unknown): this {
        return value === undefined || value === "" ? this : this.ipv4(property, value);
    }

    netmask(property: string, value: unknown): this {
        if (this.skip(value)) return this;
        const bits = isIpv4(value) ? ipToNumber(value).toString(2).padStart(32, "0") : "";
        if (!/^1+0*$/.test(bits)) return this.fail(property, `${property} must be a netmask such as 255.255.255.0, not ${JSON.stringify(value)}`);
        return this;
    }

    oneOf(property: string, value: unknown, allowed: readonly string[]): this {
        if (this.skip(value) || allowed.includes(value as string)) return this;
        return this.fail(property, `${property} must be one of ${allowed.join(", ")} (case matters), not ${JSON.stringify(value)}`);
    }

    integer(property: string, value: unknown, min: number, max: number): this {
        if (this.skip(value)) return this;
        if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
            return this.fail(property, `${property} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
        }
        return this;
    }

    /** An inclusive address range: both ends IPv4 and in order. */
    ipRange(startProperty: string, start: unknown, endProperty: string, end: unknown): this {
        this.ipv4(startProperty, start).ipv4(endProperty, end);
        if (isIpv4(start) && isIpv4(end) && ipToNumber(start) > ipToNumber(end)) {
            this.fail(endProperty, `${endProperty} ${end} comes before ${startProperty} ${start}; the range must run from low to high`);
        }
        return this;
    }

    apiUrl(property: string, value: unknown): this {
        if (this.skip(value) || /^https?:\/\/[^/]+\/.+/.test(String(value ?? ""))) return this;
        return this.fail(property, `${property} must be the API endpoint such as http://10.15.0.116:8080/client/api, not ${JSON.stringify(value)}`);
    }

    connection(value: unknown): this {
        if (this.skip(value)) return this;
        const c = (value ?? {}) as Record<string, unknown>;
        this.apiUrl("connection.apiUrl", c.apiUrl);
        for (const key of ["apiKey", "secretKey"]) {
            if (!this.skip(c[key]) && (typeof c[key] !== "string" || c[key] === "")) this.fail(`connection.${key}`, `connection.${key} must be the admin's API ${key === "apiKey" ? "key" : "secret key"} (it is missing or empty)`);
        }
        return this;
    }
}
