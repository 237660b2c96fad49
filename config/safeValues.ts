/**
 * The last guard before a value enters a shell script: templates are rendered
 * without escaping (providers/remote/templates.ts), so every value a builder
 * puts into one must match a pattern that cannot break out of a quoted shell
 * word. config/check/ reports bad stack config with friendlier context;
 * these checks also cover values that come from elsewhere.
 */
import { isCidr, isIPv4 } from "./net";

/** Every kind of value that reaches a script or a config file, and what it may look like: validation and rendering use the same table. */
const PATTERNS = {
    package: { pattern: /^[a-z0-9][a-z0-9+.-]*(=[A-Za-z0-9.+:~*-]+)?$/, allowed: "a Debian package name (lower-case letters, digits, + . -), optionally =VERSION" },
    version: { pattern: /^[A-Za-z0-9.+:~-]+$/, allowed: "a package version (letters, digits, . + : ~ -)" },
    path: { pattern: /^\/[A-Za-z0-9._/-]*$/, allowed: "an absolute path of letters, digits and . _ / -" },
    url: { pattern: /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/+=-]*)?$/, allowed: "an http(s) URL without query or spaces" },
    host: { pattern: /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, allowed: "a DNS name or IPv4 address" },
    timezone: { pattern: /^[A-Za-z_+-]+(\/[A-Za-z0-9_+-]+)*$/, allowed: "a time zone name like Asia/Seoul" },
    interface: { pattern: /^[A-Za-z0-9_.-]{1,15}$/, allowed: "an interface name of at most 15 letters, digits and _ . -" },
    repo: { pattern: /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~%/+-]*)? [A-Za-z0-9._-]+( [A-Za-z0-9._-]+)+$/, allowed: '"URL SUITE COMPONENT...", e.g. "https://download.cloudstack.org/ubuntu noble 4.19"' },
    device: { pattern: /^\/dev\/[A-Za-z0-9._/-]+$/, allowed: "a block device path under /dev" },
    /** One DNS label: a node's short name. */
    hostLabel: { pattern: /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/, allowed: "a host name of letters, digits and - (one DNS label)" },
    /** A CloudStack object name (zone, pod, cluster, storage). */
    objectName: { pattern: /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, allowed: "a name of letters, digits, space, _ . -" },
};

export type ValueKind = keyof typeof PATTERNS;

/** Whether `value` is a safe `kind` (for validation, which reports problems its own way). */
export function isSafe(kind: ValueKind, value: string): boolean {
    return typeof value === "string" && PATTERNS[kind].pattern.test(value);
}

/** Returns `value` when it is a safe `kind`; otherwise throws naming the key, the value and what is allowed. */
export function checked(kind: ValueKind, key: string, value: string): string {
    const { pattern, allowed } = PATTERNS[kind];
    if (typeof value !== "string" || !pattern.test(value)) {
        throw new Error(`${key}: ${JSON.stringify(value)} is not allowed here; expected ${allowed}`);
    }
    return value;
}

export function checkedList(kind: ValueKind, key: string, values: string[]): string[] {
    return values.map((value, i) => checked(kind, `${key}[${i}]`, value));
}

export function checkedInteger(key: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new Error(`${key}: ${JSON.stringify(value)} is not allowed here; expected a whole number from ${min} to ${max}`);
    }
    return value;
}

export function checkedIpv4(key: string, value: string): string {
    if (!isIPv4(value)) throw new Error(`${key}: ${JSON.stringify(value)} is not allowed here; expected an IPv4 address like 10.15.0.116`);
    return value;
}

export function checkedCidrs(key: string, values: string[]): string[] {
    if (values.length === 0) throw new Error(`${key}: the list is empty; expected at least one network in CIDR form like 10.15.0.0/24`);
    return values.map((value, i) => {
        if (!isCidr(value)) throw new Error(`${key}[${i}]: ${JSON.stringify(value)} is not allowed here; expected a network in CIDR form like 10.15.0.0/24 (never "*")`);
        return value;
    });
}
