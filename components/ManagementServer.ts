/**
 * ManagementServer: Java 11, the CloudStack repository, cloudstack-management
 * and cloudstack-usage, the database schema (never re-deployed over an
 * existing one), the SystemVM template on secondary storage, the running API,
 * and CloudMonkey for the admin.
 */
import * as pulumi from "@pulumi/pulumi";
import { ManagementSettings, NfsSettings, NodeSettings, PackageSettings } from "../config/settings";
import { RemoteScript } from "../providers/remote/RemoteScript";
import { NodeBase } from "./NodeBase";
import { createRemoteSteps, StepSecrets } from "./remoteSteps";
import { cloudMonkeySteps, managementSteps } from "./steps/management";

export interface ManagementServerArgs {
    /** The machine (plain settings shape the resource graph). */
    readonly node: NodeSettings;
    readonly base: NodeBase;
    readonly management: ManagementSettings;
    readonly packages: PackageSettings;
    readonly nfs: NfsSettings;
    /** The database server's finished setup: the schema steps wait for it, nothing else does. */
    readonly databaseReady: pulumi.Resource[];
    /** The NFS server's finished setup: the SystemVM template step waits for it. */
    readonly nfsReady: pulumi.Resource[];
    /** Database address and port as the management node reaches them. */
    readonly databaseHost: pulumi.Input<string>;
    readonly databasePort: pulumi.Input<number>;
    readonly cloudDbPassword: pulumi.Input<string>;
    readonly deployAdminPassword: pulumi.Input<string>;
    /** `cloudstack-setup-databases -m`: encrypts db.properties. */
    readonly managementServerKey: pulumi.Input<string>;
    /** `cloudstack-setup-databases -k`: encrypts secrets in the database. */
    readonly databaseKey: pulumi.Input<string>;
    /** URL the controller uses for the API (defaults to the node's address). */
    readonly apiUrl?: string;
    /** What must finish before any step here changes the node (the pre-change backup). */
    readonly after?: pulumi.Resource[];
    /** A second (third, ...) server joining the first one's schema; its databaseReady includes the first server's running API. */
    readonly joining?: boolean;
    /** Whether this server runs cloudstack-usage (exactly one does; default true). */
    readonly usage?: boolean;
    /** The database cluster's other members (db.properties fail-over replicas). */
    readonly databaseReplicas?: pulumi.Input<string>[];
}

export class ManagementServer extends pulumi.ComponentResource {
    readonly apiUrl: pulumi.Output<string>;
    readonly uiUrl: pulumi.Output<string>;
    /** The management server's SSH public key (`~cloud/.ssh/id_rsa.pub`), which KVM hosts authorise for registration. */
    readonly sshPublicKey: pulumi.Output<string>;
    /** The step after which the database schema exists. */
    readonly schemaReady: RemoteScript;
    /** The running API (what the zone waits for). */
    readonly ready: pulumi.Resource[];
    private readonly args: ManagementServerArgs;

    constructor(name: string, args: ManagementServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:ManagementServer", name, {}, opts);
        this.args = args;
        const secrets: StepSecrets = {
            CLOUD_DB_PASSWORD: args.cloudDbPassword,
            DEPLOY_ADMIN_PASSWORD: args.deployAdminPassword,
            MANAGEMENT_SERVER_KEY: args.managementServerKey,
            DATABASE_KEY: args.databaseKey,
        };
        const plan = managementSteps({
            management: args.management,
            packages: args.packages,
            nfs: args.nfs,
            databaseHost: args.databaseHost,
            databasePort: args.databasePort,
            managementAddress: args.base.managementAddress,
            joining: args.joining,
            usage: args.usage,
            databaseReplicas: args.databaseReplicas,
        });
        const steps = createRemoteSteps(
            {
                node: args.node,
                connection: args.base.connection,
                secrets,
                parent: this,
                dependsOn: [...args.base.ready, ...(args.after ?? [])],
                external: { database: args.databaseReady, nfs: args.nfsReady },
            },
            plan.steps.map((step) => {
                const requires = [...(step.name === plan.needs.database ? ["database" as const] : []), ...(step.name === plan.needs.nfs ? ["nfs" as const] : [])];
                return requires.length > 0 ? { ...step, requires: [...(step.requires ?? []), ...requires] } : step;
            }),
        );
        this.schemaReady = steps.of(plan.schemaStep);
        const apiUp = steps.last;
        this.ready = [apiUp];
        this.sshPublicKey = steps.of(plan.publicKeyStep).outputs.apply((o) => o.publicKey);
        const { uiPort, apiPath } = args.management;
        // Derived from the last step's outputs, so whatever uses the URL (the zone) waits for a running API.
        const apiUrl = args.apiUrl ?? `http://${args.node.address}:${uiPort}${apiPath}`;
        this.apiUrl = apiUp.outputs.apply(() => apiUrl);
        this.uiUrl = args.base.publicAddress.apply((address) => `http://${address}:${uiPort}/client`);
        this.registerOutputs({ apiUrl: this.apiUrl, uiUrl: this.uiUrl, sshPublicKey: this.sshPublicKey });
    }

    /** Second phase (called by deployCloud's secondPhase): CloudMonkey with a root-only profile for the admin's keys, once they exist. */
    installCloudMonkey(apiKey: pulumi.Input<string>, secretKey: pulumi.Input<string>, after: pulumi.Resource[]): pulumi.Resource[] {
        if (this.args.packages.cloudMonkeyUrl === "") return [];
        const steps = createRemoteSteps(
            {
                node: this.args.node,
                connection: this.args.base.connection,
                secrets: { CLOUDSTACK_API_KEY: apiKey, CLOUDSTACK_SECRET_KEY: secretKey },
                parent: this,
                dependsOn: after,
            },
            cloudMonkeySteps(this.args.packages, `http://127.0.0.1:${this.args.management.uiPort}${this.args.management.apiPath}`),
        );
        return [steps.last];
    }
}
