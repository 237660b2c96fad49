/** Zones: createZone, listZones, updateZone, deleteZone (ConfigurationManagerImpl). */
import { CallContext, Commands, existing, filterRows, list, object, oneOf, ref, sameName, success } from "../command";
import { internalError, paramError } from "../errors";
import { isIpv4 } from "../ip";
import { live, markRemoved, newRow, StandInData, ZoneRow } from "../store";

export function renderZone(zone: ZoneRow) {
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
        securitygroupsenabled: false,
        allocationstate: zone.allocationstate,
        localstorageenabled: zone.localstorageenabled,
        dhcpprovider: "VirtualRouter",
        type: "Core",
        tags: [],
    };
}

/** NetUtils.validateGuestCidr: RFC 1918 or RFC 6598 (100.64/10) networks only. */
function checkGuestCidr(cidr: string): void {
    const [address, bits] = cidr.split("/");
    const prefix = Number(bits);
    const ok =
        isIpv4(address) &&
        Number.isInteger(prefix) &&
        prefix >= 8 &&
        prefix <= 30 &&
        [/^10\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./].some((re) => re.test(address));
    if (!ok) throw paramError(`The guest CIDR ${cidr} is not RFC 1918 or RFC 6598 compliant`);
}

function checkDns(ctx: CallContext, names: string[]): void {
    for (const name of names) {
        const value = ctx.params[name];
        if (value !== undefined && value !== "" && !isIpv4(value)) throw paramError(`Please enter a valid IP address for ${name}: ${value}`);
    }
}

/** updateZone allocationstate=Enabled: Management and Public traffic must exist; a missing Storage type is added on the Management network. */
function checkEnable(data: StandInData, zone: ZoneRow): void {
    const networks = live(data.physicalNetworks).filter((p) => p.zoneId === zone.id);
    const traffic = live(data.trafficTypes).filter((t) => networks.some((p) => p.id === t.physicalNetworkId));
    for (const type of ["Management", "Public"]) {
        if (!traffic.some((t) => t.traffictype === type)) {
            throw internalError(`Cannot enable this Zone since: no physical network in the zone carries the ${type} traffic type`);
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
            };
            data.zones.push(zone);
            return object("zone", renderZone(zone));
        },
    },
    listZones: {
        optional: "id name available keyword networktype showcapacities tags domainid showicon showresourceicon",
        run(ctx) {
            const zones = filterRows(ctx, ctx.data.zones, {}).filter((z) => ctx.params.name === undefined || sameName(z.name, ctx.params.name));
            return list("zone", zones.map(renderZone));
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
            return object("zone", renderZone(zone));
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
            markRemoved(zone);
            return success;
        },
    },
};

