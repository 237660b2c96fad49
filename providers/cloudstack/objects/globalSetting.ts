/**
 * One CloudStack setting (updateConfiguration): a global one such as `host`,
 * the management address agents and system VMs are given, or — with `zoneId`
 * — a zone-scoped one such as `vr.private.interface.max.mtu`. The value found
 * before is remembered and put back on destroy, unless someone changed it
 * since. The value is read first: an unchanged setting makes no call.
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { clientFor, ObjectInputs, refreshedInputs, sameValue } from "../resource";
import { InputChecks } from "../validate";

export interface GlobalSettingInputs extends ObjectInputs {
    name: string;
    value: string;
    /** The zone whose own value this is (a zone-scoped setting); absent for the global value. */
    zoneId?: string;
}

interface GlobalSettingOutputs extends GlobalSettingInputs {
    previousValue: string;
}

/** Where the value lives: the `zoneid` scope, or none for the global value. */
const scopeOf = (inputs: GlobalSettingInputs): Record<string, string> => (inputs.zoneId ? { zoneid: inputs.zoneId } : {});

async function currentValue(api: CloudStackClient, inputs: GlobalSettingInputs): Promise<string> {
    // The name filter matches substrings; with zoneid the value is the zone's (its own, else the global one).
    const settings = await api.list<{ name: string; value?: string }>("listConfigurations", { name: inputs.name, ...scopeOf(inputs) });
    const setting = settings.find((s) => s.name === inputs.name);
    if (!setting) throw new Error(`CloudStack at ${api.apiUrl} has no ${inputs.zoneId ? "zone-scoped" : "global"} setting named ${inputs.name}`);
    return setting.value ?? "";
}

/** updateConfiguration; a lost answer is checked against the value the server has. */
async function setValue(api: CloudStackClient, inputs: GlobalSettingInputs, value: string): Promise<void> {
    await applyOnce(api, {
        command: "updateConfiguration",
        params: { name: inputs.name, value, ...scopeOf(inputs) },
        tookEffect: async () => (await currentValue(api, inputs)) === value,
    });
}

async function apply(inputs: GlobalSettingInputs): Promise<string> {
    const api = clientFor(inputs.connection);
    const before = await currentValue(api, inputs);
    if (before !== inputs.value) await setValue(api, inputs, inputs.value);
    return before;
}

async function zoneGone(api: CloudStackClient, zoneId: string | undefined): Promise<boolean> {
    return zoneId !== undefined && (await api.list("listZones", { id: zoneId }).catch(() => [])).length === 0;
}

const REPLACE_ON = ["name", "zoneId"] as const;

export const provider = {
    async check(_olds: GlobalSettingInputs, news: GlobalSettingInputs) {
        const checks = new InputChecks().connection(news.connection).text("name", news.name, "a setting name such as host");
        if (typeof news.value !== "string") checks.fail("value", `value must be a string, not ${JSON.stringify(news.value)}`);
        if (news.zoneId !== undefined && news.zoneId !== null) checks.text("zoneId", news.zoneId, "a zone id");
        return { inputs: news, failures: checks.failures };
    },

    async diff(_id: string, olds: GlobalSettingOutputs, news: GlobalSettingInputs) {
        const changed = [...REPLACE_ON, "value" as const].filter((key) => !sameValue(olds[key], news[key]));
        const replaces = changed.filter((key) => (REPLACE_ON as readonly string[]).includes(key));
        const credentialsChanged = !sameValue(olds.connection, news.connection);
        return { changes: changed.length > 0 || credentialsChanged, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: GlobalSettingInputs) {
        return { id: inputs.zoneId ? `${inputs.zoneId}/${inputs.name}` : inputs.name, outs: { ...inputs, previousValue: await apply(inputs) } };
    },

    async read(id: string, props: GlobalSettingOutputs) {
        const api = clientFor(props.connection);
        if (await zoneGone(api, props.zoneId)) return { id: "", props: {} };
        const value = await currentValue(api, props);
        return { id, props: { ...props, value }, inputs: refreshedInputs(props, { value }, ["previousValue"]) };
    },

    async update(_id: string, olds: GlobalSettingOutputs, news: GlobalSettingInputs) {
        await apply(news);
        return { outs: { ...news, previousValue: olds.previousValue } };
    },

    async delete(_id: string, props: GlobalSettingOutputs) {
        const api = clientFor(props.connection);
        // A zone-scoped value goes with its zone.
        if (await zoneGone(api, props.zoneId)) return;
        if (props.previousValue !== props.value && (await currentValue(api, props)) === props.value) {
            await setValue(api, props, props.previousValue);
        }
    },
};

export class GlobalSetting extends CloudStackResource {
    declare readonly value: pulumi.Output<string>;
    /** What the setting was before this resource set it. */
    declare readonly previousValue: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<GlobalSettingInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("globalSetting", "GlobalSetting", name, args, ["previousValue"], opts);
    }
}
