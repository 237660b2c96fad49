/**
 * Checks of the high-availability shapes: several management servers, the
 * load balancer in front of them and the database on a Galera cluster.
 */
import { cidrContains, isCidr } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { NodeSettings, nodesWithRole, Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { checkIp, K } from "./values";

/** A Galera cluster keeps a primary component only with a majority, so it needs an odd number of nodes, three or more. */
export const MIN_GALERA_NODES = 3;

const names = (nodes: NodeSettings[]) => nodes.map((n) => n.name);

export function checkHighAvailability(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    checkManagementServers(settings, problems);
    checkLoadBalancer(settings, problems);
    checkDatabaseCluster(settings, problems);
}

function checkManagementServers(settings: Settings, problems: ConfigProblems): void {
    const management = nodesWithRole(settings, "management");
    const usageNode = settings.management.usageNode;
    // cloudstack-usage runs on exactly one management server: two would bill every record twice.
    if (usageNode !== undefined && !management.some((n) => n.name === usageNode)) {
        problems.add(K("management.usageNode"), usageNode, `expected the name of a management node (${names(management).join(", ") || "none configured"}); the usage server runs on exactly one of them`);
    }
}

function checkLoadBalancer(settings: Settings, problems: ConfigProblems): void {
    const balancers = nodesWithRole(settings, "loadbalancer");
    const management = nodesWithRole(settings, "management");
    const { virtualAddress } = settings.loadBalancer;
    const managementCidr = settings.network.management.cidr;
    if (balancers.length === 0) {
        if (virtualAddress !== undefined) problems.add(K("loadBalancer.virtualAddress"), virtualAddress, 'is set but no node has the role "loadbalancer"; add one or remove the key');
        return;
    }
    if (management.length < 2) {
        problems.add(K("nodes"), names(balancers), `have the role "loadbalancer", which needs at least two management nodes behind it (found ${management.length}: ${names(management).join(", ") || "none"})`);
    }
    balancers.forEach((node) => {
        const i = settings.nodes.indexOf(node);
        // The balancer listens on the UI/API port and the agent port, which a management server on the same machine holds.
        if (node.roles.includes("management")) {
            problems.add(K(`nodes[${i}].roles`), node.roles, "loadbalancer and management on one machine is not allowed: both listen on ports 8080 and 8250; use separate machines");
        }
        if (node.roles.includes("kvm")) problems.add(K(`nodes[${i}].roles`), node.roles, "loadbalancer and kvm on one machine is not allowed; use separate machines");
        // Agents and system VMs reach the balancer on the management network.
        if (node.managementAddress === undefined && !node.bridges) {
            problems.note(K(`nodes[${i}].managementAddress`), `the balancer ${node.name} needs an address on the management network ${managementCidr}: set managementAddress, or leave bridges on so it is found at deploy`);
        }
    });
    if (balancers.length > 1 && virtualAddress === undefined) {
        problems.note(K("loadBalancer.virtualAddress"), `is missing: ${balancers.length} nodes have the role "loadbalancer" (${names(balancers).join(", ")}), and agents need one address that moves between them (keepalived); set a free address in ${managementCidr}`);
    }
    if (checkIp(problems, "loadBalancer.virtualAddress", virtualAddress, "10.15.0.100") && isCidr(managementCidr)) {
        if (!cidrContains(managementCidr, virtualAddress!)) {
            problems.add(K("loadBalancer.virtualAddress"), virtualAddress, `must lie inside the management network ${managementCidr}, where the agents and system VMs reach the management servers`);
        }
        const taken = settings.nodes.find((n) => [n.address, n.managementAddress, n.publicAddress].includes(virtualAddress));
        if (taken) problems.add(K("loadBalancer.virtualAddress"), virtualAddress, `is node ${taken.name}'s own address; the virtual address must be a free one`);
    }
}

function checkDatabaseCluster(settings: Settings, problems: ConfigProblems): void {
    const database = nodesWithRole(settings, "database");
    if (database.length <= 1) return;
    if (database.length < MIN_GALERA_NODES || database.length % 2 === 0) {
        problems.add(
            K("nodes"),
            names(database),
            `have the role "database": a Galera cluster needs an odd number of nodes, at least ${MIN_GALERA_NODES} (a majority must survive the loss of one), or exactly one node for a single server`,
        );
    }
    if (settings.packages.databaseEngine !== "mariadb") {
        problems.add(K("packages.databaseEngine"), settings.packages.databaseEngine, `${database.length} database nodes form a MariaDB Galera cluster; set "mariadb"`);
    }
    if (settings.database.bindAddress !== undefined) {
        problems.add(K("database.bindAddress"), settings.database.bindAddress, "cannot be one address for several database nodes; leave it out (each node binds its own management-network address)");
    }
    if (!isSafe("hostLabel", settings.database.galeraClusterName)) {
        problems.add(K("database.galeraClusterName"), settings.database.galeraClusterName, "expected a name of letters, digits and '-' (wsrep_cluster_name)");
    }
    database.forEach((node) => {
        const i = settings.nodes.indexOf(node);
        if (node.managementAddress === undefined && !node.bridges) {
            problems.note(K(`nodes[${i}].managementAddress`), `the database node ${node.name} needs an address on the management network for Galera replication: set managementAddress, or leave bridges on so it is found at deploy`);
        }
    });
}
