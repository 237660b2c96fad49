/**
 * A physical network with everything a zone needs on it, in the order the
 * 4.19 server accepts (reference §2.2): createPhysicalNetwork, one
 * addTrafficType per traffic type with its KVM label, the VirtualRouter,
 * VpcVirtualRouter and InternalLbVm providers enabled element first, then one
 * updatePhysicalNetwork that enables it with its VNI range. An object left
 * half-built by an interrupted run is adopted and finished; labels and the
 * VNI range change in place (updateTrafficType, updatePhysicalNetwork).
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs, sameValue } from "../resource";
import { InputChecks } from "../validate";

export type TrafficType = "Management" | "Guest" | "Public" | "Storage";

export interface TrafficLabel {
    type: TrafficType;
    /** Bridge or NIC name on the KVM hosts. */
    kvmLabel: string;
}

export interface PhysicalNetworkInputs extends ObjectInputs {
    zoneId: string;
    name: string;
    isolationMethod: "VXLAN" | "VLAN";
    vniStart: number;
    vniEnd: number;
    trafficTypes: TrafficLabel[];
    /** Always "Enabled" (set by check) so that a network disabled behind our back shows as drift. */
    state?: "Enabled";
    /** Always the three providers (set by check), for the same reason. */
    enabledProviders?: string[];
}

interface NetworkView {
    id: string;
    name: string;
    zoneid: string;
    isolationmethods?: string;
    vlan?: string;
    state: string;
    traffic: { id: string; traffictype: TrafficType; kvmnetworklabel?: string }[];
    providers: { id: string; name: string; state: string }[];
}

/** Provider name → the element API that must enable it first. */
const PROVIDERS: Record<string, { list: string; configure: string }> = {
    InternalLbVm: { list: "listInternalLoadBalancerElements", configure: "configureInternalLoadBalancerElement" },
    VirtualRouter: { list: "listVirtualRouterElements", configure: "configureVirtualRouterElement" },
    VpcVirtualRouter: { list: "listVirtualRouterElements", configure: "configureVirtualRouterElement" },
};
const PROVIDER_NAMES = Object.keys(PROVIDERS);
const TRAFFIC_TYPES: TrafficType[] = ["Guest", "Management", "Public", "Storage"];
const MAX_VXLAN_VNI = 16777214;
/** Each VNI becomes a database row; more than this is almost surely a typo. */
const MAX_RANGE_SIZE = 16384;

const vniRange = (inputs: PhysicalNetworkInputs) => `${inputs.vniStart}-${inputs.vniEnd}`;

function parseVlan(vlan: string | undefined): { vniStart?: number; vniEnd?: number } {
    const match = /^(\d+)-(\d+)$/.exec(vlan ?? "");
    return match ? { vniStart: Number(match[1]), vniEnd: Number(match[2]) } : {};
}

/** Traffic types as the inputs list them; a Storage type the server added itself (zone enable) is not drift. */
function observedTraffic(view: NetworkView, inputs: PhysicalNetworkInputs): TrafficLabel[] {
    const management = view.traffic.find((t) => t.traffictype === "Management");
    return view.traffic
        .filter((t) => !(t.traffictype === "Storage" && !inputs.trafficTypes.some((i) => i.type === "Storage") && t.kvmnetworklabel === management?.kvmnetworklabel))
        .map((t) => ({ type: t.traffictype, kvmLabel: t.kvmnetworklabel ?? "" }))
        .sort((a, b) => a.type.localeCompare(b.type));
}

type TrafficView = NetworkView["traffic"][number];
type ProviderView = NetworkView["providers"][number];

const trafficOf = (api: CloudStackClient, id: string) => api.list<TrafficView>("listTrafficTypes", { physicalnetworkid: id });
const providersOf = (api: CloudStackClient, id: string) => api.list<ProviderView>("listNetworkServiceProviders", { physicalnetworkid: id });
const networkById = async (api: CloudStackClient, id: string) => (await api.list<Omit<NetworkView, "traffic" | "providers">>("listPhysicalNetworks", { id }))[0];

/** The network's traffic type of this kind, read again (a lost answer is checked against it). */
async function trafficNow(api: CloudStackClient, networkId: string, type: TrafficType): Promise<TrafficView | undefined> {
    return (await trafficOf(api, networkId)).find((t) => t.traffictype === type);
}

async function enableProvider(api: CloudStackClient, view: NetworkView, name: string): Promise<void> {
    const provider = view.providers.find((p) => p.name.toLowerCase() === name.toLowerCase());
    if (!provider) throw new Error(`physical network ${view.name} has no ${name} provider; CloudStack adds it when the network is created`);
    if (provider.state === "Enabled") return;
    const element = (await api.list<{ id: string; enabled: boolean }>(PROVIDERS[name].list, { nspid: provider.id }))[0];
    if (!element) throw new Error(`the ${name} provider of physical network ${view.name} has no element to configure`);
    // 4.19 refuses to enable a provider whose element is not enabled yet.
    if (!element.enabled) {
        await applyOnce(api, {
            command: PROVIDERS[name].configure,
            params: { id: element.id, enabled: "true" },
            tookEffect: async () => Boolean((await api.list<{ id: string; enabled: boolean }>(PROVIDERS[name].list, { id: element.id }))[0]?.enabled),
        });
    }
    await applyOnce(api, {
        command: "updateNetworkServiceProvider",
        params: { id: provider.id, state: "Enabled" },
        tookEffect: async () => (await providersOf(api, view.id)).some((p) => p.id === provider.id && p.state === "Enabled"),
    });
}

/** Makes the network match the inputs: traffic types, providers, VNI range and state. */
async function reconcile(api: CloudStackClient, id: string, inputs: PhysicalNetworkInputs, view: NetworkView): Promise<void> {
    for (const wanted of inputs.trafficTypes) {
        const existing = view.traffic.find((t) => t.traffictype === wanted.type);
        if (!existing) {
            await applyOnce(api, {
                command: "addTrafficType",
                params: { physicalnetworkid: id, traffictype: wanted.type, kvmnetworklabel: wanted.kvmLabel },
                tookEffect: async () => (await trafficNow(api, id, wanted.type)) !== undefined,
            });
        } else if ((existing.kvmnetworklabel ?? "") !== wanted.kvmLabel) {
            await applyOnce(api, {
                command: "updateTrafficType",
                params: { id: existing.id, kvmnetworklabel: wanted.kvmLabel },
                tookEffect: async () => (await trafficNow(api, id, wanted.type))?.kvmnetworklabel === wanted.kvmLabel,
            });
        }
    }
    const extra = observedTraffic(view, inputs).filter((t) => !inputs.trafficTypes.some((i) => i.type === t.type));
    for (const traffic of extra) {
        await applyOnce(api, {
            command: "deleteTrafficType",
            params: { id: view.traffic.find((t) => t.traffictype === traffic.type)?.id as string },
            tookEffect: gone(() => trafficNow(api, id, traffic.type)),
        });
    }
    for (const name of PROVIDER_NAMES) await enableProvider(api, view, name);
    const params: Record<string, string> = {};
    if (view.vlan !== vniRange(inputs)) params.vlan = vniRange(inputs);
    if (view.state !== "Enabled") params.state = "Enabled";
    if (Object.keys(params).length) {
        await applyOnce(api, {
            command: "updatePhysicalNetwork",
            params: { id, ...params },
            tookEffect: async () => {
                const now = await networkById(api, id);
                return (params.vlan === undefined || now?.vlan === params.vlan) && (params.state === undefined || now?.state === params.state);
            },
        });
    }
}

export const provider = defineProvider<PhysicalNetworkInputs, NetworkView>({
    describe: (inputs) => `physical network "${inputs.name}"`,
    check(raw) {
        const inputs: PhysicalNetworkInputs = {
            ...raw,
            trafficTypes: [...(raw.trafficTypes ?? [])].sort((a, b) => a.type.localeCompare(b.type)),
            state: "Enabled",
            enabledProviders: PROVIDER_NAMES,
        };
        const checks = new InputChecks().connection(inputs.connection).text("name", inputs.name).oneOf("isolationMethod", inputs.isolationMethod, ["VXLAN", "VLAN"]);
        const max = inputs.isolationMethod === "VLAN" ? 4094 : MAX_VXLAN_VNI;
        checks.integer("vniStart", inputs.vniStart, inputs.isolationMethod === "VLAN" ? 1 : 0, max).integer("vniEnd", inputs.vniEnd, inputs.vniStart ?? 0, max);
        if (inputs.vniEnd - inputs.vniStart + 1 > MAX_RANGE_SIZE) {
            checks.fail("vniEnd", `the VNI range ${vniRange(inputs)} has ${inputs.vniEnd - inputs.vniStart + 1} VNIs; at most ${MAX_RANGE_SIZE} are allowed (each is a database row)`);
        }
        inputs.trafficTypes.forEach((t, i) => {
            checks.oneOf(`trafficTypes[${i}].type`, t.type, TRAFFIC_TYPES).text(`trafficTypes[${i}].kvmLabel`, t.kvmLabel, "a bridge or NIC name such as cloudbr0");
            if (inputs.trafficTypes.findIndex((o) => o.type === t.type) !== i) checks.fail(`trafficTypes[${i}].type`, `traffic type ${t.type} is listed twice`);
        });
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "name", "isolationMethod"],
    updatable: ["vniStart", "vniEnd", "trafficTypes", "state", "enabledProviders"],
    async find(api, inputs) {
        // The name filter matches substrings; only the exact name counts.
        const networks = await api.list<{ id: string; name: string }>("listPhysicalNetworks", { zoneid: inputs.zoneId, name: inputs.name });
        const same = networks.filter((n) => n.name.toLowerCase() === inputs.name.toLowerCase());
        if (same.length > 1) throw new Error(`zone ${inputs.zoneId} has ${same.length} physical networks named "${inputs.name}"; remove the extra ones first`);
        return same[0] ? this.get(api, same[0].id, inputs) : undefined;
    },
    async get(api, id) {
        const network = await networkById(api, id);
        if (!network) return undefined;
        return { ...network, traffic: await trafficOf(api, id), providers: await providersOf(api, id) };
    },
    observe: (view, inputs) => ({
        zoneId: view.zoneid,
        name: view.name,
        isolationMethod: view.isolationmethods as PhysicalNetworkInputs["isolationMethod"],
        ...parseVlan(view.vlan),
        trafficTypes: observedTraffic(view, inputs),
        state: view.state as "Enabled",
        enabledProviders: PROVIDER_NAMES.filter((n) => view.providers.some((p) => p.name.toLowerCase() === n.toLowerCase() && p.state === "Enabled")),
    }),
    conflicts(view, inputs) {
        // Missing parts are finished, not conflicts: only values set differently are.
        const problems: string[] = [];
        if (view.isolationmethods && view.isolationmethods !== inputs.isolationMethod) problems.push(`isolation method is ${view.isolationmethods}, not ${inputs.isolationMethod}`);
        if (view.vlan && view.vlan !== vniRange(inputs)) problems.push(`VNI range is ${view.vlan}, not ${vniRange(inputs)}`);
        for (const t of view.traffic) {
            const wanted = inputs.trafficTypes.find((i) => i.type === t.traffictype);
            if (wanted && !sameValue(wanted.kvmLabel, t.kvmnetworklabel)) problems.push(`traffic type ${t.traffictype} has KVM label ${t.kvmnetworklabel ?? "(none)"}, not ${wanted.kvmLabel}`);
        }
        for (const extra of observedTraffic(view, inputs).filter((t) => !inputs.trafficTypes.some((i) => i.type === t.type))) {
            problems.push(`it carries traffic type ${extra.type}, which the configuration does not list`);
        }
        return problems;
    },
    async create(api, inputs) {
        const result = await api.job("createPhysicalNetwork", { zoneid: inputs.zoneId, name: inputs.name, isolationmethods: inputs.isolationMethod });
        return String((result.physicalnetwork as { id: string }).id);
    },
    complete: reconcile,
    async remove(api, id) {
        await applyOnce(api, { command: "deletePhysicalNetwork", params: { id }, tookEffect: gone(() => networkById(api, id)) });
    },
});

export class PhysicalNetwork extends CloudStackResource {
    declare readonly zoneId: pulumi.Output<string>;
    declare readonly name: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<PhysicalNetworkInputs, "connection" | "state" | "enabledProviders">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("physicalNetwork", "PhysicalNetwork", name, args, ["state", "enabledProviders"], opts);
    }
}
