/** IPv4 helpers on top of ip-num, shared by validation and the bridge step. */
import { IPv4, IPv4CidrRange, IPv4Mask, Validator } from "ip-num";

export function isIPv4(value: unknown): value is string {
    return typeof value === "string" && Validator.isValidIPv4String(value)[0];
}

/** "10.15.0.0/24" style, host bits allowed ("10.15.0.116/24" is an interface address). */
export function isCidr(value: unknown): value is string {
    return typeof value === "string" && Validator.isValidIPv4CidrNotation(value)[0];
}

export function isNetmask(value: unknown): value is string {
    if (!isIPv4(value)) return false;
    try {
        IPv4Mask.fromDecimalDottedString(value);
        return true;
    } catch {
        return false;
    }
}

export function toNumber(ip: string): bigint {
    return IPv4.fromString(ip).value;
}

/** The network of an interface address or CIDR, e.g. "10.15.0.116/24" → 10.15.0.0/24. */
export function networkOf(cidr: string): { first: bigint; last: bigint; prefix: number } {
    const [address, prefixText] = cidr.split("/");
    const prefix = Number(prefixText);
    const size = 1n << BigInt(32 - prefix);
    const first = (toNumber(address) / size) * size;
    return { first, last: first + size - 1n, prefix };
}

export function prefixOfNetmask(netmask: string): number {
    return Number(IPv4Mask.fromDecimalDottedString(netmask).prefix);
}

export function netmaskOfPrefix(prefix: number): string {
    const bits = prefix === 0 ? 0n : ((1n << 32n) - 1n) ^ ((1n << BigInt(32 - prefix)) - 1n);
    return IPv4.fromNumber(bits).toString();
}

export function cidrContains(cidr: string, ip: string): boolean {
    const net = networkOf(cidr);
    const n = toNumber(ip);
    return n >= net.first && n <= net.last;
}

export function cidrsOverlap(a: string, b: string): boolean {
    const x = networkOf(a);
    const y = networkOf(b);
    return x.first <= y.last && y.first <= x.last;
}

export interface IpRange {
    start: string;
    end: string;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
    return toNumber(a.start) <= toNumber(b.end) && toNumber(b.start) <= toNumber(a.end);
}

export function rangeContains(range: IpRange, ip: string): boolean {
    const n = toNumber(ip);
    return n >= toNumber(range.start) && n <= toNumber(range.end);
}

/** Canonical "a.b.c.d/p" network form of any CIDR. */
export function canonicalCidr(cidr: string): string {
    const net = networkOf(cidr);
    return `${IPv4.fromNumber(net.first).toString()}/${net.prefix}`;
}

export { IPv4CidrRange };
