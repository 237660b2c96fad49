/**
 * Ansible's host ranges in inventory names: "kvm-[01:03]" is kvm-01, kvm-02,
 * kvm-03 (a leading zero keeps the width), "[a:c]" is a, b, c, and an optional
 * third part is the step ("[1:9:2]"). Several ranges in one name multiply.
 */
const RANGE = /\[([^\]]*)\]/;

export function expandHostPattern(pattern: string): string[] {
    const match = RANGE.exec(pattern);
    if (!match) return [pattern];
    const before = pattern.slice(0, match.index);
    const after = pattern.slice(match.index + match[0].length);
    return expandRange(match[1], pattern).flatMap((middle) => expandHostPattern(`${before}${middle}${after}`));
}

function expandRange(range: string, pattern: string): string[] {
    const parts = range.split(":");
    if (parts.length < 2 || parts.length > 3) throw new Error(`host range "${pattern}": expected [start:end] or [start:end:step]`);
    const [start, end] = parts;
    const step = parts.length === 3 ? Number(parts[2]) : 1;
    if (!Number.isInteger(step) || step < 1) throw new Error(`host range "${pattern}": the step must be a positive integer`);
    if (/^\d+$/.test(start) && /^\d+$/.test(end)) {
        const width = start.length > 1 && start.startsWith("0") ? start.length : 0;
        const out: string[] = [];
        for (let n = Number(start); n <= Number(end); n += step) out.push(String(n).padStart(width, "0"));
        if (out.length === 0) throw new Error(`host range "${pattern}": the start is after the end`);
        return out;
    }
    if (/^[a-zA-Z]$/.test(start) && /^[a-zA-Z]$/.test(end)) {
        const out: string[] = [];
        for (let c = start.charCodeAt(0); c <= end.charCodeAt(0); c += step) out.push(String.fromCharCode(c));
        if (out.length === 0) throw new Error(`host range "${pattern}": the start is after the end`);
        return out;
    }
    throw new Error(`host range "${pattern}": expected numbers ([01:03]) or single letters ([a:c])`);
}
