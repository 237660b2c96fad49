/**
 * Request signing as CloudStack 4.19's ApiServer.verifyRequest() computes it,
 * written step by step from the Java code (reference §1.2) and independently
 * of the client in providers/cloudstack: the stand-in verifies with it, and
 * the signing tests compare the client against it.
 *
 *  1. parameter names exactly as received, sorted with String.compareTo
 *     (UTF-16 code units, so upper case and `[` sort before lower case);
 *  2. `signature` skipped, only the first value of a name used;
 *  3. name + "=" + URLEncoder.encode(value, "UTF-8") with "+" replaced by "%20",
 *     names not encoded, pairs joined with "&";
 *  4. the whole string lower-cased;
 *  5. HmacSHA1 keyed with the secret key's bytes, Base64 (padded).
 */
import * as crypto from "crypto";

/** java.net.URLEncoder.encode(value, "UTF-8"): byte by byte over the UTF-8 encoding. */
export function javaUrlEncoderEncode(value: string): string {
    let out = "";
    for (const byte of Buffer.from(value, "utf8")) {
        const ch = String.fromCharCode(byte);
        if (/[A-Za-z0-9.\-*_]/.test(ch)) out += ch;
        else if (ch === " ") out += "+";
        else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
    }
    return out;
}

/** The unsigned request string before lower-casing (steps 1-3). */
export function unsignedRequest(params: [string, string][]): string {
    const firstValues = new Map<string, string>();
    for (const [name, value] of params) if (!firstValues.has(name)) firstValues.set(name, value);
    const names = [...firstValues.keys()].filter((name) => name.toLowerCase() !== "signature");
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return names.map((name) => `${name}=${javaUrlEncoderEncode(firstValues.get(name) as string).replace(/\+/g, "%20")}`).join("&");
}

export function javaSignature(params: [string, string][], secretKey: string): string {
    return crypto.createHmac("sha1", Buffer.from(secretKey, "utf8")).update(Buffer.from(unsignedRequest(params).toLowerCase(), "utf8")).digest("base64");
}

/**
 * DateUtil.parseTZDateString: ISO offset date-times (`Z`, `+00:00`),
 * `yyyy-MM-dd'T'HH:mm:ssZ` (`+0000`) and fractional seconds. A value without a
 * zone offset is rejected (undefined).
 */
export function parseExpires(value: string): number | undefined {
    const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
    if (!match) return undefined;
    const fraction = match[2] ? match[2].slice(0, 4) : "";
    const zone = match[3] === "Z" ? "Z" : match[3].replace(/^([+-]\d{2}):?(\d{2})$/, "$1:$2");
    const time = Date.parse(`${match[1]}${fraction}${zone}`);
    return Number.isNaN(time) ? undefined : time;
}
