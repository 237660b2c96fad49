/** Zones: createZone, listZones, updateZone, deleteZone (ConfigurationManagerImpl). */
import { CallContext, Commands, existing, filterRows, list, object, oneOf, ref, sameName, success } from "../command";
import { internalError, paramError } from "../errors";
import { settingIn } from "./config";
import { ipToLong, isIpv4 } from "../ip";
import { live, markRemoved, newRow, StandInData, ZoneRow } from "../store";

export function renderZone(data: StandInData, zone: ZoneRow) {
    return {
        id: zone.id,
        name: zone.name,
        dns1: zone.dns1,
        dns2: zone.dns2,
        internaldns1: zone.internaldns1,
        internaldns2: zone.internaldns2,
        guestcidraddress: zone.guestcidraddress,
        domain: zone.domain,
        networktype: zone.networktype,
        securitygroupsenabled: zone.securitygroupsenabled ?? false,
        allocationstate: zone.allocationstate,
        localstorageenabled: zone.localstorageenabled,
        dhcpprovider: "VirtualRouter",
        type: "Core",
        tags: [],
        // server/src/main/java/com/cloud/api/query/dao/DataCenterJoinDaoImpl.java@4.19.3.0:126-127
        routerprivateinterfacemaxmtu: Number(settingIn(data, "vr.private.interface.max.mtu", zone.id)),
        routerpublicinterfacemaxmtu: Number(settingIn(data, "vr.public.interface.max.mtu", zone.id)),
    };
}

/** `a` (address/prefix) lies within `b`, as NetUtils.isNetworkAWithinNetworkB compares them. */
function cidrWithin(a: [string, number], b: [string, number]): boolean {
    if (a[1] < b[1]) return false;
    const mask = b[1] === 0 ? 0 : (0xffffffff << (32 - b[1])) >>> 0;
    return ((ipToLong(a[0]) & mask) >>> 0) === ((ipToLong(b[0]) & mask) >>> 0);
}

/**
 * NetUtils.validateGuestCidr (utils/src/main/java/com/cloud/utils/net/NetUtils.java@4.19.3.0:1141): a valid IPv4 CIDR (:570, prefix 0-32) inside 10/8, 172.16/12,
 * 192.168/16 or 100.64/10 (:1151); ConfigurationManagerImpl.java@4.19.3.0:2702 (editZone) and :2871 (createZone)
 * refuse anything else with this text.
 */
export function checkGuestCidr(cidr: string): void {
    const [address, bits, extra] = cidr.split("/");
    const prefix = /^\d+$/.test(bits ?? "") ? Number(bits) : -1;
    const blocks: [string, number][] = [["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["100.64.0.0", 10]];
    const ok = extra === undefined && isIpv4(address) && prefix >= 0 && prefix <= 32 && blocks.some((block) => cidrWithin([address, prefix], block));
    if (!ok) throw paramError("Please enter a valid guest cidr");
}

function checkDns(ctx: CallContext, names: string[]): void {
    for (const name of names) {
        const value = ctx.params[name];
        if (value !== undefined && value !== "" && !isIpv4(value)) throw paramError(`Please enter a valid IP address for ${name}: ${value}`);
    }
}

/**
 * updateZone allocationstate=Enabled (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:2796-2821):
 * an Advanced zone without security groups needs one physical network with Management and one with Public traffic
 * (NetworkModelImpl.getDefaultPhysicalNetworkByZoneAndTrafficType, server/src/main/java/com/cloud/network/NetworkModelImpl.java@4.19.3.0:1291),
 * else 431 "Cannot enable this Zone since: <reason>"; a missing Storage type is added on the Management network (:2808-2815).
 */
function checkEnable(data: StandInData, zone: ZoneRow): void {
    const networks = live(data.physicalNetworks).filter((p) => p.zoneId === zone.id);
    const traffic = live(data.trafficTypes).filter((t) => networks.some((p) => p.id === t.physicalNetworkId));
    // :2803 an Advanced zone with security groups needs no Public traffic.
    const needed = zone.networktype === "Advanced" && !zone.securitygroupsenabled ? ["Management", "Public"] : ["Management"];
    for (const type of needed) {
        if (!traffic.some((t) => t.traffictype === type)) {
            throw paramError(`Cannot enable this Zone since: Unable to find the default physical network with traffic=${type} in the specified zone id`);
        }
    }
    if (!traffic.some((t) => t.traffictype === "Storage")) {
        const management = traffic.find((t) => t.traffictype === "Management");
        if (management) data.trafficTypes.push({ ...newRow(data), physicalNetworkId: management.physicalNetworkId, traffictype: "Storage", kvmnetworklabel: management.kvmnetworklabel });
    }
}

/** checkIfZoneIsDeletable, in the source's order. */
function zoneBlocker(data: StandInData, zone: ZoneRow): string | undefined {
    const inZone = <T extends { zoneId: string; removed?: string }>(rows: T[]) => rows.some((r) => !r.removed && r.zoneId === zone.id);
    if (inZone(data.hosts)) return "there are servers in this zone.";
    if (inZone(data.pods)) return "there are pods in this zone.";
    if (inZone(data.systemVms)) return "there are private IP addresses allocated in this zone.";
    if (inZone(data.physicalNetworks)) return "there are physical networks in this zone.";
    if (inZone(data.imageStores)) return "there are Secondary storages in this zone";
    return undefined;
}

export const zoneCommands: Commands = {
    createZone: {
        required: "name dns1 internaldns1 networktype",
        optional: "dns2 internaldns2 ip6dns1 ip6dns2 guestcidraddress domain domainid securitygroupenabled localstorageenabled allocationstate isedge",
        run(ctx) {
            const { data, params } = ctx;
            const networktype = oneOf(ctx, "networktype", ["Basic", "Advanced"] as const);
            checkDns(ctx, ["dns1", "dns2", "internaldns1", "internaldns2"]);
            if (params.guestcidraddress) checkGuestCidr(params.guestcidraddress);
            if (live(data.zones).some((z) => sameName(z.name, params.name))) {
                throw paramError("A zone with that name already exists. Please specify a unique zone name.");
            }
            const allocationstate = oneOf(ctx, "allocationstate", ["Enabled", "Disabled"] as const, "Disabled");
            const zone: ZoneRow = {
                ...newRow(data),
                name: params.name,
                dns1: params.dns1,
                dns2: params.dns2,
                internaldns1: params.internaldns1,
                internaldns2: params.internaldns2,
                networktype,
                guestcidraddress: params.guestcidraddress,
                domain: params.domain,
                allocationstate,
                localstorageenabled: params.localstorageenabled === "true",
                // ConfigurationManagerImpl.java@4.19.3.0:3009,3040-3042: BOOLEAN binding (Boolean.valueOf), always on in a Basic zone.
                securitygroupsenabled: networktype === "Basic" || params.securitygroupenabled === "true",
            };
            data.zones.push(zone);
            return object("zone", renderZone(data, zone));
        },
    },
    listZones: {
        optional: "id name available keyword networktype showcapacities tags domainid showicon showresourceicon",
        run(ctx) {
            const zones = filterRows(ctx, ctx.data.zones, {}).filter((z) => ctx.params.name === undefined || sameName(z.name, ctx.params.name));
            return list("zone", zones.map((z) => renderZone(ctx.data, z)));
        },
    },
    updateZone: {
        required: "id",
        optional: "name dns1 dns2 internaldns1 internaldns2 ip6dns1 ip6dns2 guestcidraddress domain allocationstate dhcpprovider ispublic details sortkey",
        run(ctx) {
            const { data, params } = ctx;
            const zone = existing(ref(ctx, "id", data.zones), "Zone");
            checkDns(ctx, ["dns1", "dns2", "internaldns1", "internaldns2"]);
            if (params.guestcidraddress) checkGuestCidr(params.guestcidraddress);
            if (params.name && !sameName(params.name, zone.name) && live(data.zones).some((z) => sameName(z.name, params.name))) {
                throw paramError("A zone with that name already exists. Please specify a unique zone name.");
            }
            if (params.allocationstate !== undefined) {
                const state = oneOf(ctx, "allocationstate", ["Enabled", "Disabled"] as const);
                if (state === "Enabled" && zone.allocationstate !== "Enabled") checkEnable(data, zone);
                zone.allocationstate = state;
            }
            for (const key of ["name", "dns1", "dns2", "internaldns1", "internaldns2", "guestcidraddress", "domain"] as const) {
                if (params[key] !== undefined) zone[key] = params[key];
            }
            return object("zone", renderZone(data, zone));
        },
    },
    deleteZone: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const zone = existing(ref(ctx, "id", data.zones), "Zone");
            const blocker = zoneBlocker(data, zone);
            if (blocker) throw internalError(`The zone cannot be deleted because ${blocker}`);
            // Deleting the zone also removes its VLAN ranges.
            for (const vlan of live(data.vlans).filter((v) => v.zoneId === zone.id)) markRemoved(vlan);
            data.templates = data.templates.filter((t) => t.zoneId !== zone.id);
            // The zone's own settings (data_center_details) go with it.
            delete data.zoneConfigurations[zone.id];
            markRemoved(zone);
            return success;
        },
    },
};

