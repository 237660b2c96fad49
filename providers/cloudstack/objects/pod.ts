/**
 * A pod and its reserved system range. In 4.19 updatePod ignores
 * startip/endip (reference §9.2), so a changed range goes through the async
 * updatePodManagementNetworkIpRange from the range the server has now;
 * gateway and netmask change through updatePod.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";

export interface PodInputs extends ObjectInputs {
    zoneId: string;
    name: string;
    gateway: string;
    netmask: string;
    /** First and last address reserved for system VMs (management network). */
    startIp: string;
    endIp: string;
}

interface PodView {
    id: string;
    name: string;
    zoneid: string;
    gateway: string;
    netmask: string;
    ipranges?: { startip: string; endip: string }[];
    allocationstate: string;
}

async function podById(api: CloudStackClient, id: string): Promise<PodView | undefined> {
    return (await api.list<PodView>("listPods", { id }))[0];
}

export const provider = defineProvider<PodInputs, PodView>({
    describe: (inputs) => `pod "${inputs.name}"`,
    check(inputs) {
        const checks = new InputChecks()
            .connection(inputs.connection)
            .text("name", inputs.name)
            .ipv4("gateway", inputs.gateway)
            .netmask("netmask", inputs.netmask)
            .ipRange("startIp", inputs.startIp, "endIp", inputs.endIp);
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "name"],
    updatable: ["gateway", "netmask", "startIp", "endIp"],
    async find(api, inputs) {
        const pods = await api.list<PodView>("listPods", { zoneid: inputs.zoneId, name: inputs.name });
        return pods.find((p) => p.name.toLowerCase() === inputs.name.toLowerCase());
    },
    get: (api, id) => podById(api, id),
    observe: (pod) => ({
        zoneId: pod.zoneid,
        name: pod.name,
        gateway: pod.gateway,
        netmask: pod.netmask,
        startIp: pod.ipranges?.[0]?.startip,
        endIp: pod.ipranges?.[0]?.endip,
    }),
    async create(api, inputs) {
        const answer = await api.request("createPod", {
            zoneid: inputs.zoneId,
            name: inputs.name,
            gateway: inputs.gateway,
            netmask: inputs.netmask,
            startip: inputs.startIp,
            endip: inputs.endIp,
        });
        return String((answer.pod as PodView).id);
    },
    async update(api, id, news, pod, changed) {
        if (changed.includes("gateway") || changed.includes("netmask")) {
            await applyOnce(api, {
                command: "updatePod",
                params: { id, gateway: news.gateway, netmask: news.netmask },
                tookEffect: async () => {
                    const now = await podById(api, id);
                    return now?.gateway === news.gateway && now.netmask === news.netmask;
                },
            });
        }
        const current = pod.ipranges?.[0];
        if (current && (current.startip !== news.startIp || current.endip !== news.endIp)) {
            await applyOnce(api, {
                command: "updatePodManagementNetworkIpRange",
                params: { podid: id, currentstartip: current.startip, currentendip: current.endip, newstartip: news.startIp, newendip: news.endIp },
                tookEffect: async () => Boolean((await podById(api, id))?.ipranges?.some((r) => r.startip === news.startIp && r.endip === news.endIp)),
            });
        }
    },
    async remove(api, id) {
        await applyOnce(api, { command: "deletePod", params: { id }, tookEffect: gone(() => podById(api, id)) });
    },
});

export class Pod extends CloudStackResource {
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<PodInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("pod", "Pod", name, args, [], opts);
    }
}
