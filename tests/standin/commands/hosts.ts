/**
 * KVM hosts. addHost checks its parameters as ResourceManagerImpl.discoverHosts
 * / discoverHostsFull do, sets up the agent through the configured connector
 * (LibvirtServerDiscoverer.find, see ../agents.ts) and, with an agent port,
 * answers only once the agent has connected back, as waitForHostConnect
 * makes the real one wait; failures carry the real texts and codes.
 * Maintenance goes PrepareForMaintenance → Maintenance and stops the system
 * VMs on the host; deleteHost needs maintenance or forced=true.
 */
import * as crypto from "crypto";
import { promises as dns } from "dns";
import * as net from "net";
import { DiscoveredWithError } from "../agents";
import { asyncJob, CallContext, Commands, existing, filterRows, list, object, optionalRef, ref, sameName, success } from "../command";
import { internalError, paramError } from "../errors";
import { connectLater } from "../lifecycle";
import { ClusterRow, HostRow, live, markRemoved, newRow, PodRow, StandInData, ZoneRow } from "../store";

export function renderHost(data: StandInData, host: HostRow) {
    return {
        id: host.id,
        name: host.name,
        type: host.type,
        ipaddress: host.ipaddress,
        zoneid: host.zoneId,
        zonename: data.zones.find((z) => z.id === host.zoneId)?.name,
        podid: host.podId,
        podname: data.pods.find((p) => p.id === host.podId)?.name,
        clusterid: host.clusterId,
        clustername: data.clusters.find((c) => c.id === host.clusterId)?.name,
        state: host.state,
        resourcestate: host.resourcestate,
        hypervisor: host.type === "Routing" ? "KVM" : undefined,
        // What its agent reported at startup (ResourceManagerImpl.java@4.19.3.0:2338).
        version: host.version ?? "4.19.3.0",
        // The uuid of the mshost row of its server (server/src/main/java/com/cloud/api/query/dao/HostJoinDaoImpl.java@4.19.3.0:132-136).
        managementserverid: data.managementServers?.find((s) => s.msid === host.managementServerId)?.uuid,
        created: host.created,
    };
}

/**
 * The KVM labels addHost passes to cloudstack-setup-agent
 * (LibvirtServerDiscoverer.java@4.19.3.0:287-320): the zone's traffic labels;
 * when none is set, the kvm.*.network.device settings (:304-308, defaults
 * :415-428); then each missing one falls back to the others.
 */
function trafficLabels(data: StandInData, zone: ZoneRow) {
    const networks = live(data.physicalNetworks).filter((p) => p.zoneId === zone.id).map((p) => p.id);
    const label = (type: string) => live(data.trafficTypes).find((t) => t.traffictype === type && networks.includes(t.physicalNetworkId))?.kvmnetworklabel || undefined;
    let privateNic = label("Management");
    let publicNic = label("Public");
    let guestNic = label("Guest");
    if (privateNic === undefined && publicNic === undefined && guestNic === undefined) {
        const setting = (name: string) => data.configurations[name] || undefined;
        privateNic = setting("kvm.private.network.device") ?? "cloudbr0";
        publicNic = setting("kvm.public.network.device") ?? privateNic;
        guestNic = setting("kvm.guest.network.device") ?? privateNic;
    }
    publicNic = publicNic ?? guestNic ?? privateNic;
    privateNic = privateNic ?? publicNic ?? guestNic;
    guestNic = guestNic ?? publicNic ?? privateNic;
    return { managementLabel: privateNic as string, publicLabel: publicNic as string, guestLabel: guestNic as string };
}

/** java.util.UUID.nameUUIDFromBytes: MD5 of the bytes, version 3, IETF variant. */
export function nameUuidFromBytes(text: string): string {
    const bytes = crypto.createHash("md5").update(Buffer.from(text, "utf8")).digest();
    bytes[6] = (bytes[6] & 0x0f) | 0x30;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The cluster addHost adds to: by id, or by name (created when missing), or "Standalone-<url>". */
function clusterFor(ctx: CallContext, zone: ZoneRow, pod: PodRow): ClusterRow {
    const { data, params } = ctx;
    const byId = optionalRef(ctx, "clusterid", data.clusters);
    if (byId) {
        // server/src/main/java/com/cloud/resource/ResourceManagerImpl.java@4.19.3.0:627-633, 717-720
        return existing(byId, "Cluster");
    }
    // ResourceManagerImpl.java@4.19.3.0:623-625 (standalone) and :750-769: the named cluster is created, or found when it exists.
    const name = params.clustername ?? `Standalone-${params.url}`;
    const found = live(data.clusters).find((c) => c.podId === pod.id && sameName(c.name, name));
    if (found) return found;
    const cluster: ClusterRow = { ...newRow(data), zoneId: zone.id, podId: pod.id, name, hypervisortype: "KVM", clustertype: "CloudManaged" };
    data.clusters.push(cluster);
    return cluster;
}

/** The address the url's host resolves to (InetAddress.getByName, LibvirtServerDiscoverer.java@4.19.3.0:246-248). */
async function resolveHost(hostname: string): Promise<string> {
    if (net.isIP(hostname)) return hostname;
    try {
        return (await dns.lookup(hostname)).address;
    } catch {
        const message = `${hostname}: Name or service not known`;
        throw new DiscoveredWithError(` can't setup agent, due to java.net.UnknownHostException: ${message} - ${message}`);
    }
}

async function addHost(ctx: CallContext) {
    const { data, params, runtime } = ctx;
    const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
    const pod: PodRow = existing(ref(ctx, "podid", data.pods), "Pod");
    // ResourceManagerImpl.java@4.19.3.0:682-689
    if (pod.zoneId !== zone.id) throw paramError(`Pod with specified podId${pod.dbId} doesn't belong to the zone with specified zoneId${zone.dbId}`);
    // ResourceManagerImpl.java@4.19.3.0:693-695
    if (params.clustername !== undefined && params.clusterid !== undefined) throw paramError("Can't specify cluster by both id and name");
    // ResourceManagerImpl.java@4.19.3.0:697-699
    if (!params.hypervisor) throw paramError("Need to specify Hypervisor Type");
    const kvm = params.hypervisor.toLowerCase() === "kvm";
    // ResourceManagerImpl.java@4.19.3.0:705-715: KVM needs a username; the password may be empty (key login).
    if (kvm && !params.username?.trim()) throw paramError("Username need to be provided.");
    if (!kvm && (!params.username?.trim() || !params.password?.trim())) throw paramError("Username and Password need to be provided.");
    // ResourceManagerImpl.java@4.19.3.0:717-777: the cluster exists (or is made) before the url is looked at.
    const cluster = clusterFor(ctx, zone, pod);
    // ResourceManagerImpl.java@4.19.3.0:779-782 (the url is a URI; without a scheme it is refused).
    const url = params.url;
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
    if (!scheme) throw paramError(`uri.scheme is null ${url}, add nfs:// (or cifs://) as a prefix`);
    // ResourceManagerImpl.java@4.19.3.0:877-881: no discoverer for this hypervisor (the stand-in has only KVM's).
    if (!kvm) throw internalError(`Do not support HypervisorType ${params.hypervisor} for ${url}`);
    const failure = (reason: string) =>
        // ResourceManagerImpl.java@4.19.3.0:816-822 → AddHostCmd.java@4.19.3.0:152-154 (530)
        internalError(`Could not add host at [${url}] with zone [${zone.dbId}], pod [${pod.dbId}] and cluster [${cluster.dbId}] due to: [${reason}].`);
    // LibvirtServerDiscoverer.find returns null → ResourceManagerImpl.java@4.19.3.0:882-884
    const notFound = () => internalError(`Unable to add the host: Cannot find the server resources at ${url}`);
    // LibvirtServerDiscoverer.java@4.19.3.0:237-241: only http:// urls.
    const hostname = /^http:\/\/(\[[^\]]+\]|[^/:?#]+)/i.exec(url)?.[1]?.replace(/^\[|\]$/g, "");
    if (scheme.toLowerCase() !== "http" || !hostname) throw notFound();

    let guid: string;
    let ip: string;
    const agents = runtime.connector.agents;
    let arrival: Promise<boolean> | undefined;
    try {
        ip = await resolveHost(hostname);
        // LibvirtServerDiscoverer.java@4.19.3.0:249
        guid = nameUuidFromBytes(ip);
        // LibvirtServerDiscoverer.java@4.19.3.0:251-260: a host with this guid in the zone.
        const known = live(data.hosts).find((h) => h.type === "Routing" && h.zoneId === zone.id && h.guid.toLowerCase().startsWith(guid));
        if (known) {
            const message = `Skipping host ${ip} because ${guid} is already in the database for resource ${known.guid} with ID ${known.id}`;
            throw new DiscoveredWithError(` can't setup agent, due to com.cloud.utils.exception.CloudRuntimeException: ${message} - ${message}`);
        }
        // Listen for the agent before it is started: it may connect before the setup command returns.
        arrival = agents?.waitFor(guid);
        const certValidity = Number(data.configurations["ca.framework.cert.validity.period"] ?? "365");
        await runtime.connector.setup({
            ip,
            hostname,
            username: params.username,
            password: params.password ?? "",
            // LibvirtServerDiscoverer.java@4.19.3.0:328: the management server list of the `host` setting.
            managementServers: data.configurations.host,
            zoneDbId: zone.dbId,
            podDbId: pod.dbId,
            clusterDbId: cluster.dbId,
            guid,
            certValidityDays: Number.isFinite(certValidity) ? certValidity : 365,
            ...trafficLabels(data, zone),
        });
    } catch (err) {
        const reason = err instanceof DiscoveredWithError ? err.message : ` can't setup agent, due to ${(err as Error).message}`;
        throw failure(reason);
    }
    // LibvirtServerDiscoverer.java@4.19.3.0:359-361, 388-409: the host must have connected back.
    if (arrival && !(await arrival)) throw notFound();
    const host: HostRow = {
        ...newRow(data),
        name: `kvm-${ip.replace(/\./g, "-")}`,
        type: "Routing",
        ipaddress: ip,
        zoneId: zone.id,
        podId: pod.id,
        clusterId: cluster.id,
        state: "Connecting",
        resourcestate: "Enabled",
        // The agent's guid plus its resource, as the connected host's guid reads in 4.19.
        guid: `${guid}-LibvirtComputingResource`,
        username: params.username,
    };
    data.hosts.push(host);
    connectLater(runtime, host);
    agents?.forget(guid);
    return list("host", [renderHost(data, host)]);
}

function stopVmsOn(data: StandInData, host: HostRow): void {
    for (const vm of live(data.systemVms).filter((v) => v.hostId === host.id)) {
        vm.state = "Stopped";
        const agent = data.hosts.find((h) => h.id === vm.agentHostId);
        if (agent) agent.state = "Disconnected";
    }
}

export const hostCommands: Commands = {
    addHost: {
        // api/src/main/java/org/apache/cloudstack/api/command/admin/host/AddHostCmd.java@4.19.3.0:50-78
        required: "zoneid podid url hypervisor",
        optional: "clusterid clustername username password hosttags allocationstate",
        run: addHost,
    },
    listHosts: {
        optional: "id name zoneid podid clusterid type state resourcestate hypervisor keyword details outofbandmanagementenabled outofbandmanagementpowerstate hahost page pagesize",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.hosts, { zoneid: "zoneId", podid: "podId", clusterid: "clusterId", type: "type", state: "state", resourcestate: "resourcestate" }).filter(
                (h) => ctx.params.name === undefined || sameName(h.name, ctx.params.name),
            );
            return list("host", rows.map((h) => renderHost(ctx.data, h)));
        },
    },
    prepareHostForMaintenance: {
        required: "id",
        run(ctx) {
            const { data, runtime } = ctx;
            const host = existing(ref(ctx, "id", data.hosts), "Host");
            if (host.type !== "Routing") throw paramError(`Host ${host.id} is not a hypervisor host`);
            if (host.resourcestate !== "Enabled" && host.resourcestate !== "Disabled") {
                throw paramError(`Host ${host.id} is already in state ${host.resourcestate}; it cannot be put into maintenance again`);
            }
            host.resourcestate = "PrepareForMaintenance";
            return asyncJob(() => {
                stopVmsOn(data, host);
                // The job ends when the request is taken; the host reaches Maintenance once its VMs are off.
                runtime.later(runtime.jobLatencyMs(ctx.command), () => {
                    if (!host.removed && host.resourcestate === "PrepareForMaintenance") host.resourcestate = "Maintenance";
                    runtime.save();
                });
                return object("host", renderHost(data, host));
            });
        },
    },
    cancelHostMaintenance: {
        required: "id",
        run(ctx) {
            const host = existing(ref(ctx, "id", ctx.data.hosts), "Host");
            return asyncJob(() => {
                host.resourcestate = "Enabled";
                return object("host", renderHost(ctx.data, host));
            });
        },
    },
    reconnectHost: {
        required: "id",
        run(ctx) {
            const host = existing(ref(ctx, "id", ctx.data.hosts), "Host");
            return asyncJob(() => {
                connectLater(ctx.runtime, host);
                return object("host", renderHost(ctx.data, host));
            });
        },
    },
    deleteHost: {
        required: "id",
        optional: "forced forcedestroylocalstorage",
        run(ctx) {
            const { data, params } = ctx;
            const host = existing(ref(ctx, "id", data.hosts), "Host");
            const forced = params.forced === "true";
            if (!forced && host.resourcestate !== "Maintenance") {
                throw internalError(`Host ${host.id} cannot be deleted as it is not in maintenance mode. Either put the host into maintenance or perform a forced deletion.`);
            }
            const vms = live(data.systemVms).filter((v) => v.hostId === host.id);
            const active = vms.find((v) => v.state !== "Stopped");
            if (!forced && active) {
                throw internalError(`Unable to delete the host as there are vms in ${active.state} state using this host and isForced=false specified`);
            }
            for (const vm of vms) vm.state = "Stopped";
            markRemoved(host);
            // LibvirtServerDiscoverer.java@4.19.3.0:511-519: the agent is told to shut down; it forgets its zone only when
            // add.host.on.service.restart.kvm is false (ConfigurationManagerImpl.java@4.19.3.0:490, default true).
            if (host.type === "Routing") ctx.runtime.connector.agents?.shutdown(host.guid, data.configurations["add.host.on.service.restart.kvm"] === "false");
            return success;
        },
    },
};
