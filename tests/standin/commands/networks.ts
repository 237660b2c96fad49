/**
 * Physical networks, traffic types, network service providers and their
 * elements (NetworkServiceImpl), with the 4.19 rules: no physical network in
 * an Enabled zone (531), one isolation method, VNI ranges checked only at
 * updatePhysicalNetwork (job 431) while createPhysicalNetwork says only
 * "Fail to create a physical network" (530), Management/Public/Storage once
 * per zone, and an element enabled before its provider.
 */
import { asyncJob, CallContext, Commands, existing, filterRows, list, object, oneOf, ref, Reply, sameName, success } from "../command";
import { internalError, paramError, permissionError } from "../errors";
import { ElementRow, live, markRemoved, newRow, PhysicalNetworkRow, ProviderRow, StandInData, TrafficTypeName, TrafficTypeRow } from "../store";

const MAX_VXLAN_VNI = 16777214;
const MAX_VLAN = 4095;
const DEFAULT_PROVIDERS = ["VirtualRouter", "SecurityGroupProvider", "VpcVirtualRouter", "InternalLbVm", "ConfigDrive", "BaremetalDhcpProvider", "BaremetalPxeProvider", "BaremetalUserdataProvider", "Tungsten"];
const ELEMENT_KINDS: ElementRow["kind"][] = ["VirtualRouter", "VpcVirtualRouter", "InternalLbVm"];

function renderNetwork(data: StandInData, network: PhysicalNetworkRow) {
    const zone = data.zones.find((z) => z.id === network.zoneId);
    return {
        id: network.id,
        name: network.name,
        zoneid: network.zoneId,
        zonename: zone?.name,
        state: network.state,
        isolationmethods: network.isolationmethods,
        vlan: network.vlan,
        tags: network.tags,
        broadcastdomainrange: "ZONE",
    };
}

const renderTraffic = (t: TrafficTypeRow) => ({ id: t.id, traffictype: t.traffictype, physicalnetworkid: t.physicalNetworkId, kvmnetworklabel: t.kvmnetworklabel });
const renderProvider = (p: ProviderRow) => ({ id: p.id, name: p.name, physicalnetworkid: p.physicalNetworkId, state: p.state, canenableindividualservice: true });
const renderElement = (e: ElementRow) => ({ id: e.id, nspid: e.nspId, enabled: e.enabled, account: "system" });

/** The VNI/VLAN ranges of `vlan` ("5000-6000,7000-7100"), or a reason it is invalid. */
function parseRanges(vlan: string, isolation: string): [number, number][] | string {
    // validateVlanRange's case-sensitive contains("VXLAN"): lower-case "vxlan" gets the VLAN limit.
    const max = isolation.includes("VXLAN") ? MAX_VXLAN_VNI : MAX_VLAN;
    const ranges: [number, number][] = [];
    for (const part of vlan.split(",")) {
        const match = /^(\d+)-(\d+)$/.exec(part.trim());
        if (!match) return `Please provide valid vnet range between ${isolation.includes("VXLAN") ? "0" : "1"} and ${max}; a single VNI is written n-n`;
        const start = Number(match[1]);
        const end = Number(match[2]);
        if (start > end || end > max) return `Please specify a valid vnet range between 0-${max}`;
        ranges.push([start, end]);
    }
    return ranges;
}

/** VNI uniqueness in the zone, checked (as in 4.19) only at each range's start and end. */
function vniClash(data: StandInData, network: PhysicalNetworkRow, ranges: [number, number][]): string | undefined {
    const others = live(data.physicalNetworks).filter((p) => p.zoneId === network.zoneId && p.id !== network.id && p.vlan);
    for (const other of others) {
        const taken = parseRanges(other.vlan as string, other.isolationmethods);
        if (typeof taken === "string") continue;
        for (const [start, end] of ranges) {
            if (taken.some(([a, b]) => (start >= a && start <= b) || (end >= a && end <= b))) {
                return `The VNI range ${start}-${end} is already used by physical network ${other.name} in this zone`;
            }
        }
    }
    return undefined;
}

function addTrafficType(ctx: CallContext): Reply {
    const { data, params } = ctx;
    const network = existing(ref(ctx, "physicalnetworkid", data.physicalNetworks), "Physical network");
    const type = params.traffictype as TrafficTypeName;
    if (!["Guest", "Management", "Public", "Storage"].includes(type)) {
        throw paramError(`Unable to resolve trafficType '${type}' to a supported value; use Guest, Management, Public or Storage`);
    }
    const onNetwork = live(data.trafficTypes).filter((t) => t.physicalNetworkId === network.id);
    if (onNetwork.some((t) => t.traffictype === type)) throw paramError(`This physical network already supports the traffic type: ${type}`);
    if (type !== "Guest") {
        const zoneNetworks = live(data.physicalNetworks).filter((p) => p.zoneId === network.zoneId).map((p) => p.id);
        if (live(data.trafficTypes).some((t) => t.traffictype === type && zoneNetworks.includes(t.physicalNetworkId))) {
            throw paramError(`Fail to add the traffic type to physical network because Zone already has a physical network with this traffic type: ${type}`);
        }
    }
    const row: TrafficTypeRow = { ...newRow(data), physicalNetworkId: network.id, traffictype: type, kvmnetworklabel: params.kvmnetworklabel };
    data.trafficTypes.push(row);
    return asyncJob(() => object("traffictype", renderTraffic(row)), row.id);
}

function configureElement(ctx: CallContext, kinds: ElementRow["kind"][], objectName: string): Reply {
    const element = ref(ctx, "id", ctx.data.elements);
    if (!kinds.includes(element.kind)) throw paramError(`Unable to find the element with id ${element.id}`);
    const enabled = ctx.params.enabled === "true";
    return asyncJob(() => {
        element.enabled = enabled;
        return object(objectName, renderElement(element));
    });
}

function listElements(ctx: CallContext, kinds: ElementRow["kind"][], objectName: string): Reply {
    const rows = filterRows(ctx, ctx.data.elements, { nspid: "nspId" }).filter(
        (e) => kinds.includes(e.kind) && (ctx.params.enabled === undefined || String(e.enabled) === ctx.params.enabled),
    );
    return list(objectName, rows.map(renderElement));
}

function removeNetwork(data: StandInData, network: PhysicalNetworkRow): void {
    for (const vlan of live(data.vlans).filter((v) => v.physicalNetworkId === network.id)) markRemoved(vlan);
    for (const traffic of live(data.trafficTypes).filter((t) => t.physicalNetworkId === network.id)) markRemoved(traffic);
    for (const provider of live(data.providers).filter((p) => p.physicalNetworkId === network.id)) {
        for (const element of live(data.elements).filter((e) => e.nspId === provider.id)) markRemoved(element);
        markRemoved(provider);
    }
    markRemoved(network);
}

export const networkCommands: Commands = {
    createPhysicalNetwork: {
        required: "zoneid name",
        optional: "isolationmethods vlan tags broadcastdomainrange networkspeed domainid",
        run(ctx) {
            const { data, params } = ctx;
            const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
            if (zone.allocationstate === "Enabled") {
                throw permissionError(`Cannot create PhysicalNetwork since the Zone is currently enabled, zone Id: ${zone.dbId}`);
            }
            const isolation = params.isolationmethods ?? "VLAN";
            if (isolation.split(",").length > 1) throw paramError("Only one isolationMethod can be specified for a physical network at this time");
            if ((params.tags ?? "").split(",").length > 1) throw paramError("Only one tag can be specified for a physical network at this time");
            if (params.vlan !== undefined && typeof parseRanges(params.vlan, isolation) === "string") throw internalError("Fail to create a physical network");
            const network: PhysicalNetworkRow = { ...newRow(data), zoneId: zone.id, name: params.name, isolationmethods: isolation, vlan: params.vlan, state: "Disabled", tags: params.tags };
            data.physicalNetworks.push(network);
            for (const name of DEFAULT_PROVIDERS) {
                const provider: ProviderRow = { ...newRow(data), physicalNetworkId: network.id, name, state: name === "ConfigDrive" ? "Enabled" : "Disabled" };
                data.providers.push(provider);
                const kind = ELEMENT_KINDS.find((k) => k === name);
                if (kind) data.elements.push({ ...newRow(data), nspId: provider.id, kind, enabled: false });
            }
            return asyncJob(() => object("physicalnetwork", renderNetwork(data, network)), network.id);
        },
    },
    listPhysicalNetworks: {
        optional: "id zoneid name keyword",
        run(ctx) {
            // The name filter is LIKE %name%, as in the source.
            const rows = filterRows(ctx, ctx.data.physicalNetworks, { zoneid: "zoneId" }).filter(
                (p) => ctx.params.name === undefined || p.name.toLowerCase().includes(ctx.params.name.toLowerCase()),
            );
            return list("physicalnetwork", rows.map((p) => renderNetwork(ctx.data, p)));
        },
    },
    updatePhysicalNetwork: {
        required: "id",
        optional: "state vlan tags networkspeed removevlan",
        run(ctx) {
            const { data, params } = ctx;
            const network = existing(ref(ctx, "id", data.physicalNetworks), "Physical network");
            return asyncJob(() => {
                if (params.state !== undefined && !["Enabled", "Disabled"].includes(params.state)) {
                    throw paramError(`Unable to resolve state '${params.state}' to a supported value {Enabled or Disabled}`);
                }
                if (params.vlan !== undefined) {
                    const ranges = parseRanges(params.vlan, network.isolationmethods);
                    if (typeof ranges === "string") throw paramError(ranges);
                    const clash = vniClash(data, network, ranges);
                    if (clash) throw paramError(clash);
                    network.vlan = params.vlan;
                }
                if (params.state !== undefined) network.state = params.state as PhysicalNetworkRow["state"];
                if (params.tags !== undefined) network.tags = params.tags;
                return object("physicalnetwork", renderNetwork(data, network));
            });
        },
    },
    deletePhysicalNetwork: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const network = ref(ctx, "id", data.physicalNetworks);
            return asyncJob(() => {
                existing(network, "Physical network");
                const vlans = live(data.vlans).filter((v) => v.physicalNetworkId === network.id).map((v) => v.id);
                if (live(data.systemVms).some((vm) => vlans.includes(vm.publicVlanId))) {
                    throw internalError("The Physical Network is not deletable because there are public IP addresses allocated for this physical network");
                }
                removeNetwork(data, network);
                return success;
            });
        },
    },
    addTrafficType: {
        required: "physicalnetworkid traffictype",
        optional: "kvmnetworklabel xennetworklabel vmwarenetworklabel hypervnetworklabel ovm3networklabel isolationmethod vlan",
        run: addTrafficType,
    },
    listTrafficTypes: {
        required: "physicalnetworkid",
        optional: "keyword",
        run(ctx) {
            return list("traffictype", filterRows(ctx, ctx.data.trafficTypes, { physicalnetworkid: "physicalNetworkId" }).map(renderTraffic));
        },
    },
    updateTrafficType: {
        required: "id",
        optional: "kvmnetworklabel xennetworklabel vmwarenetworklabel hypervnetworklabel ovm3networklabel",
        run(ctx) {
            const traffic = existing(ref(ctx, "id", ctx.data.trafficTypes), "Traffic type");
            return asyncJob(() => {
                if (ctx.params.kvmnetworklabel !== undefined) traffic.kvmnetworklabel = ctx.params.kvmnetworklabel;
                return object("traffictype", renderTraffic(traffic));
            });
        },
    },
    deleteTrafficType: {
        required: "id",
        run(ctx) {
            const traffic = ref(ctx, "id", ctx.data.trafficTypes);
            return asyncJob(() => {
                markRemoved(existing(traffic, "Traffic type"));
                return success;
            });
        },
    },
    listNetworkServiceProviders: {
        optional: "physicalnetworkid name state keyword",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.providers, { physicalnetworkid: "physicalNetworkId", state: "state" }).filter(
                (p) => ctx.params.name === undefined || sameName(p.name, ctx.params.name),
            );
            return list("networkserviceprovider", rows.map(renderProvider));
        },
    },
    updateNetworkServiceProvider: {
        required: "id",
        optional: "state servicelist",
        run(ctx) {
            const { data, params } = ctx;
            const provider = existing(ref(ctx, "id", data.providers), "Network service provider");
            return asyncJob(() => {
                if (params.state === undefined) return object("networkserviceprovider", renderProvider(provider));
                const state = oneOf(ctx, "state", ["Enabled", "Disabled"] as const);
                const element = live(data.elements).find((e) => e.nspId === provider.id);
                if (state === "Enabled" && element && !element.enabled) {
                    throw internalError("Provider is not ready, cannot Enable the provider, please configure the provider first");
                }
                provider.state = state;
                return object("networkserviceprovider", renderProvider(provider));
            });
        },
    },
    listVirtualRouterElements: {
        optional: "id nspid enabled keyword",
        run: (ctx) => listElements(ctx, ["VirtualRouter", "VpcVirtualRouter"], "virtualrouterelement"),
    },
    configureVirtualRouterElement: {
        required: "id enabled",
        run: (ctx) => configureElement(ctx, ["VirtualRouter", "VpcVirtualRouter"], "virtualrouterelement"),
    },
    listInternalLoadBalancerElements: {
        optional: "id nspid enabled keyword",
        run: (ctx) => listElements(ctx, ["InternalLbVm"], "internalloadbalancerelement"),
    },
    configureInternalLoadBalancerElement: {
        required: "id enabled",
        run: (ctx) => configureElement(ctx, ["InternalLbVm"], "internalloadbalancerelement"),
    },
};
