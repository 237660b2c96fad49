/**
 * Typed reads of untyped stack config values. Each read reports a problem
 * (and returns a fallback) instead of throwing, so every mistake in a stack
 * file is reported in one run.
 */
import { ConfigProblems } from "./problems";

export type RawObject = Record<string, unknown>;

export class FieldReader {
    private readonly seen = new Set<string>();

    constructor(
        readonly problems: ConfigProblems,
        /** Config key prefix, e.g. "cloudstack:zone". */
        readonly path: string,
        readonly raw: RawObject,
    ) {}

    /** Full config key of a field: "cloudstack:zone" at the top, "cloudstack:zone.pods[0].name" below. */
    key(name: string): string {
        return `${this.path}${this.path.includes(":") ? "." : ":"}${name}`;
    }

    /** Every read goes through here, so unread (unknown) keys can be reported. */
    private get(name: string): unknown {
        this.seen.add(name);
        return this.raw[name];
    }

    has(name: string): boolean {
        const value = this.get(name);
        return value !== undefined && value !== null;
    }

    string(name: string, fallback?: string): string {
        const value = this.get(name);
        if (value === undefined || value === null) {
            if (fallback === undefined) this.problems.add(this.key(name), undefined, "it is required");
            return fallback ?? "";
        }
        if (typeof value === "number") return String(value);
        if (typeof value !== "string" || value.trim() === "") {
            this.problems.add(this.key(name), value, "expected a non-empty string");
            return fallback ?? "";
        }
        return value.trim();
    }

    optionalString(name: string): string | undefined {
        return this.has(name) ? this.string(name) : undefined;
    }

    integer(name: string, fallback: number | undefined, min: number, max: number): number {
        const value = this.get(name);
        if (value === undefined || value === null) {
            if (fallback === undefined) this.problems.add(this.key(name), undefined, `it is required (an integer ${min}-${max})`);
            return fallback ?? min;
        }
        const n = typeof value === "string" && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
        if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
            this.problems.add(this.key(name), value, `expected an integer from ${min} to ${max}`);
            return fallback ?? min;
        }
        return n;
    }

    optionalInteger(name: string, min: number, max: number): number | undefined {
        return this.has(name) ? this.integer(name, undefined, min, max) : undefined;
    }

    boolean(name: string, fallback: boolean): boolean {
        const value = this.get(name);
        if (value === undefined || value === null) return fallback;
        if (value === true || value === "true") return true;
        if (value === false || value === "false") return false;
        this.problems.add(this.key(name), value, "expected true or false");
        return fallback;
    }

    /**
     * One of `allowed`. A bad value is reported and returned as written (not
     * replaced by an allowed one), so later checks never blame a value the
     * file does not contain.
     */
    oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
        const value = this.get(name) ?? fallback;
        if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
        this.problems.add(this.key(name), value, `expected one of ${allowed.join(", ")} (case-sensitive)`);
        return (value === undefined ? "" : String(value)) as T;
    }

    stringList(name: string, fallback?: string[]): string[] {
        const value = this.get(name);
        if (value === undefined || value === null) {
            if (fallback === undefined) this.problems.add(this.key(name), undefined, "it is required (a list)");
            return fallback ?? [];
        }
        if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
            this.problems.add(this.key(name), value, "expected a list of non-empty strings");
            return fallback ?? [];
        }
        return value.map((v: string) => v.trim());
    }

    /** A nested object; missing gives an empty object (its own fields report what they need). */
    object(name: string): FieldReader {
        const value = this.get(name);
        if (value !== undefined && value !== null && (typeof value !== "object" || Array.isArray(value))) {
            this.problems.add(this.key(name), value, "expected an object");
        }
        const raw = value && typeof value === "object" && !Array.isArray(value) ? (value as RawObject) : {};
        return new FieldReader(this.problems, this.key(name), raw);
    }

    /** A list of objects, each read by `read`. */
    list<T>(name: string, read: (item: FieldReader, index: number) => T, required = false): T[] {
        const value = this.get(name);
        if (value === undefined || value === null) {
            if (required) this.problems.add(this.key(name), undefined, "it is required (a list with at least one entry)");
            return [];
        }
        if (!Array.isArray(value)) {
            this.problems.add(this.key(name), value, "expected a list");
            return [];
        }
        return value.map((item, index) => {
            const path = `${this.key(name)}[${index}]`;
            if (!item || typeof item !== "object" || Array.isArray(item)) {
                this.problems.add(path, item, "expected an object");
                return read(new FieldReader(this.problems, path, {}), index);
            }
            return read(new FieldReader(this.problems, path, item as RawObject), index);
        });
    }

    /** A list of objects whose every key must be one `read` reads: the rest are reported as unknown (typos). */
    records<T>(name: string, read: (item: FieldReader, index: number) => T, required = false): T[] {
        return this.list(
            name,
            (item, index) => {
                const value = read(item, index);
                item.rejectUnknown();
                return value;
            },
            required,
        );
    }

    /** A key this version no longer reads: reported with why, instead of as unknown. */
    removed(name: string, why: string): void {
        if (this.get(name) !== undefined) this.problems.note(this.key(name), `was removed: ${why}; delete this key`);
    }

    /** Whether the stack file sets this key (without counting it as read). */
    written(name: string): boolean {
        return this.raw[name] !== undefined && this.raw[name] !== null;
    }

    /** Call after reading every field: reports keys nobody read (typos such as "gatway"). */
    rejectUnknown(): void {
        const known = [...this.seen].sort().join(", ");
        for (const name of Object.keys(this.raw)) {
            if (!this.seen.has(name)) {
                // The value is not repeated: it may be a whole section, or a secret under a misspelt key.
                this.problems.note(this.key(name), `is not a known setting here (known: ${known})`);
            }
        }
    }
}
