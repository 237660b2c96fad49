/**
 * The shared shape of a config check: the full key of a field, and the checks
 * of one address, network or interface name that every section uses.
 */
import { MAX_INTERFACE_NAME } from "../defaults";
import { isCidr, isIPv4 } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";

export const K = (path: string) => `cloudstack:${path}`;


// "" is what a reader returns for a key it already reported as missing or mistyped: not reported twice.
export function checkIp(problems: ConfigProblems, key: string, value: string | undefined, example: string): boolean {
    if (value === undefined || value === "") return false;
    if (isIPv4(value)) return true;
    problems.add(K(key), value, `expected an IPv4 address like ${example}`);
    return false;
}

export function checkCidr(problems: ConfigProblems, key: string, value: string, example: string): boolean {
    if (isCidr(value)) return true;
    if (value === "") return false;
    problems.add(K(key), value, `expected an IPv4 network in CIDR form like ${example}`);
    return false;
}

// Linux interface names: at most 15 bytes, no '/', ':' or whitespace.
export function checkInterfaceName(problems: ConfigProblems, key: string, value: string): boolean {
    if (value === "") return false;
    if (value.length <= MAX_INTERFACE_NAME && isSafe("interface", value)) return true;
    problems.add(K(key), value, `expected an interface name of at most ${MAX_INTERFACE_NAME} characters (letters, digits, _ . -); Linux refuses longer names`);
    return false;
}
