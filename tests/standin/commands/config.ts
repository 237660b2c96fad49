/**
 * Settings: listConfigurations and updateConfiguration, global and zone-scoped.
 *
 * updateConfiguration follows ConfigurationManagerImpl.updateConfiguration(UpdateCfgCmd)
 * (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:918-1016)
 * and validateConfigurationValue (:1189-1268): unknown names, one scope id at most, the
 * setting's scope, and the value's type, each with the server's text.
 */
import { CallContext, Commands, existing, list, object, ref } from "../command";
import { paramError } from "../errors";
import { DEFAULT_CONFIGURATIONS, StandInData } from "../store";

type SettingType = "String" | "Integer" | "Long" | "Boolean";
type Scope = "Global" | "Zone";

interface SettingDefinition {
    type: SettingType;
    scope: Scope;
    category: string;
}

const define = (type: SettingType, scope: Scope = "Global", category = "Advanced"): SettingDefinition => ({ type, scope, category });

/** The settings the stand-in knows, with their ConfigKey / Config.java types and scopes. */
const SETTINGS: Record<string, SettingDefinition> = {
    // api/src/main/java/org/apache/cloudstack/config/ApiServiceConfiguration.java@4.19.3.0:23
    host: define("String"),
    // server/src/main/java/org/apache/cloudstack/agent/lb/IndirectAgentLBServiceImpl.java@4.19.3.0:53-56 (Kind.Select; 4.19 does not check the value)
    "indirect.agent.lb.algorithm": define("String"),
    // api/src/main/java/com/cloud/storage/VolumeApiService.java@4.19.3.0:54
    "use.https.to.upload": define("Boolean"),
    // plugins/integrations/prometheus/src/main/java/org/apache/cloudstack/metrics/PrometheusExporterServer.java@4.19.3.0:25,28,31
    "prometheus.exporter.enable": define("Boolean"),
    "prometheus.exporter.port": define("Integer"),
    "prometheus.exporter.allowed.ips": define("String"),
    // server/src/main/java/com/cloud/configuration/Config.java@4.19.3.0:1011
    "incorrect.login.attempts.allowed": define("Integer", "Global", "Advanced"),
    // server/src/main/java/com/cloud/api/ApiServer.java@4.19.3.0:322
    "api.sessionkey.check.locations": define("String"),
    // server/src/main/java/com/cloud/configuration/Config.java@4.19.3.0:1296
    "default.page.size": define("Long"),
    // server/src/main/java/com/cloud/configuration/Config.java@4.19.3.0:1183-1185 (category Hidden: not listed)
    "kvm.private.network.device": define("String", "Global", "Hidden"),
    "kvm.public.network.device": define("String", "Global", "Hidden"),
    "kvm.guest.network.device": define("String", "Global", "Hidden"),
    // api/src/main/java/com/cloud/network/NetworkService.java@4.19.3.0:72,76,80 (zone-scoped ConfigKeys)
    "vr.public.interface.max.mtu": define("Integer", "Zone", "VirtualRouter"),
    "vr.private.interface.max.mtu": define("Integer", "Zone", "VirtualRouter"),
    "allow.end.users.to.specify.vr.mtu": define("Boolean", "Zone"),
};

/** Settings of configValuesForValidation (ConfigurationManagerImpl.java@4.19.3.0:545-572) the stand-in knows. */
const POSITIVE = ["incorrect.login.attempts.allowed"];

/** ConfigKey.valueIn(zone): the zone's own value, else the global one. */
export function settingIn(data: StandInData, name: string, zoneId: string): string {
    return data.zoneConfigurations[zoneId]?.[name] ?? data.configurations[name];
}

function render(data: StandInData, name: string, zoneId?: string) {
    const definition = SETTINGS[name];
    return {
        name,
        value: zoneId ? settingIn(data, name, zoneId) : data.configurations[name],
        defaultvalue: DEFAULT_CONFIGURATIONS[name],
        category: definition?.category ?? "Advanced",
        scope: (definition?.scope ?? "Global").toLowerCase(),
        type: definition?.type,
        isdynamic: true,
        description: `global setting ${name}`,
        ...(zoneId ? { id: zoneId } : {}),
    };
}

/** At most one of the scope ids (ConfigurationManagerImpl.java@4.19.3.0:966-1001, ManagementServerImpl.java@4.19.3.0:2205-2241). */
function scopeOf(ctx: CallContext): { scope?: "Zone"; zoneId?: string } {
    const given = ["zoneid", "clusterid", "storageid", "accountid", "domainid", "imagestoreuuid"].filter((name) => ctx.params[name] !== undefined);
    if (given.length > 1) throw paramError("cannot handle multiple IDs, provide only one ID corresponding to the scope");
    if (given.length === 0) return {};
    // The stand-in has only zones among the scope objects; the other ids name nothing here (ParamProcessWorker's uuid check).
    const zone = existing(ref(ctx, given[0] === "zoneid" ? "zoneid" : given[0], given[0] === "zoneid" ? ctx.data.zones : []), "Zone");
    return { scope: "Zone", zoneId: zone.id };
}

/** validateConfigurationValue (ConfigurationManagerImpl.java@4.19.3.0:1189): the reason a value is refused, or undefined. */
function invalidValue(name: string, value: string | null, scope: Scope | undefined): string | undefined {
    const definition = SETTINGS[name];
    // :1198-1204 the setting's scope must include the one asked for.
    if (scope !== undefined && definition.scope !== scope) return `Invalid scope id provided for the parameter ${name}`;
    // :1221-1237 Integer/Long parse (a null value fails too, as parseInt(null) throws).
    const parses = (limit: number) => value !== null && /^[+-]?\d+$/.test(value) && Math.abs(Number(value)) <= limit;
    if (definition.type === "Integer" && !parses(2147483647)) return `There was error in trying to parse value: ${value}. Please enter a valid integer value for parameter ${name}`;
    if (definition.type === "Long" && !parses(Number.MAX_SAFE_INTEGER)) return `There was error in trying to parse value: ${value}. Please enter a valid long value for parameter ${name}`;
    // :545-572 configValuesForValidation, :1290-1293: these integers must be positive.
    if (POSITIVE.includes(name) && Number(value) <= 0) return `Please enter a positive value for the configuration parameter:${name}`;
    // :1239-1241 and :1264-1268: booleans are exactly "true" or "false".
    if (definition.type === "Boolean" && value?.trim() !== "true" && value?.trim() !== "false") return "Please enter either 'true' or 'false'.";
    return undefined;
}

export const configCommands: Commands = {
    listConfigurations: {
        optional: "name category zoneid clusterid storageid accountid domainid imagestoreuuid group subgroup parentid",
        run(ctx) {
            const { scope, zoneId } = scopeOf(ctx);
            // ManagementServerImpl.java@4.19.3.0:2254 name LIKE %name%; :2286 no Hidden settings; :2295 only the scope's settings.
            const filter = (ctx.params.name ?? "").toLowerCase();
            const names = Object.keys(ctx.data.configurations).filter(
                (name) => name.toLowerCase().includes(filter) && SETTINGS[name]?.category !== "Hidden" && (scope === undefined || SETTINGS[name]?.scope === scope),
            );
            return list("configuration", names.sort().map((name) => render(ctx.data, name, zoneId)));
        },
    },
    updateConfiguration: {
        required: "name",
        optional: "value zoneid clusterid storageid accountid domainid imagestoreuuid",
        run(ctx) {
            const { data, params } = ctx;
            const name = params.name;
            // :945-949
            if (!SETTINGS[name] || !(name in data.configurations)) throw paramError(`Config parameter with name ${name} doesn't exist`);
            // :958-960 no value: nothing changes.
            if (params.value === undefined) return object("configuration", render(data, name));
            const { scope, zoneId } = scopeOf(ctx);
            // :1004-1008 trimmed; empty or "null" is null globally, "" in a scope.
            let value: string | null = params.value.trim();
            if (value === "" || value === "null") value = zoneId === undefined ? null : "";
            const reason = invalidValue(name, value, scope);
            // :694-698
            if (reason) throw paramError(reason);
            if (zoneId !== undefined) data.zoneConfigurations[zoneId] = { ...data.zoneConfigurations[zoneId], [name]: value ?? "" };
            else data.configurations[name] = value ?? "";
            return object("configuration", render(data, name, zoneId));
        },
    },
};
