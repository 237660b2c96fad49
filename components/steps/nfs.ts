/**
 * The NFS storage node (the seed's setup-nfs-storage.sh): optional data disk,
 * NFS server, every storage directory the zone uses on this server, the
 * export root for the allowed clients only, fixed side-service ports.
 */
import { isCidr, isIPv4 } from "../../config/net";
import { NfsSettings, PackageSettings } from "../../config/settings";
import { nfsStoragePaths, StoragePath, ZoneStorages } from "../../config/storagePaths";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedInteger } from "../../config/safeValues";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script } from "./render";

/** `destroyData`: delete also wipes the data disk and the storage directories' contents. */
export function nfsSteps(nfs: NfsSettings, packages: PackageSettings, destroyData: boolean, zone: ZoneStorages): RemoteStep[] {
    const exportRoot = checked("path", "nfs.exportRoot", nfs.exportRoot);
    const steps: RemoteStep[] = [];
    if (nfs.dataDisk !== undefined) {
        const view = { dataDisk: checked("device", "nfs.dataDisk", nfs.dataDisk), exportRoot, forceFormat: nfs.forceFormat === true, destroyData };
        steps.push({ name: "nfs-disk", script: script("nfs-disk", view), deleteScript: script("nfs-disk-delete", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS });
    }
    const ports = Object.fromEntries(Object.entries(nfs.ports).map(([name, port]) => [name, checkedInteger(`nfs.ports.${name}`, port, 1, 65535)]));
    const view = {
        package: checked("package", "packages.nfsServerPackage", packages.nfsServerPackage),
        exportRoot,
        storagePaths: checkedStoragePaths(exportRoot, nfsStoragePaths(nfs, zone)),
        exports: embedded("nfs-exports", { exportRoot, clients: checkedClients("nfs.allowedCidrs", nfs.allowedCidrs) }),
        portsConf: embedded("nfs-ports.conf", { ports }),
        ports,
        verifyServing: nfs.verifyServing === true,
        destroyData,
    };
    steps.push({ name: "nfs-server", script: script("nfs-server", view), deleteScript: script("nfs-server-delete", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS });
    return steps;
}

/** Safe, below the export root (served through its export), each once, in config order. */
function checkedStoragePaths(exportRoot: string, storagePaths: readonly StoragePath[]): string[] {
    const paths = storagePaths.map(({ key, path }) => {
        const safe = checked("path", key, path).replace(/\/+$/, "");
        if (!safe.startsWith(`${exportRoot}/`)) throw new Error(`${key}: ${JSON.stringify(path)} is not allowed here; expected a directory below nfs.exportRoot (${exportRoot}), the only path the NFS node exports`);
        return safe;
    });
    return [...new Set(paths)];
}

/** NFS clients: single addresses (the default: the nodes that mount) or whole networks when the config asks. */
function checkedClients(key: string, values: string[]): string[] {
    if (values.length === 0) throw new Error(`${key}: the list is empty; expected at least one client address like 10.15.0.116 or network like 10.15.0.0/24`);
    return values.map((value, i) => {
        if (!isIPv4(value) && !isCidr(value)) {
            throw new Error(`${key}[${i}]: ${JSON.stringify(value)} is not allowed here; expected a client address like 10.15.0.116 or a network in CIDR form like 10.15.0.0/24 (never "*")`);
        }
        return value;
    });
}
