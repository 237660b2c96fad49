/**
 * One CloudStack global setting (updateConfiguration), e.g. `host`, the
 * management address agents and system VMs are given. The value found before
 * is remembered and put back on destroy, unless someone changed it since.
 */
import * as pulumi from "@pulumi/pulumi";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { clientFor, ObjectInputs, sameValue } from "../resource";
import { InputChecks } from "../validate";

export interface GlobalSettingInputs extends ObjectInputs {
    name: string;
    value: string;
}

interface GlobalSettingOutputs extends GlobalSettingInputs {
    previousValue: string;
}

async function currentValue(api: CloudStackClient, name: string): Promise<string> {
    // The name filter matches substrings.
    const settings = await api.list<{ name: string; value?: string }>("listConfigurations", { name });
    const setting = settings.find((s) => s.name === name);
    if (!setting) throw new Error(`CloudStack at ${api.apiUrl} has no global setting named ${name}`);
    return setting.value ?? "";
}

async function apply(inputs: GlobalSettingInputs): Promise<string> {
    const api = clientFor(inputs.connection);
    const before = await currentValue(api, inputs.name);
    if (before !== inputs.value) await api.request("updateConfiguration", { name: inputs.name, value: inputs.value });
    return before;
}

export const provider = {
    async check(_olds: GlobalSettingInputs, news: GlobalSettingInputs) {
        const checks = new InputChecks().connection(news.connection).text("name", news.name, "a setting name such as host");
        if (typeof news.value !== "string") checks.fail("value", `value must be a string, not ${JSON.stringify(news.value)}`);
        return { inputs: news, failures: checks.failures };
    },

    async diff(_id: string, olds: GlobalSettingOutputs, news: GlobalSettingInputs) {
        const replaces = olds.name === news.name ? [] : ["name"];
        return { changes: replaces.length > 0 || olds.value !== news.value || !sameValue(olds.connection, news.connection), replaces, deleteBeforeReplace: true };
    },

    async create(inputs: GlobalSettingInputs) {
        return { id: inputs.name, outs: { ...inputs, previousValue: await apply(inputs) } };
    },

    async read(id: string, props: GlobalSettingOutputs) {
        return { id, props: { ...props, value: await currentValue(clientFor(props.connection), props.name) } };
    },

    async update(_id: string, olds: GlobalSettingOutputs, news: GlobalSettingInputs) {
        await apply(news);
        return { outs: { ...news, previousValue: olds.previousValue } };
    },

    async delete(_id: string, props: GlobalSettingOutputs) {
        const api = clientFor(props.connection);
        if (props.previousValue !== props.value && (await currentValue(api, props.name)) === props.value) {
            await api.request("updateConfiguration", { name: props.name, value: props.previousValue });
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
