/**
 * Every step the builders produce for one Settings object, in the order a
 * deployment would create them (shared helper of the template tests).
 */
import { nodesWithRole, Role, Settings } from "../../config/settings";
import {
    cloudMonkeySteps,
    commonSteps,
    databaseFinalizeSteps,
    databaseSteps,
    kvmAuthorizeKeySteps,
    kvmSteps,
    kvmVerifySteps,
    managementSteps,
    nfsSteps,
} from "../../components/steps";
import { agentUpgradeSteps, managementUpgradeSteps } from "../../components/steps/upgrade";
import { RemoteStep } from "../../providers/remote/step";

export interface NamedStep {
    /** Role and step name, e.g. "management/setup-databases". */
    id: string;
    step: RemoteStep;
}

export function allSteps(settings: Settings): NamedStep[] {
    const address = (role: Role) => {
        const node = nodesWithRole(settings, role)[0];
        return node.managementAddress ?? node.address;
    };
    const managementAddresses = [address("management")];
    const kvmNode = nodesWithRole(settings, "kvm")[0];
    const byRole: Record<string, RemoteStep[]> = {
        common: commonSteps(kvmNode, settings.network, settings.packages, settings.nodes),
        nfs: nfsSteps(settings.nfs, settings.packages, settings.destroyData, settings.zone),
        database: [
            ...databaseSteps({ database: settings.database, packages: settings.packages, bindAddress: address("database"), managementAddresses, destroyData: settings.destroyData }),
            ...databaseFinalizeSteps({ database: settings.database, packages: settings.packages, managementAddresses }),
        ],
        management: [
            ...managementSteps({
                management: settings.management,
                packages: settings.packages,
                nfs: settings.nfs,
                databaseHost: address("database"),
                databasePort: settings.database.port,
                managementAddress: managementAddresses[0],
            }).steps,
            ...cloudMonkeySteps(settings.packages, `http://${managementAddresses[0]}:8080/client/api`),
        ],
        kvm: [
            ...kvmSteps({ kvm: settings.kvm, network: settings.network, packages: settings.packages, physicalNetworks: settings.zone.physicalNetworks }),
            ...kvmAuthorizeKeySteps("ssh-rsa AAAAB3NzaC1yc2E= cloud@cloudstack-mgmt"),
            ...kvmVerifySteps(settings.zone.physicalNetworks),
        ],
        // An upgrade from the release before (the versions only name markers and pins).
        upgrade: [
            ...managementUpgradeSteps({ from: "4.19.2.0", to: settings.packages.cloudstackVersion }, settings.packages, settings.management),
            ...agentUpgradeSteps({ from: "4.19.2.0", to: settings.packages.cloudstackVersion }, settings.packages),
        ],
    };
    return Object.entries(byRole).flatMap(([role, steps]) => steps.map((step) => ({ id: `${role}/${step.name}`, step })));
}
