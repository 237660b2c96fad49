/** A CloudStack zone: createZone, updateZone for its settings, deleteZone. */
import * as pulumi from "@pulumi/pulumi";
import { ZoneSettings } from "../../../config/settings";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";

/** The zone's own settings as the config has them, plus an optional network domain for guest networks. */
export type ZoneInputs = ObjectInputs &
    Pick<ZoneSettings, "name" | "dns1" | "dns2" | "internalDns1" | "internalDns2" | "networkType"> & {
        /** Default CIDR of isolated guest networks. */
        guestCidr?: string;
        domain?: string;
    };

interface ZoneView {
    id: string;
    name: string;
    dns1?: string;
    dns2?: string;
    internaldns1?: string;
    internaldns2?: string;
    networktype: string;
    guestcidraddress?: string;
    domain?: string;
    allocationstate: string;
}

/** Input name → updateZone / createZone parameter. */
const API_NAMES: Record<string, string> = {
    name: "name",
    dns1: "dns1",
    dns2: "dns2",
    internalDns1: "internaldns1",
    internalDns2: "internaldns2",
    guestCidr: "guestcidraddress",
    domain: "domain",
};

function apiParams(inputs: ZoneInputs, fields: string[]): Record<string, string> {
    const params: Record<string, string> = {};
    for (const field of fields) {
        const value = inputs[field as keyof ZoneInputs];
        if (typeof value === "string" && value !== "") params[API_NAMES[field]] = value;
    }
    return params;
}

async function zoneById(api: CloudStackClient, id: string): Promise<ZoneView | undefined> {
    return (await api.list<ZoneView>("listZones", { id }))[0];
}

export const provider = defineProvider<ZoneInputs, ZoneView>({
    describe: (inputs) => `zone "${inputs.name}"`,
    check(inputs) {
        const checks = new InputChecks()
            .connection(inputs.connection)
            .text("name", inputs.name)
            .ipv4("dns1", inputs.dns1)
            .optionalIpv4("dns2", inputs.dns2)
            .ipv4("internalDns1", inputs.internalDns1)
            .optionalIpv4("internalDns2", inputs.internalDns2)
            .oneOf("networkType", inputs.networkType, ["Advanced"]);
        if (inputs.guestCidr !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(inputs.guestCidr)) {
            checks.fail("guestCidr", `guestCidr must be a CIDR such as 192.168.0.0/24, not ${JSON.stringify(inputs.guestCidr)}`);
        }
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["networkType"],
    updatable: ["name", "dns1", "dns2", "internalDns1", "internalDns2", "guestCidr", "domain"],
    async find(api, inputs) {
        const zones = await api.list<ZoneView>("listZones", { name: inputs.name });
        return zones.find((z) => z.name.toLowerCase() === inputs.name.toLowerCase());
    },
    get: (api, id) => zoneById(api, id),
    observe: (zone) => ({
        name: zone.name,
        dns1: zone.dns1,
        dns2: zone.dns2,
        internalDns1: zone.internaldns1,
        internalDns2: zone.internaldns2,
        networkType: zone.networktype as ZoneInputs["networkType"],
        guestCidr: zone.guestcidraddress,
        domain: zone.domain,
    }),
    async create(api, inputs) {
        const params = { ...apiParams(inputs, Object.keys(API_NAMES)), networktype: inputs.networkType, securitygroupenabled: "false" };
        const answer = await api.request("createZone", params);
        return String((answer.zone as ZoneView).id);
    },
    async update(api, id, news, _remote, changed) {
        // updateZone clears nothing it is not given, so a removed optional value is sent as empty.
        const params: Record<string, string> = { id, ...apiParams(news, changed as string[]) };
        for (const field of changed) if (!params[API_NAMES[field as string]]) params[API_NAMES[field as string]] = "";
        // A lost answer: the zone shows every value sent (the listZones fields are named as updateZone's parameters).
        const tookEffect = async () => {
            const zone = (await zoneById(api, id)) as unknown as Record<string, string | undefined> | undefined;
            return zone !== undefined && Object.entries(params).every(([key, value]) => key === "id" || (zone[key] ?? "") === value);
        };
        await applyOnce(api, { command: "updateZone", params, tookEffect });
    },
    async remove(api, id) {
        await applyOnce(api, { command: "deleteZone", params: { id }, tookEffect: gone(() => zoneById(api, id)) });
    },
    outputs: (zone) => ({ allocationState: zone.allocationstate }),
});

export class Zone extends CloudStackResource {
    declare readonly name: pulumi.Output<string>;
    /** Enabled or Disabled (ZoneEnablement enables it). */
    declare readonly allocationState: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<ZoneInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("zone", "Zone", name, args, ["allocationState"], opts);
    }
}
