/**
 * Steps both the management server and the KVM hosts need: the Java that
 * CloudStack runs on and the CloudStack apt repository with its version pin.
 */
import { PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked } from "../../config/safeValues";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script } from "./render";

export function cloudstackVersion(packages: PackageSettings): string {
    return checked("version", "packages.cloudstackVersion", packages.cloudstackVersion);
}

export function javaStep(packages: PackageSettings): RemoteStep {
    const view = {
        cloudstackVersion: cloudstackVersion(packages),
        javaPackage: checked("package", "packages.javaPackage", packages.javaPackage),
        javaBinary: checked("path", "packages.javaBinary", packages.javaBinary),
    };
    return { name: "java", script: script("java", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS };
}

export function cloudstackRepoStep(packages: PackageSettings): RemoteStep {
    const version = cloudstackVersion(packages);
    const view = {
        cloudstackVersion: version,
        repo: checked("repo", "packages.cloudstackRepo", packages.cloudstackRepo),
        keyUrl: packages.cloudstackRepoKeyUrl === "" ? "" : checked("url", "packages.cloudstackRepoKeyUrl", packages.cloudstackRepoKeyUrl),
        pin: embedded("apt-pin", { cloudstackVersion: version }),
    };
    return {
        name: "cloudstack-repo",
        script: script("cloudstack-repo", view),
        deleteScript: script("cloudstack-repo-delete", view),
        timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
    };
}

/**
 * Concatenates step lists of one node (e.g. a node with two roles), keeping
 * one copy of steps both lists contain; the same name with a different
 * script is a conflict.
 */
export function mergeSteps(...lists: RemoteStep[][]): RemoteStep[] {
    const merged: RemoteStep[] = [];
    for (const step of lists.flat()) {
        const earlier = merged.find((s) => s.name === step.name);
        if (earlier === undefined) merged.push(step);
        else if (earlier.script !== step.script) throw new Error(`two different steps are named ${step.name} on one node`);
    }
    return merged;
}
