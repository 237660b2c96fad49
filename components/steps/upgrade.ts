/**
 * The node scripts of an upgrade from one CloudStack release to another, in
 * the upgrade guide's order (source/upgrading/upgrade/upgrade-4.19.rst@4.20.1.0):
 * on the management server stop usage and management, switch the repository
 * (and Java when the target needs another), upgrade the three packages pinned
 * to the target, start and wait for the schema; on each KVM host the same
 * repository switch and the agent. Each script checks the node first, so a
 * rerun after a kill continues where the last run stopped.
 */
import { ManagementSettings, PackageSettings } from "../../config/settings";
import { checked, checkedInteger } from "../../config/safeValues";
import { RemoteStep } from "../../providers/remote/step";
import { PACKAGE_STEP_TIMEOUT_SECONDS, script } from "./render";
import { cloudstackRepoStep, javaStep } from "./shared";

export interface UpgradeVersions {
    readonly from: string;
    readonly to: string;
}

/** Written on the management node once it runs `to` with the schema upgraded: the management part is done. */
export function managementUpgradeMarker(versions: UpgradeVersions): string {
    return `/var/lib/cloudstack-infra/upgrade-${versions.from}-to-${versions.to}.done`;
}

function views(versions: UpgradeVersions) {
    return {
        from: checked("version", "deployed cloudstackVersion", versions.from),
        to: checked("version", "packages.cloudstackVersion", versions.to),
    };
}

/** Java and the repository at the target, as a fresh install sets them (no delete script: the install steps own them). */
function targetPackageSources(packages: PackageSettings, prefix: string, stage: string): RemoteStep[] {
    const { deleteScript: _repoDelete, ...repo } = cloudstackRepoStep(packages);
    return [
        { ...javaStep(packages), name: `${prefix}-java`, stage },
        { ...repo, name: `${prefix}-repo`, stage },
    ];
}

/** The management server: stop, packages, start (secret CLOUD_DB_PASSWORD for the schema check). */
export function managementUpgradeSteps(versions: UpgradeVersions, packages: PackageSettings, management: ManagementSettings): RemoteStep[] {
    const view = { ...views(versions), doneMarker: managementUpgradeMarker(versions) };
    const startTimeoutSeconds = checkedInteger("management.startTimeoutSeconds", management.startTimeoutSeconds, 30, 86400);
    return [
        { name: "upgrade-stop", script: script("upgrade-management-stop", view) },
        ...targetPackageSources(packages, "upgrade-management", "upgrade-packages"),
        { name: "upgrade-management-packages", stage: "upgrade-packages", script: script("upgrade-management-packages", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS },
        {
            name: "upgrade-start",
            script: script("upgrade-management-start", {
                ...view,
                uiPort: checkedInteger("management.uiPort", management.uiPort, 1, 65535),
                apiPath: checked("path", "management.apiPath", management.apiPath),
                startTimeoutSeconds,
            }),
            secretEnv: ["CLOUD_DB_PASSWORD"],
            timeoutSeconds: startTimeoutSeconds * 2 + 300,
        },
    ];
}

/** One KVM host's agent: repository and Java at the target, then the agent stopped, upgraded and started. */
export function agentUpgradeSteps(versions: UpgradeVersions, packages: PackageSettings): RemoteStep[] {
    return [
        ...targetPackageSources(packages, "upgrade-agent", "upgrade-agent"),
        { name: "upgrade-agent-package", stage: "upgrade-agent", script: script("upgrade-agent", views(versions)), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS },
    ];
}
