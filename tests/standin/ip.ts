/** IPv4 arithmetic for the stand-in's range and overlap checks. */

export function isIpv4(value: string | undefined): value is string {
    if (!value || !/^\d{1,3}(\.\d{1,3}){3}$/.test(value)) return false;
    return value.split(".").every((part) => Number(part) <= 255);
}

export function ipToLong(ip: string): number {
    return ip.split(".").reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function longToIp(value: number): string {
    return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/** Prefix length of a dotted netmask, or undefined when it is not a contiguous mask. */
export function netmaskBits(netmask: string): number | undefined {
    if (!isIpv4(netmask)) return undefined;
    const bits = ipToLong(netmask).toString(2).padStart(32, "0");
    if (!/^1*0*$/.test(bits)) return undefined;
    const firstZero = bits.indexOf("0");
    return firstZero === -1 ? 32 : firstZero;
}

export function sameSubnet(a: string, b: string, netmask: string): boolean {
    const size = 2 ** (32 - (netmaskBits(netmask) ?? 32));
    return Math.floor(ipToLong(a) / size) === Math.floor(ipToLong(b) / size);
}

export function inRange(ip: string, start: string, end: string): boolean {
    const value = ipToLong(ip);
    return value >= ipToLong(start) && value <= ipToLong(end);
}

export function rangesOverlap(startA: string, endA: string, startB: string, endB: string): boolean {
    return ipToLong(startA) <= ipToLong(endB) && ipToLong(startB) <= ipToLong(endA);
}

/** Every address of an inclusive range, in order. */
export function rangeAddresses(start: string, end: string): string[] {
    const out: string[] = [];
    for (let value = ipToLong(start); value <= ipToLong(end); value++) out.push(longToIp(value));
    return out;
}

/** The network address of `ip` at prefix length `bits` (NetUtils.getCidrSubNet). */
export function subnetOf(ip: string, bits: number): string {
    const size = 2 ** (32 - bits);
    return longToIp(Math.floor(ipToLong(ip) / size) * size);
}
