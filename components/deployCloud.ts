/**
 * Composes the whole cloud from the validated settings: secrets, one NodeBase
 * per machine, the role components, the zone, and what the stack exports.
 *
 * Dependencies follow the real order and nothing else: database and NFS
 * before the management server, the management server before the zone, each
 * KVM host before its own registration. Machines provision in parallel.
 *
 * Two phases. First every component is built with its own steps; then
 * secondPhase() asks two of them for the steps that wait for something built
 * after them (the schema, the zone's keys). Those steps
 * are still children of their component, so the whole graph reads here.
 */
import * as pulumi from "@pulumi/pulumi";
import { nodesWithRole, Settings } from "../config/settings";
import { isZoneOnly } from "../config/zoneOnly";
import { GeneratedSecret } from "../providers/secrets/GeneratedSecret";
import { DatabaseServer } from "./DatabaseServer";
import { KvmHost } from "./KvmHost";
import { ManagementServer } from "./ManagementServer";
import { prometheusGlobalSettings, PrometheusRestart } from "./Monitoring";
import { NfsServer } from "./NfsServer";
import { NodeBase } from "./NodeBase";
import { PreChangeBackup } from "./PreChangeBackup";
import { Upgrade } from "./Upgrade";
import { Verification } from "./Verification";
import { describeTopology, logFilesOf } from "../config/topology";
import { ApiConnection } from "../providers/cloudstack/resource";
import { Zone } from "./Zone";
import {
    agentHostSetting,
    agentLbSettings,
    balancerApiUrl,
    databaseReplicas,
    galeraOf,
    joiningDatabases,
    joiningManagementServers,
    joiningPrometheusRestarts,
    loadBalancers,
    usageNodeOf,
} from "./highAvailability";

export interface CloudOutputs {
    uiUrl: pulumi.Output<string | undefined>;
    apiUrl: pulumi.Output<string>;
    zoneId: pulumi.Output<string>;
    zoneReady: pulumi.Output<unknown>;
    managementSshPublicKey: pulumi.Output<string | undefined>;
    nodes: Record<string, { address: string; roles: string[]; managementAddress: pulumi.Output<string> }>;
    logFiles: Record<string, string[]>;
    topology: string;
    apiKeys: pulumi.Output<{ apiKey: string; secretKey: string }>;
    /** The upgrade this update ran (none: undefined), and the virtual routers it says to restart. */
    upgrade?: { from: string; to: string; routersToRestart: pulumi.Output<string[] | undefined> };
}

function keysOf(zone: Zone): pulumi.Output<{ apiKey: string; secretKey: string }> {
    return pulumi.secret(pulumi.all([zone.apiKey, zone.secretKey]).apply(([apiKey, secretKey]) => ({ apiKey: apiKey as string, secretKey: secretKey as string })));
}

/** A secret from the config, or one generated once and kept in the state. */
function secretOrGenerated(given: pulumi.Output<string> | undefined, name: string): pulumi.Output<string> {
    return given ?? new GeneratedSecret(name, { length: 24 }).value;
}

/** Every secret the nodes need: the user's, or generated once and kept (encrypted) in the state. */
function cloudSecrets(secrets: Settings["secrets"]) {
    return {
        mysqlRootPassword: secretOrGenerated(secrets.mysqlRootPassword, "mysql-root-password"),
        cloudDbPassword: secretOrGenerated(secrets.cloudDbPassword, "cloud-db-password"),
        // Only for cloudstack-setup-databases; the database lockdown drops its account afterwards.
        deployAdminPassword: secretOrGenerated(undefined, "db-deploy-admin-password"),
        adminPassword: secretOrGenerated(secrets.adminPassword, "cloudstack-admin-password"),
        managementServerKey: secretOrGenerated(secrets.managementServerKey, "management-server-key"),
        databaseKey: secretOrGenerated(secrets.databaseKey, "database-key"),
    };
}

/** A zone on an existing management server (zone.apiUrl and no nodes): the zone alone. */
function deployZoneOnly(settings: Settings): CloudOutputs {
    const { secrets } = settings;
    const zone = new Zone("zone", {
        zone: settings.zone,
        apiUrl: settings.zone.apiUrl!,
        apiKey: secrets.apiKey,
        secretKey: secrets.secretKey,
        initialAdminPassword: secrets.adminPassword,
        adminPassword: secrets.adminPassword,
        kvmHostPassword: secrets.kvmHostPassword,
        globalSettings: prometheusGlobalSettings(settings.monitoring),
    });
    return {
        uiUrl: pulumi.output(undefined),
        apiUrl: pulumi.output(settings.zone.apiUrl!),
        zoneId: zone.zoneId,
        zoneReady: zone.readiness,
        managementSshPublicKey: pulumi.output(undefined),
        nodes: {},
        logFiles: {},
        topology: describeTopology(settings),
        apiKeys: keysOf(zone),
    };
}

/**
 * The second phase: steps of a node component that wait for something built
 * after the component (registered after its registerOutputs, as its children,
 * so their names and parents are those of the first phase's steps).
 */
function secondPhase(built: { database: DatabaseServer; management: ManagementServer; zone: Zone }) {
    const { database, management, zone } = built;
    return {
        // Database: the deploy account dropped, `cloud` let in from the management servers only, once the schema exists.
        databaseLockedDown: database.restrictAfterSchema(management.schemaReady),
        // Management server: CloudMonkey with the admin's keys, once the zone has them.
        cloudMonkey: management.installCloudMonkey(zone.apiKey, zone.secretKey, zone.ready),
    };
}

/** An upgrade this update makes (config/upgradePlan.ts), with the running cloud's API and zone from the stack's outputs. */
export interface UpgradeRequest {
    from: string;
    to: string;
    api: ApiConnection;
    zoneId: string;
}

export function deployCloud(settings: Settings, upgradeRequest?: UpgradeRequest): CloudOutputs {
    if (isZoneOnly(settings)) return deployZoneOnly(settings);
    const { secrets } = settings;
    const { mysqlRootPassword, cloudDbPassword, deployAdminPassword, adminPassword, managementServerKey, databaseKey } = cloudSecrets(secrets);

    const bases = new Map(settings.nodes.map((node) => [node.name, new NodeBase({ node, network: settings.network, packages: settings.packages })]));
    const baseOf = (name: string) => bases.get(name)!;
    const [managementNode] = nodesWithRole(settings, "management");
    const [databaseNode] = nodesWithRole(settings, "database");
    const [nfsNode] = nodesWithRole(settings, "nfs");
    const managementBase = baseOf(managementNode.name);
    const databaseBase = baseOf(databaseNode.name);
    // A dump of the databases before this update changes their nodes (backup.beforeChange).
    const beforeChange = settings.backup.beforeChange
        ? [new PreChangeBackup("pre-change-backup", { settings, connection: databaseBase.connection }, { aliases: [{ parent: databaseBase.formerUrn }], dependsOn: databaseBase.ready })]
        : [];
    // Only when this update upgrades CloudStack: the guide's steps, before the install steps run with the new version.
    const upgrade = upgradeRequest
        ? new Upgrade("upgrade", {
              settings,
              ...upgradeRequest,
              connections: Object.fromEntries(settings.nodes.map((n) => [n.name, baseOf(n.name).connection])),
              managementAddresses: Object.fromEntries(settings.nodes.map((n) => [n.name, baseOf(n.name).managementAddress])),
              cloudDbPassword,
              basesReady: [...bases.values()].flatMap((b) => b.ready),
          })
        : undefined;

    const nfs = new NfsServer(`${nfsNode.name}-nfs`, {
        node: nfsNode,
        base: baseOf(nfsNode.name),
        nfs: settings.nfs,
        packages: settings.packages,
        zone: settings.zone,
        destroyData: settings.destroyData,
    });
    const databaseArgs = {
        database: settings.database,
        packages: settings.packages,
        managementAddresses: nodesWithRole(settings, "management").map((n) => baseOf(n.name).managementAddress),
        mysqlRootPassword,
        cloudDbPassword,
        deployAdminPassword,
        destroyData: settings.destroyData,
        after: beforeChange,
    };
    const database = new DatabaseServer(`${databaseNode.name}-database`, {
        ...databaseArgs,
        node: databaseNode,
        base: databaseBase,
        galera: galeraOf(settings, baseOf, databaseNode),
    });
    // Galera: the other members join the first (none for a single database server).
    joiningDatabases(settings, baseOf, database, databaseArgs);
    const managementArgs = {
        management: settings.management,
        packages: settings.packages,
        nfs: settings.nfs,
        databaseReady: database.ready,
        nfsReady: nfs.ready,
        databaseHost: database.host,
        databasePort: database.port,
        cloudDbPassword,
        deployAdminPassword,
        managementServerKey,
        databaseKey,
        apiUrl: settings.zone.apiUrl ?? balancerApiUrl(settings),
        after: [...beforeChange, ...(upgrade?.managementDone ?? [])],
        databaseReplicas: databaseReplicas(settings, baseOf),
    };
    const management = new ManagementServer(`${managementNode.name}-management`, {
        ...managementArgs,
        node: managementNode,
        base: managementBase,
        usage: usageNodeOf(settings) === managementNode.name,
    });
    // With several management servers: the others join the first, behind the load balancers (none for a single server).
    const joiningServers = joiningManagementServers(settings, baseOf, management, managementArgs);
    const balancers = loadBalancers(settings, baseOf);

    const needsKey = (nodeName: string) => settings.zone.hosts.some((h) => h.node === nodeName && h.useManagementKey);
    const kvmHosts = new Map(
        nodesWithRole(settings, "kvm").map((node) => [
            node.name,
            new KvmHost(`${node.name}-kvm`, {
                node,
                base: baseOf(node.name),
                kvm: settings.kvm,
                network: settings.network,
                packages: settings.packages,
                physicalNetworks: settings.zone.physicalNetworks,
                managementPublicKey: needsKey(node.name) ? management.sshPublicKey : undefined,
                after: upgrade?.nodeDone.has(node.name) ? [upgrade.nodeDone.get(node.name)!] : undefined,
            }),
        ]),
    );

    // Each node's bridges and common steps: children of the node's own component (NodeBase.ts).
    const roleComponents: [string, pulumi.ComponentResource][] = [
        [managementNode.name, management],
        [databaseNode.name, database],
        [nfsNode.name, nfs],
        ...[...kvmHosts].map(([name, host]): [string, pulumi.ComponentResource] => [name, host]),
    ];
    for (const [name, base] of bases) base.createUnder(roleComponents.find(([node]) => node === name)?.[1]);

    // A host mounts its cluster's primary storage when it is added: the NFS node must export to it first
    // (a host added to a running cloud is also a new export client).
    const hostDependencies = Object.fromEntries(
        settings.zone.hosts.map((h) => [h.name, [...nfs.ready, ...(h.node !== undefined ? kvmHosts.get(h.node)!.registrationReady : [])]]),
    );
    const zone = new Zone(
        "zone",
        {
            zone: settings.zone,
            apiUrl: management.apiUrl,
            apiKey: secrets.apiKey,
            secretKey: secrets.secretKey,
            initialAdminPassword: secrets.initialAdminPassword,
            adminPassword,
            kvmHostPassword: secrets.kvmHostPassword,
            hostDependencies,
            managementAddress: agentHostSetting(settings, baseOf),
            globalSettings: { ...prometheusGlobalSettings(settings.monitoring), ...agentLbSettings(settings) },
        },
        { dependsOn: [...management.ready, ...joiningServers.flatMap((server) => server.ready), ...balancers.flatMap((balancer) => balancer.ready)] },
    );
    const { databaseLockedDown, cloudMonkey } = secondPhase({ database, management, zone });
    const prometheus = new PrometheusRestart(`${managementNode.name}-prometheus`, {
        node: managementNode,
        connection: managementBase.connection,
        monitoring: settings.monitoring,
        management: settings.management,
        after: zone.ready,
    });
    // The other management servers' exporters, one after another (none with one server).
    const restarts = [prometheus, ...joiningPrometheusRestarts(settings, baseOf, prometheus)].flatMap((restart) => (restart.step ? [restart.step] : []));
    // Last: every check of `npm run verify`, so a deployment that is not healthy fails the update.
    new Verification(
        "verify",
        {
            settings,
            connections: Object.fromEntries(settings.nodes.map((n) => [n.name, baseOf(n.name).connection])),
            managementAddresses: Object.fromEntries(settings.nodes.map((n) => [n.name, baseOf(n.name).managementAddress])),
            api: zone.connection,
            zoneId: zone.zoneId,
        },
        { dependsOn: [...zone.ready, ...cloudMonkey, ...restarts, databaseLockedDown, ...(upgrade?.done ?? [])] },
    );

    return {
        uiUrl: management.uiUrl,
        apiUrl: management.apiUrl,
        zoneId: zone.zoneId,
        zoneReady: zone.readiness,
        managementSshPublicKey: management.sshPublicKey,
        nodes: Object.fromEntries(
            settings.nodes.map((n) => [n.name, { address: n.address, roles: n.roles, managementAddress: baseOf(n.name).managementAddress }]),
        ),
        logFiles: logFilesOf(settings),
        topology: describeTopology(settings),
        apiKeys: keysOf(zone),
        upgrade: upgrade && upgradeRequest ? { from: upgradeRequest.from, to: upgradeRequest.to, routersToRestart: upgrade.routersToRestart } : undefined,
    };
}
