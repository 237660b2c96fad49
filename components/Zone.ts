/**
 * Zone: the Advanced zone of the typed config, built through signed API calls
 * — admin keys (bootstrapped on a fresh server, or given), global settings,
 * the zone, its physical networks, pods, public ranges, clusters, hosts and
 * storage, then enablement with a readiness wait. Works against the
 * management server this program installs or an existing one (zone-only).
 *
 * The dependencies follow what 4.19 insists on (reference §2.2): hosts after
 * the traffic labels they are set up with and after the `host` setting they
 * are told to connect to; cluster storage after its hosts are Up; the image
 * store after the clusters (SystemVM template registration); enablement last.
 * `pulumi destroy` walks the same graph backwards, which is the teardown order
 * of §3.2 (ZoneEnablement's delete disables the zone and clears system VMs).
 */
import * as pulumi from "@pulumi/pulumi";
import { ZoneSettings } from "../config/settings";
import { ApiCredentials } from "../providers/cloudstack/objects/apiCredentials";
import { Cluster } from "../providers/cloudstack/objects/cluster";
import { GlobalSetting } from "../providers/cloudstack/objects/globalSetting";
import { Host } from "../providers/cloudstack/objects/host";
import { PhysicalNetwork } from "../providers/cloudstack/objects/physicalNetwork";
import { Pod } from "../providers/cloudstack/objects/pod";
import { PrimaryStorage } from "../providers/cloudstack/objects/primaryStorage";
import { PublicIpRange } from "../providers/cloudstack/objects/publicIpRange";
import { SecondaryStorage } from "../providers/cloudstack/objects/secondaryStorage";
import { Zone as ZoneObject } from "../providers/cloudstack/objects/zone";
import { ZoneEnablement } from "../providers/cloudstack/objects/zoneEnablement";
import { ReadinessCheck } from "../providers/cloudstack/readiness";
import { ApiConnection } from "../providers/cloudstack/resource";
import { SETTING_NAMES } from "../providers/cloudstack/operations";
import { planZone, ZoneObjectKind } from "../providers/cloudstack/zonePlan";

export interface ZoneArgs {
    /** Zone layout, already validated. */
    readonly zone: ZoneSettings;
    /** API endpoint, e.g. http://10.15.0.116:8080/client/api */
    readonly apiUrl: pulumi.Input<string>;
    /** Existing admin keys (zone-only deployments), or undefined to bootstrap them with ApiCredentials. */
    readonly apiKey?: pulumi.Input<string>;
    readonly secretKey?: pulumi.Input<string>;
    /** Bootstrap: password of the fresh install's admin (default "password") and the new admin password. */
    readonly initialAdminPassword?: pulumi.Input<string>;
    readonly adminPassword?: pulumi.Input<string>;
    /** Password for hosts registered with the password path (zone.hosts[i].useManagementKey === false). */
    readonly kvmHostPassword?: pulumi.Input<string>;
    /** Resources each zone host must wait for before addHost, keyed by zone host name (its KvmHost component). */
    readonly hostDependencies?: Record<string, pulumi.Input<pulumi.Resource>[]>;
    /** Management server address written to the `host` global setting (optional). */
    readonly managementAddress?: pulumi.Input<string>;
    /** Extra global settings to apply (name → value), e.g. Prometheus exporter. */
    readonly globalSettings?: Record<string, pulumi.Input<string>>;
}

export interface ZoneReadiness {
    ready: boolean;
    checks: ReadinessCheck[];
}

/** The dynamic resource of each kind of zone object; all take the connection, their plan inputs and ids. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const ZONE_OBJECTS: Record<ZoneObjectKind, new (name: string, args: any, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource> = {
    zone: ZoneObject,
    physicalNetwork: PhysicalNetwork,
    pod: Pod,
    publicIpRange: PublicIpRange,
    cluster: Cluster,
    host: Host,
    primaryStorage: PrimaryStorage,
    secondaryStorage: SecondaryStorage,
    zoneSetting: GlobalSetting,
    enablement: ZoneEnablement,
};

export class Zone extends pulumi.ComponentResource {
    readonly zoneId: pulumi.Output<string>;
    /** The admin's API key (secret). */
    readonly apiKey: pulumi.Output<string>;
    /** The admin's secret key (secret). */
    readonly secretKey: pulumi.Output<string>;
    /** API URL and the admin's keys together (secret), as the zone's objects use them. */
    readonly connection: pulumi.Output<ApiConnection>;
    /** Whether the zone came up ready, and each check (hosts, storage, template, SSVM, CPVM). */
    readonly readiness: pulumi.Output<ZoneReadiness>;
    /** What to depend on for "the zone is built and ready" (its enablement). */
    readonly ready: pulumi.Resource[];
    private readonly hostsByName: Map<string, pulumi.Resource>;

    constructor(name: string, args: ZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:zone:Zone", name, {}, opts);
        const zone = args.zone;
        // Children of a component do not inherit its dependencies; the first ones here carry them.
        const first = { parent: this, dependsOn: opts?.dependsOn };

        const keys = this.credentials(name, args, first);
        this.apiKey = pulumi.secret(keys.apiKey);
        this.secretKey = pulumi.secret(keys.secretKey);
        const connection: pulumi.Output<ApiConnection> = pulumi.secret(
            pulumi.all([args.apiUrl, keys.apiKey, keys.secretKey]).apply(([apiUrl, apiKey, secretKey]) => ({ apiUrl, apiKey, secretKey })),
        );
        this.connection = connection;

        const settingValues: Record<string, pulumi.Input<string>> = { ...(args.globalSettings ?? {}) };
        if (args.managementAddress !== undefined) settingValues[SETTING_NAMES.managementHost] = args.managementAddress;
        const settings = Object.entries(settingValues).map(
            ([setting, value]) => new GlobalSetting(`${name}-setting-${setting}`, { connection, name: setting, value }, first),
        );

        // Every zone object, in the plan's order: ids and waits resolve to the resources made before it.
        const made = new Map<string, pulumi.CustomResource>();
        this.hostsByName = new Map();
        for (const entry of planZone(zone)) {
            const ids = Object.fromEntries(Object.entries(entry.ids).map(([input, key]) => [input, (made.get(key) as pulumi.CustomResource).id]));
            const after: pulumi.Input<pulumi.Resource>[] = entry.after.map((key) => made.get(key) as pulumi.CustomResource);
            const inputs: Record<string, unknown> = { connection, ...entry.inputs, ...ids };
            if (entry.host) {
                const password = entry.host.useManagementKey ? "" : args.kvmHostPassword;
                if (password === undefined) throw new Error(`zone host ${entry.host.name} uses the password path (useManagementKey: false) but no kvmHostPassword was given`);
                inputs.password = password;
                // The agent is told the `host` setting as its management address, so settings come first.
                after.push(...settings, ...(args.hostDependencies?.[entry.host.name] ?? []));
            }
            const options = entry.kind === "zone" ? first : { parent: this, dependsOn: after };
            const resource = new ZONE_OBJECTS[entry.kind](`${name}-${entry.resourceSuffix}`, inputs, options);
            made.set(entry.key, resource);
            if (entry.host) this.hostsByName.set(entry.host.name, resource);
        }
        const zoneId = (made.get("zone") as ZoneObject).id;
        const enablement = made.get("enablement") as ZoneEnablement;

        this.zoneId = zoneId;
        this.ready = [enablement];
        this.readiness = pulumi.all([enablement.ready, enablement.checks]).apply(([ready, checks]) => ({ ready, checks }));
        this.registerOutputs({ zoneId: this.zoneId, apiKey: this.apiKey, secretKey: this.secretKey, readiness: this.readiness });
    }

    /** The registration (addHost, then Up) of the zone host with this name. */
    hostRegistration(hostName: string): pulumi.Resource {
        const host = this.hostsByName.get(hostName);
        if (!host) throw new Error(`hostRegistration refers to host "${hostName}", which the zone does not define (defined: ${[...this.hostsByName.keys()].join(", ") || "none"})`);
        return host;
    }

    private credentials(name: string, args: ZoneArgs, opts: pulumi.CustomResourceOptions): { apiKey: pulumi.Output<string>; secretKey: pulumi.Output<string> } {
        if (args.apiKey !== undefined && args.secretKey !== undefined) return { apiKey: pulumi.output(args.apiKey), secretKey: pulumi.output(args.secretKey) };
        if (args.apiKey !== undefined || args.secretKey !== undefined) throw new Error("Zone: give both apiKey and secretKey, or neither to bootstrap them");
        if (args.adminPassword === undefined) {
            throw new Error("Zone: adminPassword is required to bootstrap API keys (the fresh install's admin password is replaced by it)");
        }
        const credentials = new ApiCredentials(
            `${name}-keys`,
            { apiUrl: args.apiUrl, username: "admin", domain: "/", initialPassword: args.initialAdminPassword ?? "password", password: args.adminPassword },
            opts,
        );
        return { apiKey: credentials.apiKey, secretKey: credentials.secretKey };
    }
}
