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
    galeraSteps,
    kvmAuthorizeKeySteps,
    kvmSteps,
    managementSteps,
    nfsSteps,
} from "../../components/steps";
import { agentUpgradeSteps, managementUpgradeSteps } from "../../components/steps/upgrade";
import { loadBalancerSteps } from "../../components/steps/loadbalancer";
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
        ],
        // An upgrade from the release before (the versions only name markers and pins).
        upgrade: [
            ...managementUpgradeSteps({ from: "4.19.2.0", to: settings.packages.cloudstackVersion }, settings.packages, settings.management),
            ...agentUpgradeSteps({ from: "4.19.2.0", to: settings.packages.cloudstackVersion }, settings.packages),
        ],
    };
    return Object.entries(byRole).flatMap(([role, steps]) => steps.map((step) => ({ id: `${role}/${step.name}`, step })));
}

/**
 * The steps only a high-availability stack has: Galera members (the first
 * bootstraps, a second joins), a management server joining the first one
 * with database replicas and without the usage server, a balancer with
 * keepalived.
 */
export function haSteps(settings: Settings): NamedStep[] {
    const galeraAddresses = ["10.15.0.121", "10.15.0.122", "10.15.0.123"];
    const member = (bootstrap: boolean, index: number) =>
        galeraSteps({
            database: settings.database,
            packages: { ...settings.packages, databaseEngine: "mariadb" },
            bindAddress: galeraAddresses[index],
            managementAddresses: ["10.15.0.116", "10.15.0.119"],
            destroyData: settings.destroyData,
            nodeName: `db-${index + 1}`,
            bootstrap,
            galeraAddresses,
            clusterName: settings.database.galeraClusterName,
        });
    const byRole: Record<string, RemoteStep[]> = {
        "galera-first": member(true, 0),
        "galera-joining": member(false, 1),
        "management-joining": managementSteps({
            management: settings.management,
            packages: settings.packages,
            nfs: settings.nfs,
            databaseHost: galeraAddresses[0],
            databasePort: settings.database.port,
            managementAddress: "10.15.0.119",
            joining: true,
            usage: false,
            databaseReplicas: galeraAddresses.slice(1),
        }).steps,
        loadbalancer: loadBalancerSteps({
            management: settings.management,
            loadBalancer: { ...settings.loadBalancer, virtualAddress: "10.15.0.100" },
            serverNames: ["mgmt-1", "mgmt-2"],
            serverAddresses: ["10.15.0.116", "10.15.0.119"],
            nodeAddress: "10.15.0.120",
            index: 0,
            prefixLength: 24,
        }),
    };
    return Object.entries(byRole).flatMap(([role, steps]) => steps.map((step) => ({ id: `${role}/${step.name}`, step })));
}
