/**
 * NFS primary storage, cluster- or zone-wide (createStoragePool). A cluster
 * pool needs an Up host in its cluster, so it depends on the hosts. Delete:
 * storage maintenance first (enableStorageMaintenance, wait), the system VMs
 * with a volume on it destroyed (../systemVmTeardown.ts), then
 * deleteStoragePool — while the hosts are still connected to unmount it.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { destroySystemVms } from "../systemVmTeardown";
import { NFS_PATH, nfsUrl } from "../nfs";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";
import { waitFor } from "../wait";

export interface PrimaryStorageInputs extends ObjectInputs {
    zoneId: string;
    scope: "cluster" | "zone";
    /** Cluster scope only. */
    podId?: string;
    clusterId?: string;
    name: string;
    server: string;
    path: string;
}

interface PoolView {
    id: string;
    name: string;
    zoneid: string;
    zonename?: string;
    podid?: string;
    clusterid?: string;
    scope: string;
    ipaddress: string;
    path: string;
    state: string;
}

const MAINTENANCE_TIMEOUT_MS = 30 * 60_000;
/** Pool states once enableStorageMaintenance took effect. */
const MAINTENANCE_STATES = ["PrepareForMaintenance", "Maintenance", "ErrorInMaintenance"];

async function poolById(api: CloudStackClient, id: string): Promise<PoolView | undefined> {
    return (await api.list<PoolView>("listStoragePools", { id }))[0];
}

export const provider = defineProvider<PrimaryStorageInputs, PoolView>({
    describe: (inputs) => `primary storage "${inputs.name}"`,
    check(inputs) {
        const checks = new InputChecks().connection(inputs.connection).text("name", inputs.name).text("server", inputs.server, "an NFS server address").oneOf("scope", inputs.scope, ["cluster", "zone"]);
        if (!NFS_PATH.test(String(inputs.path))) checks.fail("path", `path must be an absolute export path such as /export/primary, not ${JSON.stringify(inputs.path)}`);
        if (inputs.scope === "cluster" && (!inputs.podId || !inputs.clusterId)) checks.fail("clusterId", "a cluster-scope primary storage needs its pod and cluster");
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "scope", "podId", "clusterId", "name", "server", "path"],
    updatable: [],
    async find(api, inputs) {
        const pools = await api.list<PoolView>("listStoragePools", { zoneid: inputs.zoneId, name: inputs.name });
        return pools.find((p) => p.name.toLowerCase() === inputs.name.toLowerCase());
    },
    get: (api, id) => poolById(api, id),
    observe: (pool) => ({
        zoneId: pool.zoneid,
        scope: pool.scope.toLowerCase() as PrimaryStorageInputs["scope"],
        podId: pool.podid,
        clusterId: pool.clusterid,
        name: pool.name,
        server: pool.ipaddress,
        path: pool.path,
    }),
    async create(api, inputs) {
        const where: Record<string, string> =
            inputs.scope === "cluster" ? { scope: "cluster", podid: inputs.podId as string, clusterid: inputs.clusterId as string } : { scope: "zone", hypervisor: "KVM" };
        const answer = await api.request("createStoragePool", { zoneid: inputs.zoneId, name: inputs.name, url: nfsUrl(inputs.server, inputs.path), ...where });
        return String((answer.storagepool as PoolView).id);
    },
    async remove(api, id, olds) {
        const pool = await poolById(api, id);
        if (!pool) return;
        if (pool.state === "Up") {
            await applyOnce(api, {
                command: "enableStorageMaintenance",
                params: { id },
                options: { deadlineMs: MAINTENANCE_TIMEOUT_MS },
                tookEffect: async () => {
                    const now = await poolById(api, id);
                    return !now || MAINTENANCE_STATES.includes(now.state);
                },
            });
        }
        await waitFor(
            `primary storage ${olds.name} to enter maintenance`,
            async () => {
                const now = await poolById(api, id);
                return { done: !now || now.state === "Maintenance", value: now, state: now?.state ?? "gone" };
            },
            MAINTENANCE_TIMEOUT_MS,
        );
        // The system VMs CloudStack deployed on this pool keep their ROOT volumes here; maintenance only stops them.
        // Without this an `up` that failed after enabling the zone (no zone enablement in the state to clear the
        // zone) could not be destroyed. Maintenance first: CloudStack places no new system VM on a pool that is not Up.
        await destroySystemVms(api, { zoneId: pool.zoneid, zoneName: pool.zonename ?? pool.zoneid, storageId: id });
        await applyOnce(api, { command: "deleteStoragePool", params: { id, forced: "true" }, tookEffect: gone(() => poolById(api, id)) });
    },
    outputs: (pool) => ({ state: pool.state, url: nfsUrl(pool.ipaddress, pool.path) }),
});

export class PrimaryStorage extends CloudStackResource {
    declare readonly state: pulumi.Output<string>;
    declare readonly url: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<PrimaryStorageInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("primaryStorage", "PrimaryStorage", name, args, ["state", "url"], opts);
    }
}

