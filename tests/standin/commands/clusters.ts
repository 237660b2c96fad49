/** Clusters (ResourceManagerImpl discoverCluster / deleteCluster). */
import { Commands, existing, filterRows, list, oneOf, ref, sameName, success } from "../command";
import { internalError, paramError } from "../errors";
import { ClusterRow, live, markRemoved, newRow, StandInData } from "../store";

export function renderCluster(data: StandInData, cluster: ClusterRow) {
    return {
        id: cluster.id,
        name: cluster.name,
        podid: cluster.podId,
        podname: data.pods.find((p) => p.id === cluster.podId)?.name,
        zoneid: cluster.zoneId,
        zonename: data.zones.find((z) => z.id === cluster.zoneId)?.name,
        hypervisortype: cluster.hypervisortype,
        clustertype: cluster.clustertype,
        allocationstate: "Enabled",
        managedstate: "Managed",
    };
}

export const clusterCommands: Commands = {
    addCluster: {
        required: "clustername clustertype hypervisor podid zoneid",
        optional: "allocationstate url username password guestvswitchtype guestvswitchname publicvswitchtype publicvswitchname vsmipaddress vsmusername vsmpassword ovm3pool ovm3cluster ovm3vip arch",
        run(ctx) {
            const { data, params } = ctx;
            const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
            const pod = existing(ref(ctx, "podid", data.pods), "Pod");
            // server/src/main/java/com/cloud/resource/ResourceManagerImpl.java@4.19.3.0:449-454
            if (pod.zoneId !== zone.id) throw paramError(`Pod with specified id doesn't belong to the zone ${zone.dbId}`);
            // Hypervisor.HypervisorType.getType ignores case; the cluster type is a case-sensitive valueOf.
            if (params.hypervisor.toLowerCase() !== "kvm") throw paramError(`Unable to resolve ${params.hypervisor} to a supported hypervisor type (this stand-in knows KVM)`);
            oneOf(ctx, "clustertype", ["CloudManaged", "ExternalManaged"] as const);
            if (live(data.clusters).some((c) => c.podId === pod.id && sameName(c.name, params.clustername))) {
                throw internalError(`Unable to create cluster ${params.clustername} in pod and data center with specified ids`);
            }
            const cluster: ClusterRow = { ...newRow(data), zoneId: zone.id, podId: pod.id, name: params.clustername, hypervisortype: "KVM", clustertype: "CloudManaged" };
            data.clusters.push(cluster);
            return list("cluster", [renderCluster(data, cluster)]);
        },
    },
    listClusters: {
        optional: "id name zoneid podid hypervisor clustertype allocationstate managedstate showcapacities keyword arch",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.clusters, { zoneid: "zoneId", podid: "podId" }).filter(
                (c) => ctx.params.name === undefined || sameName(c.name, ctx.params.name),
            );
            return list("cluster", rows.map((c) => renderCluster(ctx.data, c)));
        },
    },
    deleteCluster: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const cluster = existing(ref(ctx, "id", data.clusters), "Cluster");
            if (live(data.hosts).some((h) => h.clusterId === cluster.id)) throw internalError(`Cluster: ${cluster.dbId} cannot be removed. Cluster still has hosts`);
            if (live(data.pools).some((p) => p.clusterId === cluster.id)) throw internalError(`Cluster: ${cluster.dbId} cannot be removed. Cluster still has storage pools`);
            markRemoved(cluster);
            return success;
        },
    },
};
