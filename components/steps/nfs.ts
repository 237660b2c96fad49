/**
 * The NFS storage node (the seed's setup-nfs-storage.sh): optional data disk,
 * NFS server, primary/ and secondary/, exports to the allowed networks only,
 * fixed side-service ports.
 */
import { NfsSettings, PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedCidrs, checkedInteger } from "./checks";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script } from "./render";

/** `destroyData`: delete also wipes the data disk and the export contents. */
export function nfsSteps(nfs: NfsSettings, packages: PackageSettings, destroyData: boolean): RemoteStep[] {
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
        primaryPath: checked("path", "nfs.primaryPath", nfs.primaryPath),
        secondaryPath: checked("path", "nfs.secondaryPath", nfs.secondaryPath),
        exports: embedded("nfs-exports", { exportRoot, allowedCidrs: checkedCidrs("nfs.allowedCidrs", nfs.allowedCidrs) }),
        portsConf: embedded("nfs-ports.conf", { ports }),
        ports,
        verifyServing: nfs.verifyServing === true,
        destroyData,
    };
    steps.push({ name: "nfs-server", script: script("nfs-server", view), deleteScript: script("nfs-server-delete", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS });
    return steps;
}
