/**
 * The management server: Java, a connection check against the database,
 * the CloudStack repository and packages, the guarded database
 * initialisation, the SystemVM template and the first start; CloudMonkey
 * once the admin's API keys exist.
 */
import * as pulumi from "@pulumi/pulumi";
import { ManagementSettings, NfsSettings, PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedInteger } from "../../config/safeValues";
import { engineOf } from "../../config/databaseEngine";
import { commaSeparated, embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script } from "./render";
import { cloudstackRepoStep, cloudstackVersion, javaStep } from "./shared";

/** Written by management-start once cloudstack-setup-management has run: the management server's first start is behind us. */
const SETUP_MARKER = "/var/lib/cloudstack-infra/setup-management.done";

export interface ManagementStepArgs {
    readonly management: ManagementSettings;
    readonly packages: PackageSettings;
    readonly nfs: NfsSettings;
    /** The database as the management node reaches it (may be known only at deploy time). */
    readonly databaseHost: pulumi.Input<string>;
    readonly databasePort: pulumi.Input<number>;
    /** This node's management-network address (`cloudstack-setup-databases -i`). */
    readonly managementAddress: pulumi.Input<string>;
    /**
     * A second (third, ...) management server: it joins the schema the first one created
     * (cloudstack-setup-databases without --deploy-as, the same keys) and never creates it.
     */
    readonly joining?: boolean;
    /** Whether this server runs cloudstack-usage (exactly one does; default true). */
    readonly usage?: boolean;
    /** The database cluster's other members, written to db.properties as CloudStack's fail-over replicas. */
    readonly databaseReplicas?: pulumi.Input<string>[];
}

export interface ManagementPlan {
    /** In order; each runs after the previous one. */
    steps: RemoteStep[];
    /** After this step the schema exists (what the database's finalize step waits for). */
    schemaStep: string;
    /** The step whose outputs hold `publicKey` (~cloud/.ssh/id_rsa.pub) and after which the API answers. */
    publicKeyStep: string;
    /** The first step that needs the database node finished, and the first that needs the NFS server (none without template seeding). */
    needs: { database: string; nfs?: string };
}

/**
 * Secrets: CLOUD_DB_PASSWORD, DEPLOY_ADMIN_PASSWORD (database-connection,
 * setup-databases), MANAGEMENT_SERVER_KEY, DATABASE_KEY (setup-databases).
 */
export function managementSteps(args: ManagementStepArgs): ManagementPlan {
    const { management, nfs, packages } = args;
    const version = cloudstackVersion(packages);
    const port = args.databasePort;
    const databaseEnv = { DB_HOST: args.databaseHost, DB_PORT: typeof port === "number" ? String(port) : pulumi.output(port).apply(String) };
    const startView = {
        uiPort: checkedInteger("management.uiPort", management.uiPort, 1, 65535),
        apiPath: checked("path", "management.apiPath", management.apiPath),
        startTimeoutSeconds: checkedInteger("management.startTimeoutSeconds", management.startTimeoutSeconds, 30, 86400),
        setupMarker: SETUP_MARKER,
        usage: args.usage ?? true,
    };
    const replicas = args.databaseReplicas ?? [];
    const setupView = { joining: args.joining === true, databaseReplicas: replicas.length > 0 };
    // The first server seeds the template on the shared secondary storage; a joining one finds it there.
    const seedTemplate = packages.systemVmTemplateUrl !== "" && args.joining !== true;
    const systemVmView = seedTemplate
        ? {
              nfsServer: checked("host", "nfs.server", nfs.server),
              secondaryPath: checked("path", "nfs.secondaryPath", nfs.secondaryPath),
              templateUrl: checked("url", "packages.systemVmTemplateUrl", packages.systemVmTemplateUrl),
          }
        : undefined;
    // Packages first: they need nothing from the other nodes, so they install while the database node still does.
    const steps: RemoteStep[] = [
        { ...javaStep(packages), stage: "management-install" },
        { ...cloudstackRepoStep(packages), stage: "management-install" },
        {
            name: "management-packages",
            stage: "management-install",
            script: script("management-packages", { cloudstackVersion: version, setupMarker: SETUP_MARKER }),
            deleteScript: script("management-packages-delete", {}),
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        },
        {
            name: "database-connection",
            stage: "management-database",
            script: script("database-connection", { clientPackage: engineOf(packages).clientPackage }),
            env: databaseEnv,
            secretEnv: ["DEPLOY_ADMIN_PASSWORD", "CLOUD_DB_PASSWORD"],
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        },
        {
            name: "setup-databases",
            stage: "management-database",
            script: script("management-setup-databases", setupView),
            env: { ...databaseEnv, MANAGEMENT_ADDRESS: args.managementAddress, ...(replicas.length > 0 ? { DB_REPLICAS: commaSeparated(replicas) } : {}) },
            secretEnv: ["CLOUD_DB_PASSWORD", "DEPLOY_ADMIN_PASSWORD", "MANAGEMENT_SERVER_KEY", "DATABASE_KEY"],
            timeoutSeconds: 1800,
        },
        ...(systemVmView ? [{ name: "systemvm-template", script: script("management-systemvm", systemVmView), secretEnv: ["CLOUD_DB_PASSWORD" as const], timeoutSeconds: 3600 }] : []),
        {
            name: "management-start",
            script: script("management-start", startView),
            deleteScript: script("management-start-delete", { setupMarker: SETUP_MARKER }),
            timeoutSeconds: startView.startTimeoutSeconds + 600,
        },
    ];
    return { steps, schemaStep: "setup-databases", publicKeyStep: "management-start", needs: { database: "database-connection", nfs: seedTemplate ? "systemvm-template" : undefined } };
}

/**
 * CloudMonkey with a root-only profile for the admin's keys (secrets
 * CLOUDSTACK_API_KEY, CLOUDSTACK_SECRET_KEY); no step when
 * packages.cloudMonkeyUrl is empty.
 */
export function cloudMonkeySteps(packages: PackageSettings, apiUrl: pulumi.Input<string>): RemoteStep[] {
    if (packages.cloudMonkeyUrl === "") return [];
    const view = { cloudMonkeyUrl: checked("url", "packages.cloudMonkeyUrl", packages.cloudMonkeyUrl), cmkConfig: embedded("cmk-config", {}) };
    return [
        {
            name: "cloudmonkey",
            script: script("management-cloudmonkey", view),
            deleteScript: script("management-cloudmonkey-delete", view),
            env: { CLOUDSTACK_API_URL: apiUrl },
            secretEnv: ["CLOUDSTACK_API_KEY", "CLOUDSTACK_SECRET_KEY"],
        },
    ];
}
