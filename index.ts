/**
 * cloudstack-infra: Apache CloudStack on Ubuntu 24.04 servers.
 *
 * Stack config → one validated Settings object → node components → Zone →
 * stack outputs. Read docs/DESIGN.md for the shape and README.md for the
 * config reference.
 */
import * as pulumi from "@pulumi/pulumi";
import { deployCloud, UpgradeRequest } from "./components/deployCloud";
import { readDeployedState, UPGRADE_OUTPUT, VERSION_OUTPUT } from "./components/deployedState";
import { ConfigError } from "./config/problems";
import { loadSettings } from "./config/readSettings";
import { planUpgrade } from "./config/upgradePlan";
import { isZoneOnly } from "./config/zoneOnly";

const settings = loadSettings();

/** The upgrade this update makes, if any: the version the stack deployed (its outputs) against cloudstackVersion. */
async function upgradeRequest(): Promise<UpgradeRequest | undefined> {
    if (isZoneOnly(settings)) return undefined;
    const deployed = await readDeployedState();
    const { plan, problems } = planUpgrade(deployed, settings.packages.cloudstackVersion);
    if (plan.kind !== "upgrade") {
        if (problems.length > 0) throw new ConfigError(problems);
        return undefined;
    }
    if (deployed.api === undefined || deployed.zoneId === undefined) {
        problems.push(`cloudstack:cloudstackVersion: "${plan.to}" is an upgrade from ${plan.from}, but the stack's outputs lack the API keys or the zone (apiKeys, zoneId) the upgrade needs; run \`pulumi up\` once with ${plan.from}`);
    }
    if (problems.length > 0) throw new ConfigError(problems);
    return { from: plan.from, to: plan.to, api: deployed.api!, zoneId: deployed.zoneId! };
}

/**
 * An error thrown once the program has awaited something leaves this engine's
 * preview hanging (the Node language host built from sdk v3.68 never sees the
 * program end); a synchronous one does not. So a refusal found after the
 * outputs were read is reported as an error diagnostic and the program ends
 * with 32, which the language host takes as "the program reported its error".
 */
async function refuse(err: Error): Promise<never> {
    await pulumi.log.error(err.message);
    process.exit(32);
}

async function main() {
    const upgrade = await upgradeRequest().catch(refuse);
    // Pulumi records a stack trace for every resource and promise it creates;
    // for a 100-host stack that was most of a preview's time
    // (bench/preview-scale.ts). Building the graph needs none of them.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const cloud = deployCloud(settings, upgrade);
    Error.stackTraceLimit = stackTraceLimit;

    return {
        uiUrl: cloud.uiUrl,
        apiUrl: cloud.apiUrl,
        zoneId: cloud.zoneId,
        zoneReady: cloud.zoneReady,
        managementSshPublicKey: cloud.managementSshPublicKey,
        nodes: cloud.nodes,
        logFiles: cloud.logFiles,
        topology: cloud.topology,
        /** The admin's API keys (secret); `pulumi stack output --show-secrets apiKeys` prints them. */
        apiKeys: pulumi.secret(cloud.apiKeys),
        /** The release this update deployed; the next update upgrades from it (config/upgradePlan.ts). */
        [VERSION_OUTPUT]: isZoneOnly(settings) ? undefined : settings.packages.cloudstackVersion,
        /** The upgrade this update ran, kept until the next one. */
        [UPGRADE_OUTPUT]: upgrade ? { from: upgrade.from, to: upgrade.to, routersToRestart: cloud.upgrade?.routersToRestart } : undefined,
    };
}

export = main();
