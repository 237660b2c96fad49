/**
 * The parts of the cloud that exist only with several management servers or
 * database nodes: the Galera members after the first, the management servers
 * that join the first one, the load balancers, and what agents are told to
 * connect to. A single-node stack builds none of them (deployCloud's plan
 * stays as it was).
 */
import * as pulumi from "@pulumi/pulumi";
import { networkOf } from "../config/net";
import { NodeSettings, nodesWithRole, Settings, usageNodeOf } from "../config/settings";

export { usageNodeOf };
import { DatabaseServer, DatabaseServerArgs } from "./DatabaseServer";
import { LoadBalancer } from "./LoadBalancer";
import { PrometheusRestart } from "./Monitoring";
import { ManagementServer, ManagementServerArgs } from "./ManagementServer";
import { NodeBase } from "./NodeBase";
import { commaSeparated } from "./steps/render";

type BaseOf = (name: string) => NodeBase;

/** The Galera membership of the first database node; undefined for a single database server. */
export function galeraOf(settings: Settings, baseOf: BaseOf, node: NodeSettings): DatabaseServerArgs["galera"] {
    const members = nodesWithRole(settings, "database");
    if (members.length < 2) return undefined;
    return { bootstrap: node === members[0], addresses: members.map((n) => baseOf(n.name).managementAddress), clusterName: settings.database.galeraClusterName };
}

/** The Galera members after the first: each joins once the first one runs and holds the accounts. */
export function joiningDatabases(settings: Settings, baseOf: BaseOf, first: DatabaseServer, firstArgs: Omit<DatabaseServerArgs, "node" | "base">): DatabaseServer[] {
    return nodesWithRole(settings, "database")
        .slice(1)
        .map(
            (node) =>
                new DatabaseServer(`${node.name}-database`, {
                    ...firstArgs,
                    node,
                    base: baseOf(node.name),
                    galera: galeraOf(settings, baseOf, node),
                    after: [...(firstArgs.after ?? []), ...first.ready],
                }),
        );
}

/** The other Galera members' addresses, CloudStack's fail-over replicas in db.properties; undefined without Galera. */
export function databaseReplicas(settings: Settings, baseOf: BaseOf): pulumi.Input<string>[] | undefined {
    const members = nodesWithRole(settings, "database");
    return members.length < 2 ? undefined : members.slice(1).map((n) => baseOf(n.name).managementAddress);
}

/**
 * The management servers after the first: `cloudstack-setup-databases` without
 * --deploy-as and `cloudstack-setup-management` once the first server's API
 * answers (its first start ran the schema upgrades), with the same keys.
 */
export function joiningManagementServers(settings: Settings, baseOf: BaseOf, first: ManagementServer, firstArgs: Omit<ManagementServerArgs, "node" | "base">): ManagementServer[] {
    return nodesWithRole(settings, "management")
        .slice(1)
        .map(
            (node) =>
                new ManagementServer(`${node.name}-management`, {
                    ...firstArgs,
                    node,
                    base: baseOf(node.name),
                    databaseReady: [...firstArgs.databaseReady, ...first.ready],
                    joining: true,
                    usage: node.name === usageNodeOf(settings),
                }),
        );
}

export function loadBalancers(settings: Settings, baseOf: BaseOf): LoadBalancer[] {
    const servers = nodesWithRole(settings, "management");
    return nodesWithRole(settings, "loadbalancer").map(
        (node, index) =>
            new LoadBalancer(`${node.name}-loadbalancer`, {
                node,
                base: baseOf(node.name),
                management: settings.management,
                loadBalancer: settings.loadBalancer,
                serverNames: servers.map((n) => n.name),
                serverAddresses: servers.map((n) => baseOf(n.name).managementAddress),
                index,
                prefixLength: networkOf(settings.network.management.cidr).prefix,
            }),
    );
}

/** The API URL through the first balancer (the controller reaches it at its SSH address); undefined without one. */
export function balancerApiUrl(settings: Settings): string | undefined {
    const [balancer] = nodesWithRole(settings, "loadbalancer");
    return balancer && `http://${balancer.address}:${settings.management.uiPort}${settings.management.apiPath}`;
}

/**
 * The `host` global setting, what agents (and system VMs) connect to: the balancer's address when
 * there is one and loadBalancer.agents is "balancer", else every management server, comma-separated
 * (api/src/main/java/org/apache/cloudstack/config/ApiServiceConfiguration.java@4.19.3.0:23 "can also
 * accept comma separated addresses"), which each agent orders by indirect.agent.lb.algorithm
 * (server/src/main/java/org/apache/cloudstack/agent/lb/IndirectAgentLBServiceImpl.java@4.19.3.0:75-95).
 */
export function agentHostSetting(settings: Settings, baseOf: BaseOf): pulumi.Input<string> {
    const servers = nodesWithRole(settings, "management");
    const [balancer] = nodesWithRole(settings, "loadbalancer");
    if (balancer && settings.loadBalancer.agents === "balancer") return settings.loadBalancer.virtualAddress ?? baseOf(balancer.name).managementAddress;
    if (servers.length === 1) return baseOf(servers[0].name).managementAddress;
    return commaSeparated(servers.map((n) => baseOf(n.name).managementAddress));
}

/** indirect.agent.lb.* (IndirectAgentLBServiceImpl.java@4.19.3.0:53-60), set only with several management servers. */
export function agentLbSettings(settings: Settings): Record<string, string> {
    if (nodesWithRole(settings, "management").length < 2) return {};
    const { agentLbAlgorithm, agentLbCheckIntervalSeconds } = settings.management;
    return {
        "indirect.agent.lb.algorithm": agentLbAlgorithm,
        ...(agentLbCheckIntervalSeconds > 0 ? { "indirect.agent.lb.check.interval": String(agentLbCheckIntervalSeconds) } : {}),
    };
}

/**
 * The exporter restart on the management servers after the first, one after another (never all
 * at once: the balancer keeps a live server while one restarts); none with one server.
 */
export function joiningPrometheusRestarts(settings: Settings, baseOf: BaseOf, first: PrometheusRestart): PrometheusRestart[] {
    const restarts: PrometheusRestart[] = [];
    let previous = first;
    for (const node of nodesWithRole(settings, "management").slice(1)) {
        previous = new PrometheusRestart(`${node.name}-prometheus`, {
            node,
            connection: baseOf(node.name).connection,
            monitoring: settings.monitoring,
            management: settings.management,
            after: previous.step ? [previous.step] : previous.after,
        });
        restarts.push(previous);
    }
    return restarts;
}
