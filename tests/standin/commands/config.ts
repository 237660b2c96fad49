/** Global settings: listConfigurations (name is a LIKE filter) and updateConfiguration. */
import { Commands, list, object } from "../command";
import { paramError } from "../errors";
import { DEFAULT_CONFIGURATIONS } from "../store";

const render = (name: string, value: string) => ({
    name,
    value,
    defaultvalue: DEFAULT_CONFIGURATIONS[name],
    category: "Advanced",
    isdynamic: true,
    description: `global setting ${name}`,
});

export const configCommands: Commands = {
    listConfigurations: {
        optional: "name category keyword zoneid clusterid storageid accountid domainid imagestoreuuid page pagesize group subgroup parentid",
        run(ctx) {
            const filter = (ctx.params.name ?? "").toLowerCase();
            const rows = Object.entries(ctx.data.configurations).filter(([name]) => name.toLowerCase().includes(filter));
            return list("configuration", rows.map(([name, value]) => render(name, value)));
        },
    },
    updateConfiguration: {
        required: "name",
        optional: "value zoneid clusterid storageid accountid domainid imagestoreuuid",
        run(ctx) {
            const { name, value } = ctx.params;
            if (!(name in ctx.data.configurations)) throw paramError(`Config parameter with name ${name} doesn't exist`);
            ctx.data.configurations[name] = value ?? "";
            return object("configuration", render(name, ctx.data.configurations[name]));
        },
    },
};
