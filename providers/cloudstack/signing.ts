/**
 * Request signing as CloudStack 4.19 verifies it (reference §1.2): values
 * encoded like Java's URLEncoder with "+" written as %20 and "*" kept, pairs
 * sorted by name exactly as sent, the whole string lower-cased, HMAC-SHA1 with
 * the secret key, Base64. signatureversion=3 with `expires` a few minutes
 * ahead bounds how long a captured URL stays usable.
 */
import * as crypto from "crypto";

export type Params = Record<string, string>;

/** How long a signed request stays valid. */
export const SIGNATURE_TTL_SECONDS = 300;

/** encodeURIComponent leaves `! ' ( ) ~` alone; Java's URLEncoder encodes them (and leaves `*`). */
export function encodeValue(value: string): string {
    return encodeURIComponent(value).replace(/[!'()~]/g, (ch) => "%" + ch.charCodeAt(0).toString(16).toUpperCase());
}

/** The string that is signed, before lower-casing. */
export function canonicalQuery(params: Params): string {
    return Object.keys(params)
        .filter((name) => name.toLowerCase() !== "signature")
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
        .map((name) => `${name}=${encodeValue(params[name])}`)
        .join("&");
}

export function signature(params: Params, secretKey: string): string {
    return crypto.createHmac("sha1", secretKey).update(canonicalQuery(params).toLowerCase()).digest("base64");
}

/** `params` plus apikey, signatureversion, expires and signature. */
export function signParams(params: Params, apiKey: string, secretKey: string, now: Date = new Date()): Params {
    const expires = new Date(now.getTime() + SIGNATURE_TTL_SECONDS * 1000).toISOString();
    const signed: Params = { ...params, apikey: apiKey, signatureversion: "3", expires };
    return { ...signed, signature: signature(signed, secretKey) };
}

/** Wire form of the parameters (query string or form body); the server decodes before verifying. */
export function encodeParams(params: Params): string {
    return Object.entries(params)
        .map(([name, value]) => `${encodeURIComponent(name)}=${encodeValue(value)}`)
        .join("&");
}
