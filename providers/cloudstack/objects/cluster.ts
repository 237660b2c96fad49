/** A KVM cluster of a pod (addCluster, deleteCluster); every change replaces it. */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient, firstObject } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";

export interface ClusterInputs extends ObjectInputs {
    zoneId: string;
    podId: string;
    name: string;
    hypervisor: "KVM";
    clusterType: "CloudManaged";
}

interface ClusterView {
    id: string;
    name: string;
    zoneid: string;
    podid: string;
    hypervisortype: string;
    clustertype: string;
}

async function clusterById(api: CloudStackClient, id: string): Promise<ClusterView | undefined> {
    return (await api.list<ClusterView>("listClusters", { id }))[0];
}

export const provider = defineProvider<ClusterInputs, ClusterView>({
    describe: (inputs) => `cluster "${inputs.name}"`,
    check(inputs) {
        const checks = new InputChecks()
            .connection(inputs.connection)
            .text("name", inputs.name)
            .oneOf("hypervisor", inputs.hypervisor, ["KVM"])
            .oneOf("clusterType", inputs.clusterType, ["CloudManaged"]);
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "podId", "name", "hypervisor", "clusterType"],
    updatable: [],
    async find(api, inputs) {
        const clusters = await api.list<ClusterView>("listClusters", { zoneid: inputs.zoneId, podid: inputs.podId, name: inputs.name });
        return clusters.find((c) => c.name.toLowerCase() === inputs.name.toLowerCase());
    },
    get: (api, id) => clusterById(api, id),
    observe: (cluster) => ({
        zoneId: cluster.zoneid,
        podId: cluster.podid,
        name: cluster.name,
        hypervisor: cluster.hypervisortype as "KVM",
        clusterType: cluster.clustertype as "CloudManaged",
    }),
    async create(api, inputs) {
        const answer = await api.request("addCluster", {
            zoneid: inputs.zoneId,
            podid: inputs.podId,
            clustername: inputs.name,
            hypervisor: inputs.hypervisor,
            clustertype: inputs.clusterType,
        });
        return firstObject<ClusterView>(answer).id;
    },
    async remove(api, id) {
        await applyOnce(api, { command: "deleteCluster", params: { id }, tookEffect: gone(() => clusterById(api, id)) });
    },
});

export class Cluster extends CloudStackResource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<ClusterInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("cluster", "Cluster", name, args, [], opts);
    }
}
