/**
 * DatabaseServer: MySQL 8.0 (or MariaDB) for CloudStack's `cloud` and
 * `cloud_usage` databases, on its own node or on the management node; or one
 * member of a MariaDB Galera cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { DatabaseSettings, NodeSettings, PackageSettings } from "../config/settings";
import { NodeBase } from "./NodeBase";
import { createRemoteSteps, StepSecrets } from "./remoteSteps";
import { inStage } from "./stages";
import { databaseFinalizeSteps, databaseSteps, galeraSteps } from "./steps/database";

export interface DatabaseServerArgs {
    /** The machine (plain settings shape the resource graph). */
    readonly node: NodeSettings;
    readonly base: NodeBase;
    readonly database: DatabaseSettings;
    readonly packages: PackageSettings;
    /** Management-network addresses of the management servers: the only clients allowed in. */
    readonly managementAddresses: pulumi.Input<string>[];
    readonly mysqlRootPassword: pulumi.Input<string>;
    readonly cloudDbPassword: pulumi.Input<string>;
    /** Password of the one-time deploy account used by `cloudstack-setup-databases --deploy-as`. */
    readonly deployAdminPassword: pulumi.Input<string>;
    /** Drop the databases on destroy. */
    readonly destroyData: boolean;
    /** What must finish before any step here changes the node (the pre-change backup; a Galera member: the first member). */
    readonly after?: pulumi.Resource[];
    /** This node is a member of a MariaDB Galera cluster (three or more database nodes). */
    readonly galera?: {
        /** The first member: bootstraps the cluster and creates the accounts. */
        readonly bootstrap: boolean;
        /** Every member's management-network address, this one's included. */
        readonly addresses: pulumi.Input<string>[];
        readonly clusterName: string;
    };
}

export class DatabaseServer extends pulumi.ComponentResource {
    /** Address the management server connects to (the bind address). */
    readonly host: pulumi.Output<string>;
    readonly port: pulumi.Output<number>;
    /** The installed, configured server (what the management server waits for). */
    readonly ready: pulumi.Resource[];
    private readonly args: DatabaseServerArgs;
    private readonly secrets: StepSecrets;

    constructor(name: string, args: DatabaseServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:DatabaseServer", name, {}, opts);
        this.args = args;
        this.host = pulumi.output(args.database.bindAddress ?? args.base.managementAddress);
        this.port = pulumi.output(args.database.port);
        this.secrets = {
            MYSQL_ROOT_PASSWORD: args.mysqlRootPassword,
            CLOUD_DB_PASSWORD: args.cloudDbPassword,
            DEPLOY_ADMIN_PASSWORD: args.deployAdminPassword,
        };
        const stepArgs = {
            database: args.database,
            packages: args.packages,
            bindAddress: this.host,
            managementAddresses: args.managementAddresses,
            destroyData: args.destroyData,
        };
        const galera = args.galera;
        const steps = createRemoteSteps(
            { node: args.node, connection: args.base.connection, secrets: this.secrets, parent: this, dependsOn: [...args.base.ready, ...(args.after ?? [])] },
            inStage(
                "database",
                galera
                    ? galeraSteps({ ...stepArgs, nodeName: args.node.name, bootstrap: galera.bootstrap, galeraAddresses: galera.addresses, clusterName: galera.clusterName })
                    : databaseSteps(stepArgs),
            ),
        );
        this.ready = [steps.last];
        this.registerOutputs({ host: this.host, port: this.port });
    }

    /**
     * Second phase (called by deployCloud's secondPhase): after the management server
     * initialised the schema, drop the deploy account and let the `cloud` user in
     * from the management servers only.
     */
    restrictAfterSchema(schemaReady: pulumi.Resource): pulumi.Resource {
        return createRemoteSteps(
            { node: this.args.node, connection: this.args.base.connection, secrets: this.secrets, parent: this, dependsOn: [schemaReady] },
            databaseFinalizeSteps({ database: this.args.database, packages: this.args.packages, managementAddresses: this.args.managementAddresses }),
        ).last;
    }
}
