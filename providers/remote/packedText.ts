/**
 * Scripts travel to the engine and sit in the state gzip-compressed: a KVM
 * host's install stage is ~60 KB of shell that compresses ~6:1, and encoding
 * those strings was the largest cost of previewing big stacks
 * (bench/preview-scale.ts). Each packed script carries a digest, so a change
 * still shows up in `pulumi preview` as a changed digest.
 */
const PREFIX = "gzip+base64:";

// Many nodes run the same script: each text is compressed and digested once per run.
const packed = new Map<string, string>();
const digests = new Map<string, string>();

export function packText(text: string): string {
    let result = packed.get(text);
    if (result === undefined) {
        const zlib = require("zlib");
        result = PREFIX + zlib.gzipSync(Buffer.from(text, "utf8")).toString("base64");
        packed.set(text, result);
    }
    return result;
}

export function unpackText(packed: string): string {
    if (!packed.startsWith(PREFIX)) return packed;
    const zlib = require("zlib");
    return zlib.gunzipSync(Buffer.from(packed.slice(PREFIX.length), "base64")).toString("utf8");
}

/** Short digest of a script, for people reading a preview. */
export function digestOf(text: string): string {
    let digest = digests.get(text);
    if (digest === undefined) {
        digest = require("crypto").createHash("sha256").update(text).digest("hex").slice(0, 16) as string;
        digests.set(text, digest);
    }
    return digest;
}
