/**
 * KVM hosts (LibvirtServerDiscoverer.find, ResourceManagerImpl): addHost runs
 * the agent setup through the configured connector and answers like 4.19
 * (530 "Could not add host at [...]" on failure, "Skipping host ... already
 * in the database" for a known address); the host then goes Connecting → Up.
 * Maintenance goes PrepareForMaintenance → Maintenance and stops the system
 * VMs on the host; deleteHost needs maintenance or forced=true.
 */
import * as crypto from "crypto";
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
        version: "4.19.3.0",
        created: host.created,
    };
}

/** The KVM labels addHost passes to cloudstack-setup-agent, falling back to each other and to the kvm.*.network.device settings. */
function trafficLabels(data: StandInData, zone: ZoneRow) {
    const networks = live(data.physicalNetworks).filter((p) => p.zoneId === zone.id).map((p) => p.id);
    const label = (type: string) => live(data.trafficTypes).find((t) => t.traffictype === type && networks.includes(t.physicalNetworkId))?.kvmnetworklabel;
    const management = label("Management") ?? data.configurations["kvm.private.network.device"];
    const publicLabel = label("Public") ?? label("Guest") ?? data.configurations["kvm.public.network.device"];
    const guest = label("Guest") ?? management ?? data.configurations["kvm.guest.network.device"];
    return { managementLabel: management, publicLabel, guestLabel: guest };
}

async function addHost(ctx: CallContext) {
    const { data, params, runtime } = ctx;
    const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
    const pod: PodRow = existing(ref(ctx, "podid", data.pods), "Pod");
    const byName = params.clustername ? live(data.clusters).find((c) => c.podId === pod.id && sameName(c.name, params.clustername)) : undefined;
    const cluster: ClusterRow | undefined = optionalRef(ctx, "clusterid", data.clusters) ?? byName;
    if (!cluster) throw paramError("Either clusterid or clustername of an existing cluster must be given for a KVM host");
    if (params.hypervisor.toLowerCase() !== "kvm") throw paramError(`Unable to resolve ${params.hypervisor} to a supported hypervisor type (this stand-in knows KVM)`);
    const match = /^http:\/\/([^/:]+)\/?$/.exec(params.url);
    if (!match) throw paramError(`Please specify the host url as http://<host address>, not ${params.url}`);
    const ip = match[1];
    const guid = crypto.randomUUID();
    const failure = (reason: string) =>
        internalError(`Could not add host at [${params.url}] with zone [${zone.dbId}], pod [${pod.dbId}] and cluster [${cluster.dbId}] due to: [ ${reason}]`);
    const known = live(data.hosts).find((h) => h.type === "Routing" && h.ipaddress === ip);
    if (known) {
        throw failure(`can't setup agent, due to com.cloud.utils.exception.CloudRuntimeException: Skipping host ${ip} because ${known.guid} is already in the database for resource ${known.guid}-LibvirtComputingResource with ID ${known.id}`);
    }
    try {
        await runtime.connector.setup({
            ip,
            username: params.username,
            password: params.password,
            managementAddress: data.configurations.host,
            zoneDbId: zone.dbId,
            podDbId: pod.dbId,
            clusterDbId: cluster.dbId,
            guid,
            ...trafficLabels(data, zone),
        });
    } catch (err) {
        throw failure(`can't setup agent, due to com.cloud.utils.exception.CloudRuntimeException: ${(err as Error).message}`);
    }
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
        guid,
        username: params.username,
    };
    data.hosts.push(host);
    connectLater(runtime, host);
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
        required: "zoneid podid url hypervisor username password",
        optional: "clusterid clustername hosttags allocationstate",
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
            return success;
        },
    },
};
