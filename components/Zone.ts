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

/** The named item of a list, or a clear error naming what refers to it. */
function byName<T>(items: Map<string, T>, name: string | undefined, what: string, referrer: string): T {
    const item = name === undefined ? undefined : items.get(name);
    if (!item) throw new Error(`${referrer} refers to ${what} "${name}", which the zone does not define (defined: ${[...items.keys()].join(", ") || "none"})`);
    return item;
}

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
    private readonly hostsByName: Map<string, Host>;

    constructor(name: string, args: ZoneArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:zone:Zone", name, {}, opts);
        const zone = args.zone;
        // Children of a component do not inherit its dependencies; the first ones here carry them.
        const first = { parent: this, dependsOn: opts?.dependsOn };
        const child = { parent: this };

        const keys = this.credentials(name, args, first);
        this.apiKey = pulumi.secret(keys.apiKey);
        this.secretKey = pulumi.secret(keys.secretKey);
        const connection: pulumi.Output<ApiConnection> = pulumi.secret(
            pulumi.all([args.apiUrl, keys.apiKey, keys.secretKey]).apply(([apiUrl, apiKey, secretKey]) => ({ apiUrl, apiKey, secretKey })),
        );
        this.connection = connection;

        const settingValues: Record<string, pulumi.Input<string>> = { ...(args.globalSettings ?? {}) };
        if (args.managementAddress !== undefined) settingValues.host = args.managementAddress;
        const settings = Object.entries(settingValues).map(
            ([setting, value]) => new GlobalSetting(`${name}-setting-${setting}`, { connection, name: setting, value }, first),
        );

        const zoneObject = new ZoneObject(
            `${name}-zone`,
            {
                connection,
                name: zone.name,
                dns1: zone.dns1,
                dns2: zone.dns2,
                internalDns1: zone.internalDns1,
                internalDns2: zone.internalDns2,
                networkType: zone.networkType,
                guestCidr: zone.guestCidr,
            },
            first,
        );
        const zoneId = zoneObject.id;
        // The guest MTU reaches CloudStack as the zone's vr.private.interface.max.mtu: while end users may not pick
        // their own (allow.end.users.to.specify.vr.mtu, false by default), every guest network's router takes this
        // value for its guest-side (private) interfaces (NetworkServiceImpl.validateMtuConfig, api NetworkService
        // VRPrivateInterfaceMtu, zone-scoped). Read before it is written: an unchanged MTU makes no call.
        const guestMtu = new GlobalSetting(`${name}-guest-mtu`, { connection, zoneId, name: "vr.private.interface.max.mtu", value: String(zone.guestMtu) }, child);

        const networks = new Map(
            zone.physicalNetworks.map((pn) => [
                pn.name,
                new PhysicalNetwork(
                    `${name}-network-${pn.name}`,
                    { connection, zoneId, name: pn.name, isolationMethod: pn.isolationMethod, vniStart: pn.vniStart, vniEnd: pn.vniEnd, trafficTypes: pn.trafficTypes.map((t) => ({ type: t.type, kvmLabel: t.kvmLabel })) },
                    child,
                ),
            ]),
        );
        const afterNetworks = { parent: this, dependsOn: [...networks.values()] };

        const pods = new Map(
            zone.pods.map((pod) => [
                pod.name,
                new Pod(`${name}-pod-${pod.name}`, { connection, zoneId, name: pod.name, gateway: pod.gateway, netmask: pod.netmask, startIp: pod.startIp, endIp: pod.endIp }, afterNetworks),
            ]),
        );
        const ranges = zone.publicIpRanges.map((range) => {
            const network = byName(networks, range.physicalNetwork, "physical network", `public IP range ${range.startIp}-${range.endIp}`);
            return new PublicIpRange(
                `${name}-public-${range.startIp}`,
                { connection, zoneId, physicalNetworkId: network.id, vlan: range.vlan, gateway: range.gateway, netmask: range.netmask, startIp: range.startIp, endIp: range.endIp },
                afterNetworks,
            );
        });
        const clusters = new Map(
            zone.clusters.map((cluster) => [
                cluster.name,
                new Cluster(
                    `${name}-cluster-${cluster.name}`,
                    { connection, zoneId, podId: byName(pods, cluster.pod, "pod", `cluster ${cluster.name}`).id, name: cluster.name, hypervisor: cluster.hypervisor, clusterType: cluster.clusterType },
                    child,
                ),
            ]),
        );

        const hostsByCluster = new Map<string, Host[]>();
        this.hostsByName = new Map();
        const hosts = zone.hosts.map((host) => {
            const password = host.useManagementKey ? "" : args.kvmHostPassword;
            if (password === undefined) throw new Error(`zone host ${host.name} uses the password path (useManagementKey: false) but no kvmHostPassword was given`);
            const created = new Host(
                `${name}-host-${host.name}`,
                {
                    connection,
                    zoneId,
                    podId: byName(pods, host.pod, "pod", `host ${host.name}`).id,
                    clusterId: byName(clusters, host.cluster, "cluster", `host ${host.name}`).id,
                    ip: host.ip,
                    username: host.username,
                    password,
                },
                // The agent is told the `host` setting as its management address, so settings come first.
                { parent: this, dependsOn: [...settings, ...(args.hostDependencies?.[host.name] ?? [])] as pulumi.Input<pulumi.Resource>[] },
            );
            hostsByCluster.set(host.cluster, [...(hostsByCluster.get(host.cluster) ?? []), created]);
            this.hostsByName.set(host.name, created);
            return created;
        });

        const primaries = zone.primaryStorages.map((storage) => {
            const where =
                storage.scope === "cluster"
                    ? { podId: byName(pods, storage.pod, "pod", `primary storage ${storage.name}`).id, clusterId: byName(clusters, storage.cluster, "cluster", `primary storage ${storage.name}`).id }
                    : {};
            // A cluster pool needs an Up host in its cluster; a zone pool any Up host.
            const upHosts = storage.scope === "cluster" ? hostsByCluster.get(storage.cluster as string) ?? [] : hosts;
            return new PrimaryStorage(
                `${name}-primary-${storage.name}`,
                { connection, zoneId, scope: storage.scope, ...where, name: storage.name, server: storage.server, path: storage.path },
                { parent: this, dependsOn: upHosts },
            );
        });
        const secondaries = zone.secondaryStorages.map(
            (storage) =>
                new SecondaryStorage(
                    `${name}-secondary-${storage.name}`,
                    { connection, zoneId, name: storage.name, server: storage.server, path: storage.path, provider: storage.provider },
                    { parent: this, dependsOn: [...clusters.values()] },
                ),
        );

        const enablement = new ZoneEnablement(
            `${name}-enable`,
            { connection, zoneId, zoneName: zone.name, readyTimeoutSeconds: zone.readyTimeoutSeconds },
            { parent: this, dependsOn: [...networks.values(), ...ranges, ...hosts, ...primaries, ...secondaries, guestMtu] },
        );

        this.zoneId = zoneId;
        this.ready = [enablement];
        this.readiness = pulumi.all([enablement.ready, enablement.checks]).apply(([ready, checks]) => ({ ready, checks }));
        this.registerOutputs({ zoneId: this.zoneId, apiKey: this.apiKey, secretKey: this.secretKey, readiness: this.readiness });
    }

    /** The registration (addHost, then Up) of the zone host with this name. */
    hostRegistration(hostName: string): pulumi.Resource {
        return byName(this.hostsByName, hostName, "host", "hostRegistration");
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
