/**
 * The stand-in's cloud kept in the real database, so that several stand-in
 * management servers share one cloud as real ones share the `cloud` database.
 *
 * The cloud is one document in `cloud.standin_cloud` (one row, a version
 * number). Each API request first reads it when its version moved
 * (`sync`); each change is written back with a compare-and-swap on the
 * version (`commit`); on a conflict (another server wrote first, or Galera
 * refused the commit with a deadlock, 1213) the stored document is read,
 * merged with this server's changes (docMerge.ts) and written again.
 * Changes that follow an event elsewhere (an agent connecting or going away)
 * run as `transact(fn)`: read, apply, write, and on a conflict read and
 * apply again, so the later event wins.
 *
 * Management servers register in the real table `mshost` as 4.19 does:
 * a row per msid, Up at start (framework/cluster/src/main/java/com/cloud/cluster/ClusterManagerImpl.java@4.19.3.0:1000-1020,
 * with ManagementServerHostDaoImpl.update's columns, framework/cluster/src/main/java/com/cloud/cluster/dao/ManagementServerHostDaoImpl.java@4.19.3.0:89),
 * last_update renewed every cluster.heartbeat.interval (ClusterManagerImpl.java@4.19.3.0:603;
 * 1500 ms, framework/cluster/src/main/java/com/cloud/cluster/ClusterManager.java@4.19.3.0:29), Down at stop
 * (ClusterManagerImpl.java@4.19.3.0:1049-1061). A peer is alive while its last_update is within
 * cluster.heartbeat.threshold (150000 ms, ClusterManager.java@4.19.3.0:31; ClusterManagerImpl.java@4.19.3.0:377).
 */
import * as os from "os";
import * as crypto from "crypto";
import { adoptDoc, Doc, mergeDocs, stableJson, toDoc } from "./docMerge";
import { SqlError, SqlRunner } from "./mysqlClient";
import { MsHostRow, StandInData } from "./store";

const HEARTBEAT_THRESHOLD_MS = 150000;
const MAX_ATTEMPTS = 50;

/**
 * ManagementServerNode's id: the MAC address as a number
 * (utils/src/main/java/org/apache/cloudstack/utils/identity/ManagementServerNode.java@4.19.3.0:47 returns s_nodeId,
 * set from MacAddress.getMacAddress().toLong()).
 */
export function macAddressId(): number {
    const macs = Object.values(os.networkInterfaces())
        .flatMap((list) => list ?? [])
        .filter((a) => !a.internal && a.mac && a.mac !== "00:00:00:00:00:00")
        .map((a) => a.mac);
    const mac = macs.sort()[0];
    return mac ? parseInt(mac.replace(/:/g, ""), 16) : 1;
}

export interface ServerIdentity {
    msid: number;
    name: string;
    serviceIp: string;
    servicePort: number;
    version: string;
}

const quote = (text: string) => `'${text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export class SharedCloud {
    private version = -1;
    private base: Doc = {};
    private baseText = "";
    private queue: Promise<unknown> = Promise.resolve();
    readonly runId = Date.now();
    private heartbeatTimer?: NodeJS.Timeout;

    constructor(
        private readonly sql: SqlRunner,
        readonly identity: ServerIdentity,
        private readonly data: StandInData,
        private readonly release: () => void = () => undefined,
    ) {}

    get msid(): number {
        return this.identity.msid;
    }

    /** Creates the tables when missing, stores `data` as the first document when there is none, registers this server and reads the cloud. */
    async open(): Promise<void> {
        const doc = Buffer.from(JSON.stringify(toDoc(this.data))).toString("base64");
        // mshost with the columns of ManagementServerHostVO (framework/cluster/src/main/java/com/cloud/cluster/ManagementServerHostVO.java@4.19.3.0:37-78).
        await this.sql(
            [
                "CREATE TABLE IF NOT EXISTS standin_cloud (id INT PRIMARY KEY, version BIGINT NOT NULL, doc LONGBLOB NOT NULL);",
                `INSERT IGNORE INTO standin_cloud (id, version, doc) VALUES (1, 0, FROM_BASE64('${doc}'));`,
                "CREATE TABLE IF NOT EXISTS mshost (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, msid BIGINT UNSIGNED NOT NULL UNIQUE, runid BIGINT NOT NULL DEFAULT 0, " +
                    "name VARCHAR(255), uuid VARCHAR(40), state VARCHAR(10) NOT NULL DEFAULT 'Down', version VARCHAR(255), service_ip CHAR(40) NOT NULL, " +
                    "service_port INT NOT NULL, last_update DATETIME, removed DATETIME, alert_count INT NOT NULL DEFAULT 0);",
                `INSERT INTO mshost (msid, runid, name, uuid, state, version, service_ip, service_port, last_update, removed, alert_count) VALUES ` +
                    `(${this.msid}, ${this.runId}, ${quote(this.identity.name)}, ${quote(crypto.randomUUID())}, 'Up', ${quote(this.identity.version)}, ` +
                    `${quote(this.identity.serviceIp)}, ${this.identity.servicePort}, UTC_TIMESTAMP(), NULL, 0) ` +
                    `ON DUPLICATE KEY UPDATE name = VALUES(name), version = VALUES(version), service_ip = VALUES(service_ip), service_port = VALUES(service_port), ` +
                    `last_update = VALUES(last_update), removed = NULL, alert_count = 0, runid = VALUES(runid), state = 'Up';`,
            ].join("\n"),
        );
        await this.sync();
    }

    /** Renews last_update every `ms` (cluster.heartbeat.interval). */
    startHeartbeat(ms = 1500): void {
        this.heartbeatTimer = setInterval(() => {
            this.sql(`UPDATE mshost SET last_update = UTC_TIMESTAMP() WHERE msid = ${this.msid} AND runid = ${this.runId};`).catch(() => undefined);
        }, ms);
    }

    /** This server is going away: its mshost row Down, after the writes it has queued. */
    async stop(): Promise<void> {
        if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
        await this.drain();
        try {
            await this.sql(`UPDATE mshost SET state = 'Down', last_update = UTC_TIMESTAMP() WHERE msid = ${this.msid} AND runid = ${this.runId};`);
        } finally {
            this.release();
        }
    }

    /** Resolves when everything queued so far has run. */
    drain(): Promise<void> {
        return this.enqueue(async () => undefined);
    }

    private enqueue<T>(work: () => Promise<T>): Promise<T> {
        const next = this.queue.then(work, work);
        this.queue = next.catch(() => undefined);
        return next;
    }

    /** Reads the stored cloud when it changed and merges it into the live data (this server's unwritten changes kept). */
    sync(): Promise<void> {
        return this.enqueue(() => this.syncNow());
    }

    private async syncNow(): Promise<void> {
        const result = await this.sql(
            [
                `SELECT 'doc', version, IF(version <> ${this.version}, REPLACE(REPLACE(TO_BASE64(doc), '\\n', ''), '\\r', ''), '') FROM standin_cloud WHERE id = 1;`,
                "SELECT 'ms', msid, uuid, name, state, service_ip, IFNULL(TIMESTAMPDIFF(MICROSECOND, last_update, UTC_TIMESTAMP()) DIV 1000, -1) FROM mshost WHERE removed IS NULL ORDER BY msid;",
            ].join("\n"),
        );
        const servers: MsHostRow[] = [];
        for (const row of result.rows) {
            if (row[0] === "doc") {
                const version = Number(row[1]);
                if (version !== this.version && row[2]) {
                    const theirs = JSON.parse(Buffer.from(row[2], "base64").toString("utf8")) as Doc;
                    const merged = this.version < 0 ? theirs : mergeDocs(this.base, toDoc(this.data), theirs);
                    adoptDoc(this.data, merged);
                    this.base = theirs;
                    this.baseText = stableJson(theirs);
                    this.version = version;
                }
            } else if (row[0] === "ms") {
                const age = Number(row[6]);
                servers.push({ msid: Number(row[1]), uuid: row[2], name: row[3], state: row[4] as MsHostRow["state"], serviceIp: row[5], lastUpdateAgeMs: age < 0 ? undefined : age });
            }
        }
        this.data.managementServers = servers;
    }

    /** Writes this server's changes (merging with the stored cloud on a conflict). */
    commit(): Promise<void> {
        return this.enqueue(() => this.commitNow());
    }

    private async commitNow(): Promise<void> {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            try {
                await this.commitOnce();
                return;
            } catch (e) {
                if (!(e instanceof ConflictError)) throw e;
            }
            await this.syncNow();
        }
        throw new Error(`could not write the cloud after ${MAX_ATTEMPTS} conflicts`);
    }

    /** Reads the cloud, applies `fn`, writes; on a conflict reads and applies again (the later event wins). */
    transact(fn: () => void): Promise<void> {
        return this.enqueue(async () => {
            for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
                await this.syncNow();
                fn();
                try {
                    await this.commitOnce();
                    return;
                } catch (e) {
                    if (!(e instanceof ConflictError)) throw e;
                }
            }
            throw new Error(`could not write the cloud after ${MAX_ATTEMPTS} conflicts`);
        });
    }

    private async commitOnce(): Promise<void> {
        const ours = toDoc(this.data);
        const text = stableJson(ours);
        if (text === this.baseText) return;
        const encoded = Buffer.from(JSON.stringify(ours)).toString("base64");
        let result;
        try {
            // 1213: Galera's certification conflict (or a local deadlock): another writer won.
            result = await this.sql(`UPDATE standin_cloud SET doc = FROM_BASE64('${encoded}'), version = version + 1 WHERE id = 1 AND version = ${this.version};\nSELECT ROW_COUNT();`);
        } catch (e) {
            if (e instanceof SqlError && e.code === 1213) throw new ConflictError();
            throw e;
        }
        if (result.rows[0]?.[0] !== "1") throw new ConflictError();
        this.base = ours;
        this.baseText = text;
        this.version += 1;
    }

    /**
     * Whether this server runs the cluster-wide scanners now: the live server (Up, heartbeat within the threshold)
     * with the lowest msid. 4.19 lets one server at a time scan through a global lock
     * (server/src/main/java/com/cloud/vm/SystemVmLoadScanner.java@4.19.3.0:51,101-134); the lowest live msid stands for its holder.
     */
    isScanner(): boolean {
        const alive = (this.data.managementServers ?? []).filter((s) => s.state === "Up" && s.lastUpdateAgeMs !== undefined && s.lastUpdateAgeMs < HEARTBEAT_THRESHOLD_MS);
        if (!alive.some((s) => s.msid === this.msid)) return alive.length === 0;
        return Math.min(...alive.map((s) => s.msid)) === this.msid;
    }
}

class ConflictError extends Error {}
