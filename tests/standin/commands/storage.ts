/**
 * Primary storage (createStoragePool: every failure is 530 "Failed to add
 * data store: ..."; cluster scope needs an Up host in the cluster, zone scope
 * an Up host in the zone; deleteStoragePool needs Maintenance and no live
 * volumes) and NFS image stores (addImageStore: unique names; the first store
 * of a zone registers the SystemVM template when a KVM cluster exists, or
 * finds it seeded).
 */
import { asyncJob, CallContext, Commands, existing, filterRows, list, object, optionalRef, ref, sameName, success } from "../command";
import { ApiError, INTERNAL_ERROR, internalError, paramError, serverApiError } from "../errors";
import { ImageStoreRow, live, markRemoved, newRow, PoolRow, StandInData } from "../store";
import { addSystemTemplate } from "./systemvms";

export function renderPool(data: StandInData, pool: PoolRow) {
    return {
        id: pool.id,
        name: pool.name,
        zoneid: pool.zoneId,
        zonename: data.zones.find((z) => z.id === pool.zoneId)?.name,
        podid: pool.podId,
        podname: data.pods.find((p) => p.id === pool.podId)?.name,
        clusterid: pool.clusterId,
        clustername: data.clusters.find((c) => c.id === pool.clusterId)?.name,
        ipaddress: pool.ipaddress,
        path: pool.path,
        type: "NetworkFilesystem",
        state: pool.state,
        scope: pool.scope,
        hypervisor: "KVM",
        provider: "DefaultPrimary",
        created: pool.created,
    };
}

export function renderImageStore(data: StandInData, store: ImageStoreRow) {
    return {
        id: store.id,
        name: store.name,
        url: store.url,
        zoneid: store.zoneId,
        zonename: data.zones.find((z) => z.id === store.zoneId)?.name,
        protocol: "nfs",
        providername: "NFS",
        scope: "ZONE",
        readonly: false,
    };
}

function parseNfsUrl(url: string | undefined): { host: string; path: string } | undefined {
    const match = /^nfs:\/\/([^/]+)(\/.*)$/.exec(url ?? "");
    return match ? { host: match[1], path: match[2] } : undefined;
}

function createPool(ctx: CallContext) {
    const { data, params } = ctx;
    const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
    const url = parseNfsUrl(params.url);
    if (!url) throw new Error(`Unsupported storage pool url ${params.url}; this stand-in supports nfs://<server>/<path>`);
    const scope = (params.scope ?? "cluster").toLowerCase();
    const upHost = (filter: (h: { clusterId?: string; zoneId: string }) => boolean) =>
        live(data.hosts).some((h) => h.type === "Routing" && h.state === "Up" && filter(h));
    let podId: string | undefined;
    let clusterId: string | undefined;
    if (scope === "cluster") {
        const pod = optionalRef(ctx, "podid", data.pods);
        const cluster = optionalRef(ctx, "clusterid", data.clusters);
        // plugins/storage/volume/default/src/main/java/org/apache/cloudstack/storage/datastore/lifecycle/CloudStackPrimaryDataStoreLifeCycleImpl.java@4.19.3.0:132
        if (!pod || !cluster) throw new Error("Cluster id requires pod id");
        // CloudStackPrimaryDataStoreLifeCycleImpl.java@4.19.3.0:386
        if (!upHost((h) => h.clusterId === cluster.id)) throw new Error(`No host up to associate a storage pool with in cluster ${cluster.dbId}`);
        podId = pod.id;
        clusterId = cluster.id;
    } else if (scope === "zone") {
        if (!params.hypervisor) throw new Error("hypervisor type must be specified for a zone wide storage pool");
        // CloudStackPrimaryDataStoreLifeCycleImpl.java@4.19.3.0:454
        if (!upHost((h) => h.zoneId === zone.id)) throw new Error("Failed to create storage pool as it is not accessible to hosts.");
    } else {
        throw new Error(`Invalid scope ${params.scope}; supported scopes are cluster and zone`);
    }
    const same = live(data.pools).find((p) => p.ipaddress === url.host && p.path === url.path);
    // CloudStackPrimaryDataStoreLifeCycleImpl.java@4.19.3.0:283
    if (same) throw new Error(`Storage pool ${url.path} already in use by another pod (id=${same.dbId})`);
    const pool: PoolRow = { ...newRow(data), zoneId: zone.id, podId, clusterId, name: params.name, scope: scope === "zone" ? "ZONE" : "CLUSTER", ipaddress: url.host, path: url.path, state: "Up" };
    data.pools.push(pool);
    return object("storagepool", renderPool(data, pool));
}

function addImageStore(ctx: CallContext) {
    const { data, params, runtime } = ctx;
    if (params.provider.toUpperCase() !== "NFS") throw paramError(`This stand-in supports image store provider NFS, not ${params.provider}`);
    if (!params.zoneid) throw paramError("A zone id is required for an NFS image store");
    const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
    if (!parseNfsUrl(params.url)) throw paramError(`Please specify the image store url as nfs://<server>/<path>, not ${params.url ?? ""}`);
    const name = params.name ?? params.url;
    if (live(data.imageStores).some((s) => sameName(s.name, name))) {
        throw paramError(`The image store with name ${name} already exists, try creating with another name`);
    }
    const firstInZone = !live(data.imageStores).some((s) => s.zoneId === zone.id);
    const store: ImageStoreRow = { ...newRow(data), zoneId: zone.id, name, url: params.url };
    data.imageStores.push(store);
    // registerSystemVmTemplateOnFirstNfsStore: only for hypervisors that already have a cluster in the zone.
    const hasKvmCluster = live(data.clusters).some((c) => c.zoneId === zone.id);
    if (firstInZone && (runtime.templateSeeded || hasKvmCluster) && !data.templates.some((t) => t.zoneId === zone.id)) {
        addSystemTemplate(data, zone.id, runtime.now() + runtime.templateReadyMs);
    }
    return object("imagestore", renderImageStore(data, store));
}

export const storageCommands: Commands = {
    createStoragePool: {
        required: "name url zoneid",
        optional: "podid clusterid scope hypervisor tags provider managed capacitybytes capacityiops istagarule details",
        run(ctx) {
            try {
                return createPool(ctx);
            } catch (err) {
                if (err instanceof ApiError && err.code !== INTERNAL_ERROR) throw err;
                throw serverApiError(INTERNAL_ERROR, `Failed to add data store: ${(err as Error).message}`);
            }
        },
    },
    listStoragePools: {
        optional: "id name zoneid podid clusterid ipaddress path scope status keyword",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.pools, { zoneid: "zoneId", podid: "podId", clusterid: "clusterId" }).filter(
                (p) => ctx.params.name === undefined || sameName(p.name, ctx.params.name),
            );
            return list("storagepool", rows.map((p) => renderPool(ctx.data, p)));
        },
    },
    enableStorageMaintenance: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const pool = existing(ref(ctx, "id", data.pools), "Storage pool");
            if (pool.state !== "Up") throw paramError(`Primary storage with id ${pool.id} is not ready to complete migration, as the status is:${pool.state}`);
            pool.state = "PrepareForMaintenance";
            return asyncJob(() => {
                for (const vm of live(data.systemVms).filter((v) => v.poolId === pool.id)) vm.state = "Stopped";
                pool.state = "Maintenance";
                return object("storagepool", renderPool(data, pool));
            });
        },
    },
    cancelStorageMaintenance: {
        required: "id",
        run(ctx) {
            const pool = existing(ref(ctx, "id", ctx.data.pools), "Storage pool");
            return asyncJob(() => {
                pool.state = "Up";
                return object("storagepool", renderPool(ctx.data, pool));
            });
        },
    },
    deleteStoragePool: {
        required: "id",
        optional: "forced",
        run(ctx) {
            const { data } = ctx;
            const pool = existing(ref(ctx, "id", data.pools), "Storage pool");
            const forced = ctx.params.forced === "true";
            if (pool.state !== "Maintenance") throw paramError(`Unable to delete storage due to it is not in Maintenance state, id: ${pool.dbId}`);
            // server/src/main/java/com/cloud/storage/StorageManagerImpl.java@4.19.3.0:1482-1510 deleteDataStoreInternal: the pool's
            // volumes not removed (VolumeDaoImpl.java@4.19.3.0:416-422,501-507); forced, only those not in Destroy block it
            // (VolumeDaoImpl.java@4.19.3.0:685-691), and volumes in Destroy are expunged.
            const volumes = live(data.volumes).filter((v) => v.poolId === pool.id);
            if (forced && volumes.some((v) => v.state !== "Destroy")) {
                throw internalError(`Cannot delete pool ${pool.name} as there are associated non-destroyed vols for this pool`);
            }
            if (!forced && volumes.length) throw internalError(`Cannot delete pool ${pool.name} as there are associated volumes for this pool`);
            for (const volume of volumes) {
                volume.state = "Expunged";
                markRemoved(volume);
            }
            markRemoved(pool);
            return success;
        },
    },
    addImageStore: {
        required: "provider",
        optional: "name url zoneid details",
        run: addImageStore,
    },
    listImageStores: {
        optional: "id name zoneid provider protocol keyword readonly",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.imageStores, { zoneid: "zoneId" }).filter((s) => ctx.params.name === undefined || sameName(s.name, ctx.params.name));
            return list("imagestore", rows.map((s) => renderImageStore(ctx.data, s)));
        },
    },
    deleteImageStore: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const store = existing(ref(ctx, "id", data.imageStores), "Image store");
            markRemoved(store);
            // System templates do not block deletion; the zone loses its copy with its last store.
            if (!live(data.imageStores).some((s) => s.zoneId === store.zoneId)) data.templates = data.templates.filter((t) => t.zoneId !== store.zoneId);
            return success;
        },
    },
};
