/**
 * Whether this `pulumi up` deploys, keeps or upgrades CloudStack: the version
 * the stack deployed last (its `cloudstackVersion` output, written only when
 * an update finishes, so a killed upgrade is still seen as one) against
 * cloudstackVersion. What cannot work is refused here, at preview, before
 * anything is touched.
 */
import { compareVersions, knownReleasesText, releaseLineOf } from "./cloudstackReleases";
import { K } from "./check/values";

/** What the last finished update of this stack recorded (its outputs). */
export interface DeployedState {
    /** The stack has outputs: something was deployed. */
    readonly deployed: boolean;
    /** cloudstackVersion of the last finished update (absent: deployed before the program recorded it). */
    readonly version?: string;
    /** The upgrade that update ran, kept in the graph unchanged so that a second `up` changes nothing. */
    readonly upgrade?: { readonly from: string; readonly to: string };
}

export type UpgradePlan =
    /** Nothing deployed, or deployed at this version: no upgrade steps. */
    | { readonly kind: "none" }
    /** Upgrade steps from → to (also when that upgrade finished: the same steps, unchanged, run nothing). */
    | { readonly kind: "upgrade"; readonly from: string; readonly to: string };

export interface UpgradeDecision {
    readonly plan: UpgradePlan;
    /** Why the change cannot be made, each naming the key (empty: it can). */
    readonly problems: string[];
}

const KEY = K("cloudstackVersion");

export function planUpgrade(deployed: DeployedState, target: string): UpgradeDecision {
    const none = { kind: "none" } as const;
    if (!deployed.deployed) return { plan: none, problems: [] };
    if (deployed.version === undefined) {
        // Programs before this one deployed 4.19 only, at the configured patch release, and did not record it.
        if (releaseLineOf(target)?.line === "4.19") return { plan: none, problems: [] };
        return {
            plan: none,
            problems: [
                `${KEY}: "${target}" cannot be reached from a stack whose outputs do not record the deployed version (deployed by an older cloudstack-infra); run \`pulumi up\` once with the 4.19 version it runs, then change ${KEY}`,
            ],
        };
    }
    const from = deployed.version;
    if (from === target) {
        const kept = deployed.upgrade !== undefined && deployed.upgrade.to === target;
        return { plan: kept ? { kind: "upgrade", from: deployed.upgrade!.from, to: target } : none, problems: [] };
    }
    if (compareVersions(target, from) < 0) {
        return {
            plan: none,
            problems: [
                // engine/schema/src/main/java/com/cloud/upgrade/DatabaseUpgradeChecker.java@4.19.3.0:466-467: a database newer than the software stops the start.
                `${KEY}: "${target}" is older than the deployed ${from}: a downgrade is refused (CloudStack's management server does not start on a database of a newer version, "Database version ${from} is higher than management software version ${target}"); to go back, restore the backup taken before the upgrade (npm run restore) onto ${from}'s packages`,
            ],
        };
    }
    const targetLine = releaseLineOf(target);
    const fromLine = releaseLineOf(from);
    if (targetLine === undefined) return { plan: none, problems: [] }; // reported by config/check/release.ts
    if (fromLine === undefined || !targetLine.upgradesFrom.includes(fromLine.line)) {
        return {
            plan: none,
            problems: [
                `${KEY}: "${target}" cannot be upgraded to from the deployed ${from}: the ${targetLine.line} upgrade guide (${targetLine.upgradeSource}) covers ${targetLine.upgradesFrom.map((l) => `${l}.x`).join(" and ")} only; known releases: ${knownReleasesText()}`,
            ],
        };
    }
    return { plan: { kind: "upgrade", from, to: target }, problems: [] };
}
