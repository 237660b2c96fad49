/**
 * Semantic checks of the typed settings, run before any resource is
 * registered. Every rule reports through ConfigProblems so one run lists all
 * mistakes, each with the config key, the value and what is allowed.
 *
 * The rules live in config/check/, one file per subject; this is the one
 * entry point, and its order is the order problems are listed in.
 */
import { checkHighAvailability } from "./check/highAvailability";
import { checkNetwork } from "./check/network";
import { checkNodes } from "./check/nodes";
import { checkSecrets } from "./check/secrets";
import { checkOperations, checkPackagesAndPaths } from "./check/services";
import { checkVxlan } from "./check/vxlan";
import { checkZoneAddresses } from "./check/zoneAddresses";
import { checkZoneNames, checkZoneReferences } from "./check/zoneObjects";
import { checkPodSubnets, checkStorageUnderExportRoot, checkZoneOverlaps } from "./check/zoneOverlaps";
import { ConfigProblems } from "./problems";
import { Settings } from "./settings";

export function validateSettings(settings: Settings, problems: ConfigProblems): void {
    checkNodes(settings, problems);
    checkHighAvailability(settings, problems);
    checkNetwork(settings, problems);
    checkPackagesAndPaths(settings, problems);
    checkZoneAddresses(settings, problems);
    checkZoneOverlaps(settings, problems);
    checkPodSubnets(settings, problems);
    checkStorageUnderExportRoot(settings, problems);
    checkZoneNames(settings, problems);
    checkZoneReferences(settings, problems);
    checkVxlan(settings, problems);
    checkSecrets(settings, problems);
    checkOperations(settings, problems);
}
