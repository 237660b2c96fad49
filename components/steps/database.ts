/**
 * The database node: MySQL 8.0 (Ubuntu 24.04) or MariaDB, configured for
 * CloudStack, with root secured and a one-time deploy admin for
 * cloudstack-setup-databases; and, once the management server created the
 * schema, the finalize step that drops that admin and narrows the cloud user.
 */
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSettings, PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { engineOf } from "../../config/databaseEngine";
import { checked, checkedInteger } from "../../config/safeValues";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script, spaceSeparated } from "./render";

export interface DatabaseStepArgs {
    readonly database: DatabaseSettings;
    /** packages.databaseEngine picks MySQL or MariaDB. */
    readonly packages: PackageSettings;
    /** Address the server binds to (database.bindAddress, else the node's management address; may be known only at deploy time). */
    readonly bindAddress: pulumi.Input<string>;
    /** Management-network addresses of the management servers: the only hosts that get accounts. */
    readonly managementAddresses: pulumi.Input<string>[];
    /** Delete drops the databases and the cloud accounts. */
    readonly destroyData: boolean;
}

/** Server (MySQL/MariaDB with cloudstack.cnf) and accounts, in order. Secrets: MYSQL_ROOT_PASSWORD, DEPLOY_ADMIN_PASSWORD. */
export function databaseSteps(args: DatabaseStepArgs): RemoteStep[] {
    const { database } = args;
    const engine = engineOf(args.packages);
    const port = checkedInteger("database.port", database.port, 1, 65535);
    const cnf = embedded("mysql-cloudstack.cnf", {
        ...engine,
        port,
        serverId: checkedInteger("database.serverId", database.serverId, 1, 4294967295),
        maxConnections: checkedInteger("database.maxConnections", database.maxConnections, 10, 100000),
    });
    // "zz-": read after the distro's own file, whose bind-address = 127.0.0.1 must lose.
    const view = { ...engine, port, cnf, cnfPath: `${engine.confDir}/zz-cloudstack.cnf`, destroyData: args.destroyData };
    return [
        {
            name: "database-server",
            script: script("database-server", view),
            deleteScript: script("database-server-delete", view),
            env: { DB_BIND_ADDRESS: args.bindAddress },
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        },
        {
            name: "database-accounts",
            script: script("database-accounts", view),
            deleteScript: script("database-accounts-delete", view),
            env: { MANAGEMENT_ADDRESSES: addressList(args.managementAddresses) },
            secretEnv: ["MYSQL_ROOT_PASSWORD", "DEPLOY_ADMIN_PASSWORD"],
        },
    ];
}

export interface GaleraStepArgs extends DatabaseStepArgs {
    /** This node's name (wsrep_node_name). */
    readonly nodeName: string;
    /** Whether this is the first database node: it bootstraps the cluster and creates the accounts (replicated to the others). */
    readonly bootstrap: boolean;
    /** The management-network addresses of every database node (wsrep_cluster_address), this one included. */
    readonly galeraAddresses: pulumi.Input<string>[];
    readonly clusterName: string;
}

/**
 * One member of a MariaDB Galera cluster (three or more database nodes): the
 * server with the Galera settings, bootstrapped on the first node and joined
 * on the others; the first node also gets the accounts, which Galera
 * replicates (account statements are DDL, replicated in total order).
 * Secrets: MYSQL_ROOT_PASSWORD, DEPLOY_ADMIN_PASSWORD (first node only).
 */
export function galeraSteps(args: GaleraStepArgs): RemoteStep[] {
    const [, accounts] = databaseSteps(args);
    const engine = engineOf(args.packages);
    if (!engine.mariadb) throw new Error(`packages.databaseEngine: "${args.packages.databaseEngine}" cannot form a Galera cluster; expected "mariadb"`);
    const port = checkedInteger("database.port", args.database.port, 1, 65535);
    const cnf = embedded("mysql-cloudstack.cnf", {
        ...engine,
        port,
        serverId: checkedInteger("database.serverId", args.database.serverId, 1, 4294967295),
        maxConnections: checkedInteger("database.maxConnections", args.database.maxConnections, 10, 100000),
    });
    const galeraCnf = embedded("galera.cnf", { clusterName: checked("hostLabel", "database.galeraClusterName", args.clusterName), nodeName: checked("hostLabel", "nodes[].name", args.nodeName) });
    const view = {
        ...engine,
        port,
        cnf,
        galeraCnf,
        cnfPath: `${engine.confDir}/zz-cloudstack.cnf`,
        galeraCnfPath: `${engine.confDir}/zz-galera.cnf`,
        bootstrap: args.bootstrap,
        destroyData: args.destroyData,
    };
    const server: RemoteStep = {
        name: "galera-server",
        script: script("galera-server", view),
        deleteScript: script("database-server-delete", view),
        env: { DB_BIND_ADDRESS: args.bindAddress, GALERA_ADDRESSES: spaceSeparated(args.galeraAddresses) },
        timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
    };
    return args.bootstrap ? [server, accounts] : [server];
}

/**
 * On the database node after the management server initialised the schema:
 * drops the deploy admin and scopes cloud to the management addresses.
 * Secret: CLOUD_DB_PASSWORD. No delete: the cloud accounts are data, dropped
 * with the databases when destroyData is set.
 */
export function databaseFinalizeSteps(args: Pick<DatabaseStepArgs, "database" | "packages" | "managementAddresses">): RemoteStep[] {
    return [
        {
            name: "database-lockdown",
            script: script("database-lockdown", engineOf(args.packages)),
            env: { MANAGEMENT_ADDRESSES: addressList(args.managementAddresses) },
            secretEnv: ["CLOUD_DB_PASSWORD"],
        },
    ];
}

function addressList(addresses: pulumi.Input<string>[]): pulumi.Input<string> {
    if (addresses.length === 0) throw new Error("managementAddresses: the list is empty; the database needs the management servers' addresses for their accounts");
    return spaceSeparated(addresses);
}
