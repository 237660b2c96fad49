/**
 * A public IP range of the zone (createVlanIpRange, forvirtualnetwork=true).
 * Its bounds, gateway and netmask change in place through updateVlanIpRange
 * (the server keeps addresses in use inside the range); the VLAN and the
 * network it belongs to replace it.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";

export interface PublicIpRangeInputs extends ObjectInputs {
    zoneId: string;
    physicalNetworkId: string;
    /** "untagged" or a VLAN tag. */
    vlan: string;
    gateway: string;
    netmask: string;
    startIp: string;
    endIp: string;
}

interface RangeView {
    id: string;
    zoneid: string;
    physicalnetworkid: string;
    vlan: string;
    gateway: string;
    netmask: string;
    startip: string;
    endip: string;
}

async function rangeById(api: CloudStackClient, id: string): Promise<RangeView | undefined> {
    return (await api.list<RangeView>("listVlanIpRanges", { id }))[0];
}

export const provider = defineProvider<PublicIpRangeInputs, RangeView>({
    describe: (inputs) => `public IP range ${inputs.startIp}-${inputs.endIp}`,
    check(inputs) {
        const checks = new InputChecks()
            .connection(inputs.connection)
            .ipv4("gateway", inputs.gateway)
            .netmask("netmask", inputs.netmask)
            .ipRange("startIp", inputs.startIp, "endIp", inputs.endIp);
        if (inputs.vlan !== "untagged" && !/^\d{1,4}$/.test(String(inputs.vlan))) {
            checks.fail("vlan", `vlan must be "untagged" or a VLAN tag from 1 to 4094, not ${JSON.stringify(inputs.vlan)}`);
        }
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "physicalNetworkId", "vlan"],
    updatable: ["gateway", "netmask", "startIp", "endIp"],
    async find(api, inputs) {
        // A range is known by where it starts; one that differs elsewhere is a conflict, not a second range.
        const ranges = await api.list<RangeView>("listVlanIpRanges", { zoneid: inputs.zoneId, forvirtualnetwork: "true" });
        return ranges.find((r) => r.startip === inputs.startIp);
    },
    get: (api, id) => rangeById(api, id),
    observe: (range) => ({
        zoneId: range.zoneid,
        physicalNetworkId: range.physicalnetworkid,
        vlan: range.vlan.replace(/^vlan:\/\//, ""),
        gateway: range.gateway,
        netmask: range.netmask,
        startIp: range.startip,
        endIp: range.endip,
    }),
    async create(api, inputs) {
        const answer = await api.request("createVlanIpRange", {
            zoneid: inputs.zoneId,
            physicalnetworkid: inputs.physicalNetworkId,
            vlan: inputs.vlan,
            gateway: inputs.gateway,
            netmask: inputs.netmask,
            startip: inputs.startIp,
            endip: inputs.endIp,
            forvirtualnetwork: "true",
        });
        return String((answer.vlan as RangeView).id);
    },
    async update(api, id, news) {
        await applyOnce(api, {
            command: "updateVlanIpRange",
            params: { id, startip: news.startIp, endip: news.endIp, gateway: news.gateway, netmask: news.netmask },
            tookEffect: async () => {
                const now = await rangeById(api, id);
                return now?.startip === news.startIp && now.endip === news.endIp && now.gateway === news.gateway && now.netmask === news.netmask;
            },
        });
    },
    async remove(api, id) {
        await applyOnce(api, { command: "deleteVlanIpRange", params: { id }, tookEffect: gone(() => rangeById(api, id)) });
    },
});

export class PublicIpRange extends CloudStackResource {
    constructor(name: string, args: ArgsOf<Omit<PublicIpRangeInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("publicIpRange", "PublicIpRange", name, args, [], opts);
    }
}
