/**
 * The directories the cloud mounts from the NFS node: what the NFS step
 * creates and exports, and what verify checks.
 */
import { NfsSettings, ZoneSettings } from "./settings";

/** The zone's storages (the NFS node serves those whose server is nfs.server). */
export type ZoneStorages = Pick<ZoneSettings, "primaryStorages" | "secondaryStorages">;

/** A directory the NFS node must hold, and the config key it comes from (for errors). */
export interface StoragePath {
    readonly key: string;
    readonly path: string;
}

/**
 * Every directory the cloud mounts from this NFS server: nfs.primaryPath and
 * nfs.secondaryPath, and each zone primary/secondary storage whose server is
 * nfs.server (CloudStack's createStoragePool fails with "Failed to add data
 * store" when the host cannot mount the path).
 */
export function nfsStoragePaths(nfs: NfsSettings, zone: ZoneStorages): StoragePath[] {
    return [
        { key: "nfs.primaryPath", path: nfs.primaryPath },
        { key: "nfs.secondaryPath", path: nfs.secondaryPath },
        ...zone.primaryStorages.filter((s) => s.server === nfs.server).map((s) => ({ key: `zone.primaryStorages[${s.name}].path`, path: s.path })),
        ...zone.secondaryStorages.filter((s) => s.server === nfs.server).map((s) => ({ key: `zone.secondaryStorages[${s.name}].path`, path: s.path })),
    ];
}
