/**
 * Public IP ranges (createVlanIpRange / updateVlanIpRange / deleteVlanIpRange
 * in ConfigurationManagerImpl). `vlan=untagged` is stored as vlan://untagged;
 * addresses held by system VMs stay inside an updated range and block deletion.
 */
import { CallContext, Commands, existing, filterRows, list, object, optionalRef, ref, success } from "../command";
import { paramError } from "../errors";
import { inRange, ipToLong, isIpv4, netmaskBits, rangesOverlap, sameSubnet } from "../ip";
import { publicIpsInUse } from "../lifecycle";
import { live, markRemoved, newRow, StandInData, VlanRow } from "../store";

function renderVlan(data: StandInData, vlan: VlanRow) {
    return {
        id: vlan.id,
        forvirtualnetwork: true,
        zoneid: vlan.zoneId,
        vlan: vlan.vlan,
        gateway: vlan.gateway,
        netmask: vlan.netmask,
        startip: vlan.startip,
        endip: vlan.endip,
        physicalnetworkid: vlan.physicalNetworkId,
        forsystemvms: false,
        domain: "ROOT",
        zonename: data.zones.find((z) => z.id === vlan.zoneId)?.name,
    };
}

function checkRange(data: StandInData, vlan: Pick<VlanRow, "zoneId" | "gateway" | "netmask" | "startip" | "endip">, selfId?: string): void {
    for (const [name, value] of Object.entries({ gateway: vlan.gateway, netmask: vlan.netmask, startip: vlan.startip, endip: vlan.endip })) {
        if (!isIpv4(value)) throw paramError(`Please specify a valid ${name}: ${value ?? ""}`);
    }
    if (netmaskBits(vlan.netmask) === undefined || ipToLong(vlan.startip) > ipToLong(vlan.endip)) {
        throw paramError("Please specify a valid IP range or valid netmask or valid gateway");
    }
    if (!sameSubnet(vlan.startip, vlan.gateway, vlan.netmask) || !sameSubnet(vlan.endip, vlan.gateway, vlan.netmask)) {
        throw paramError("Please specify a valid IP range or valid netmask or valid gateway");
    }
    if (inRange(vlan.gateway, vlan.startip, vlan.endip)) throw paramError("The gateway shouldn't overlap start/end ip addresses");
    for (const other of live(data.vlans).filter((v) => v.zoneId === vlan.zoneId && v.id !== selfId)) {
        if (rangesOverlap(vlan.startip, vlan.endip, other.startip, other.endip)) {
            throw paramError("The IP range already has IPs that overlap with the new range. Please specify a different start IP/end IP.");
        }
    }
    for (const pod of live(data.pods).filter((p) => p.zoneId === vlan.zoneId)) {
        if (pod.ranges.some((r) => rangesOverlap(vlan.startip, vlan.endip, r.startip, r.endip))) {
            throw paramError(`The IP range overlaps with the reserved system IP range of pod ${pod.name}`);
        }
    }
}

function publicNetworkOf(ctx: CallContext, zoneId: string): string {
    const given = optionalRef(ctx, "physicalnetworkid", ctx.data.physicalNetworks);
    if (given) return existing(given, "Physical network").id;
    const networks = live(ctx.data.physicalNetworks).filter((p) => p.zoneId === zoneId);
    const withPublic = networks.find((p) => live(ctx.data.trafficTypes).some((t) => t.physicalNetworkId === p.id && t.traffictype === "Public"));
    if (!withPublic) throw paramError("Unable to find a physical network with the Public traffic type in the zone");
    return withPublic.id;
}

export const rangeCommands: Commands = {
    createVlanIpRange: {
        optional:
            "zoneid podid vlan gateway netmask startip endip forvirtualnetwork physicalnetworkid networkid account domainid projectid forsystemvms startipv6 endipv6 ip6gateway ip6cidr",
        run(ctx) {
            const { data, params } = ctx;
            if (!params.zoneid) throw paramError("Please specify a valid zone id");
            const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
            if (params.forvirtualnetwork !== "true") throw paramError("This stand-in only creates public ranges (forvirtualnetwork=true)");
            const tag = params.vlan ?? "untagged";
            if (tag !== "untagged" && !/^\d+$/.test(tag)) throw paramError(`Invalid vlan: ${tag}`);
            const vlan: VlanRow = {
                ...newRow(data),
                zoneId: zone.id,
                physicalNetworkId: publicNetworkOf(ctx, zone.id),
                vlan: `vlan://${tag}`,
                gateway: params.gateway,
                netmask: params.netmask,
                startip: params.startip,
                endip: params.endip ?? params.startip,
            };
            checkRange(data, vlan);
            data.vlans.push(vlan);
            return object("vlan", renderVlan(data, vlan));
        },
    },
    listVlanIpRanges: {
        optional: "id zoneid podid physicalnetworkid forvirtualnetwork vlan keyword networkid account domainid projectid",
        run(ctx) {
            // server/src/main/java/com/cloud/server/ManagementServerImpl.java@4.19.3.0:2350,2375-2376: forvirtualnetwork picks
            // VirtualNetwork or DirectAttached ranges; the stand-in's ranges are all public (VirtualNetwork) ones.
            const virtual = ctx.params.forvirtualnetwork === undefined ? undefined : ctx.params.forvirtualnetwork === "true";
            const rows = virtual === false ? [] : filterRows(ctx, ctx.data.vlans, { zoneid: "zoneId", physicalnetworkid: "physicalNetworkId" });
            return list("vlaniprange", rows.map((v) => renderVlan(ctx.data, v)));
        },
    },
    updateVlanIpRange: {
        required: "id",
        optional: "startip endip gateway netmask forsystemvms startipv6 endipv6 ip6gateway ip6cidr",
        run(ctx) {
            const { data, params } = ctx;
            const vlan = existing(ref(ctx, "id", data.vlans), "IP range");
            const inUse = publicIpsInUse(data, vlan.id).map((vm) => vm.publicip).sort((a, b) => ipToLong(a) - ipToLong(b));
            if (params.gateway && params.gateway !== vlan.gateway && inUse.length) throw paramError(`Unable to change gateway to ${params.gateway} because some IPs are in use`);
            if (params.netmask && params.netmask !== vlan.netmask && inUse.length) throw paramError(`Unable to change netmask to ${params.netmask} because some IPs are in use`);
            const next = { ...vlan, startip: params.startip ?? vlan.startip, endip: params.endip ?? vlan.endip, gateway: params.gateway ?? vlan.gateway, netmask: params.netmask ?? vlan.netmask };
            checkRange(data, next, vlan.id);
            if (inUse.some((ip) => !inRange(ip, next.startip, next.endip))) {
                throw paramError(
                    `The start IP address must be less than or equal to ${inUse[0]} which is already in use. ` +
                        `The end IP address must be greater than or equal to ${inUse[inUse.length - 1]} which is already in use. ` +
                        `There are ${inUse.length} IPs already allocated in this range.`,
                );
            }
            Object.assign(vlan, { startip: next.startip, endip: next.endip, gateway: next.gateway, netmask: next.netmask });
            return object("vlan", renderVlan(data, vlan));
        },
    },
    deleteVlanIpRange: {
        required: "id",
        run(ctx) {
            const vlan = existing(ref(ctx, "id", ctx.data.vlans), "IP range");
            const inUse = publicIpsInUse(ctx.data, vlan.id).length;
            if (inUse > 0) throw paramError(`${inUse}  Ips are in use. Cannot delete this vlan`);
            markRemoved(vlan);
            return success;
        },
    },
};
