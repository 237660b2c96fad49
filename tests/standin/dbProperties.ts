/**
 * The database a packaged stand-in management server keeps its cloud in, read
 * from /etc/cloudstack/management/db.properties as the real server reads it
 * (framework/db/src/main/java/com/cloud/utils/db/TransactionLegacy.java@4.19.3.0:1028-1030,1160-1175):
 * db.cloud.host/port/username/password, and with db.ha.enabled=true the
 * db.cloud.replicas after the host, tried in that order (StaticStrategy, the
 * strategy the program writes: TransactionLegacy.java@4.19.3.0:1269-1290).
 * Secrets are ENC(...) under the key file, as the stand-in
 * cloudstack-setup-databases writes them (the lab package's dbprops.py: a
 * keyed stream cipher standing in for jasypt).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface DatabaseTarget {
    /** Tried in order; the first that answers is used. */
    hosts: string[];
    port: number;
    user: string;
    password: string;
    database: string;
    /** cluster.node.IP: the address this server registers in mshost. */
    clusterNodeIp?: string;
}

function stream(key: string, length: number): Buffer {
    const blocks: Buffer[] = [];
    for (let counter = 0; blocks.length * 32 < length; counter++) blocks.push(crypto.createHash("sha256").update(`${key}:${counter}`).digest());
    return Buffer.concat(blocks).subarray(0, length);
}

/** dbprops.py decrypt(): ENC(base64) XOR the key's stream; other values are plain. */
export function decryptProperty(value: string, key: string): string {
    const match = /^ENC\((.*)\)$/.exec(value);
    if (!match) return value;
    const data = Buffer.from(match[1], "base64");
    const pad = stream(key, data.length);
    return Buffer.from(data.map((byte, i) => byte ^ pad[i])).toString("utf8");
}

export function parseProperties(text: string, key: string): Record<string, string> {
    const props: Record<string, string> = {};
    for (const line of text.split("\n")) {
        if (line.startsWith("#") || !line.includes("=")) continue;
        const index = line.indexOf("=");
        props[line.slice(0, index).trim()] = decryptProperty(line.slice(index + 1).trim(), key);
    }
    return props;
}

export function databaseTarget(props: Record<string, string>): DatabaseTarget {
    const need = (name: string) => {
        const value = props[name];
        if (value === undefined || value === "") throw new Error(`db.properties has no ${name}`);
        return value;
    };
    const replicas = props["db.ha.enabled"] === "true" ? (props["db.cloud.replicas"] ?? "").split(",").map((r) => r.trim()).filter(Boolean) : [];
    return {
        hosts: [need("db.cloud.host"), ...replicas],
        port: Number(need("db.cloud.port")),
        user: need("db.cloud.username"),
        password: need("db.cloud.password"),
        database: props["db.cloud.name"] || "cloud",
        clusterNodeIp: props["cluster.node.IP"],
    };
}

/** db.properties and the key file beside it (the management server key). */
export function readDatabaseTarget(file: string): DatabaseTarget {
    const keyFile = path.join(path.dirname(file), "key");
    const key = fs.readFileSync(keyFile, "utf8").trim();
    return databaseTarget(parseProperties(fs.readFileSync(file, "utf8"), key));
}
