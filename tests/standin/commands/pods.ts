/**
 * Pods (ConfigurationManagerImpl createPod/editPod/deletePod and
 * updatePodIpRange). The pod's range is the reserved system range; 4.19's
 * updatePod ignores startip/endip, the range changes only through the async
 * updatePodManagementNetworkIpRange, which keeps addresses already taken.
 */
import { asyncJob, CallContext, Commands, existing, filterRows, list, object, ref, sameName, success } from "../command";
import { internalError, paramError } from "../errors";
import { inRange, ipToLong, isIpv4, longToIp, netmaskBits, rangesOverlap, subnetOf } from "../ip";
import { live, markRemoved, newRow, PodRow, StandInData } from "../store";

export function renderPod(data: StandInData, pod: PodRow) {
    return {
        id: pod.id,
        name: pod.name,
        zoneid: pod.zoneId,
        zonename: data.zones.find((z) => z.id === pod.zoneId)?.name,
        gateway: pod.gateway,
        netmask: pod.netmask,
        ipranges: pod.ranges.map((r) => ({ startip: r.startip, endip: r.endip, forsystemvms: "0", vlanid: null })),
        startip: pod.ranges.map((r) => r.startip),
        endip: pod.ranges.map((r) => r.endip),
        forsystemvms: pod.ranges.map(() => "0"),
        vlanid: pod.ranges.map(() => null),
        allocationstate: pod.allocationstate,
    };
}

/** Addresses of the pod held by system VMs. */
export function takenPodAddresses(data: StandInData, pod: PodRow): string[] {
    return live(data.systemVms)
        .filter((vm) => vm.podId === pod.id)
        .map((vm) => vm.privateip);
}

/**
 * checkPodRangeParametersBasicsForNonEdgeZone (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:2321-2334): createPod's
 * addresses, an absent one included, before anything else.
 */
function checkPodBasics(params: Record<string, string | undefined>): void {
    if (!isIpv4(params.startip)) throw paramError("The start IP is invalid");
    if (params.endip !== undefined && !isIpv4(params.endip)) throw paramError("The end IP is invalid");
    if (!isIpv4(params.gateway)) throw paramError("The gateway is invalid");
    if (netmaskBits(params.netmask ?? "") === undefined) throw paramError("The netmask is invalid");
}

/**
 * checkPodAttributesForNonEdgeZone (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:1544-1586) minus the subnet check (checkPodCidrSubnets
 * below): checkIpRange (:2529-2552), then no public address of the zone inside the range (checkOverlapPublicIpRange
 * :2555-2566), then the gateway inside the CIDR (:1571-1574) and outside the range (:1577-1581).
 */
function checkPodRange(data: StandInData, zoneId: string, gateway: string, netmask: string, startip: string, endip: string): void {
    const bits = netmaskBits(netmask) ?? 32;
    const network = subnetOf(gateway, bits);
    if (subnetOf(startip, bits) !== network) throw paramError("The start address of the IP range is not in the CIDR subnet.");
    if (subnetOf(endip, bits) !== network) throw paramError("The end address of the IP range is not in the CIDR subnet.");
    if (ipToLong(startip) > ipToLong(endip)) throw paramError("The start IP address must have a lower value than the end IP address.");
    for (const vlan of live(data.vlans).filter((v) => v.zoneId === zoneId)) {
        if (rangesOverlap(startip, endip, vlan.startip, vlan.endip)) {
            const first = longToIp(Math.max(ipToLong(startip), ipToLong(vlan.startip)));
            throw paramError(`The Start IP and endIP address range overlap with Public IP :${first}`);
        }
    }
    if (inRange(gateway, startip, endip)) throw paramError("The gateway shouldn't overlap start/end ip addresses");
}

function updatePodRange(ctx: CallContext, pod: PodRow): void {
    const { params, data } = ctx;
    const currentStart = params.currentstartip;
    const currentEnd = params.currentendip;
    const newStart = params.newstartip ?? currentStart;
    const newEnd = params.newendip ?? currentEnd;
    if (newStart === currentStart && newEnd === currentEnd) {
        throw paramError("New starting and ending IP address are the same as current starting and ending IP address");
    }
    for (const value of [currentStart, currentEnd, newStart, newEnd]) {
        if (!isIpv4(value)) throw paramError(`The current start address of the IP range ${value} is not a valid IP address.`);
    }
    if (ipToLong(newStart) > ipToLong(newEnd)) throw paramError("The start IP address must have a lower value than the end IP address.");
    const taken = takenPodAddresses(data, pod).filter((ip) => inRange(ip, currentStart, currentEnd));
    if (!taken.every((ip) => inRange(ip, newStart, newEnd))) {
        throw paramError("The IP range does not contain some IP addresses that have already been taken. Please adjust your IP range to include all IP addresses already taken.");
    }
    const range = pod.ranges.find((r) => r.startip === currentStart && r.endip === currentEnd);
    for (const other of pod.ranges.filter((r) => r !== range)) {
        if (rangesOverlap(newStart, newEnd, other.startip, other.endip)) {
            throw paramError(`The Start and End IP address range: (${newStart}-${newEnd}) overlap with the pod IP range: ${other.startip}-${other.endip}`);
        }
    }
    if (!range) throw paramError(`The input IP range: ${currentStart}-${currentEnd} of pod: ${pod.dbId} is not present. Please input an existing range.`);
    range.startip = newStart;
    range.endip = newEnd;
}

/**
 * checkPodCidrSubnets (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:5925-6024),
 * run last by checkPodAttributesForNonEdgeZone (:1582-1585, check.pod.cidrs defaults to on): the pod's subnet,
 * compared at the shorter of the two prefixes, may equal neither the zone's guest CIDR (:5973-5987) nor another
 * pod's of the zone (:6011-6020). A new pod ("newPod") and an edited one get different texts.
 */
function checkPodCidrSubnets(data: StandInData, zoneId: string, pod: { id?: string; name: string }, gateway: string, netmask: string): void {
    const zone = data.zones.find((z) => z.id === zoneId) as { name: string; guestcidraddress?: string };
    const bits = netmaskBits(netmask) ?? 32;
    const isNew = pod.id === undefined;
    if (zone.guestcidraddress) {
        const [guestIp, guestBits] = zone.guestcidraddress.split("/");
        const size = Math.min(bits, Number(guestBits));
        if (subnetOf(gateway, size) === subnetOf(guestIp, size)) {
            throw paramError(
                isNew
                    ? "The subnet of the pod you are adding conflicts with the subnet of the Guest IP Network. Please specify a different CIDR."
                    : `Warning: The subnet of pod ${pod.name} in zone ${zone.name} conflicts with the subnet of the Guest IP Network. Please change either the pod's CIDR or the Guest IP Network's subnet, and re-run install-vmops-management.`,
            );
        }
    }
    for (const other of live(data.pods).filter((p) => p.zoneId === zoneId && p.id !== pod.id)) {
        const size = Math.min(bits, netmaskBits(other.netmask) ?? 32);
        if (subnetOf(gateway, size) === subnetOf(other.gateway, size)) {
            throw paramError(
                isNew
                    ? `The subnet of the pod you are adding conflicts with the subnet of pod ${other.name} in zone ${zone.name}. Please specify a different CIDR.`
                    : `Warning: The pods ${pod.name} and ${other.name} in zone ${zone.name} have conflicting CIDR subnets. Please change the CIDR of one of these pods.`,
            );
        }
    }
}

/** checkIfPodIsDeletable, in the source's order. */
function podBlocker(data: StandInData, pod: PodRow): string | undefined {
    if (takenPodAddresses(data, pod).length > 0) return "there are private IP addresses allocated in this pod.";
    if (live(data.hosts).some((h) => h.podId === pod.id)) return "there are servers in this pod.";
    if (live(data.clusters).some((c) => c.podId === pod.id)) return "there are clusters in this pod.";
    return undefined;
}

export const podCommands: Commands = {
    createPod: {
        required: "zoneid name",
        optional: "gateway netmask startip endip allocationstate",
        run(ctx) {
            const { data, params } = ctx;
            const zone = existing(ref(ctx, "zoneid", data.zones), "Zone");
            checkPodBasics(params);
            // ConfigurationManagerImpl.java@4.19.3.0:1590-1595 (checkPodAttributes, checkForDuplicates)
            if (live(data.pods).some((p) => p.zoneId === zone.id && sameName(p.name, params.name))) {
                throw paramError(`A pod with name: ${params.name} already exists in zone ${zone.dbId}. Please specify a different pod name. `);
            }
            // ConfigurationManagerImpl.java@4.19.3.0:2379-2383: without an end address the range runs to the CIDR's last host address.
            const size = 2 ** (32 - (netmaskBits(params.netmask) ?? 32));
            const endip = params.endip ?? longToIp(Math.floor(ipToLong(params.gateway) / size) * size + size - 2);
            checkPodRange(data, zone.id, params.gateway, params.netmask, params.startip, endip);
            checkPodCidrSubnets(data, zone.id, { name: params.name }, params.gateway, params.netmask);
            const pod: PodRow = {
                ...newRow(data),
                zoneId: zone.id,
                name: params.name,
                gateway: params.gateway,
                netmask: params.netmask,
                ranges: [{ startip: params.startip, endip }],
                allocationstate: params.allocationstate === "Disabled" ? "Disabled" : "Enabled",
            };
            data.pods.push(pod);
            return object("pod", renderPod(data, pod));
        },
    },
    listPods: {
        optional: "id name zoneid allocationstate showcapacities keyword",
        run(ctx) {
            const pods = filterRows(ctx, ctx.data.pods, { zoneid: "zoneId" }).filter((p) => ctx.params.name === undefined || sameName(p.name, ctx.params.name));
            return list("pod", pods.map((p) => renderPod(ctx.data, p)));
        },
    },
    updatePod: {
        required: "id",
        // startip/endip are accepted and ignored, as in 4.19.
        optional: "name gateway netmask allocationstate startip endip",
        run(ctx) {
            const { data, params } = ctx;
            const pod = existing(ref(ctx, "id", data.pods), "Pod");
            const gateway = params.gateway ?? pod.gateway;
            const netmask = params.netmask ?? pod.netmask;
            if (params.netmask && takenPodAddresses(data, pod).length > 0 && (netmaskBits(params.netmask) ?? 0) > (netmaskBits(pod.netmask) ?? 0)) {
                throw internalError("The specified pod has allocated private IP addresses, so its IP address range can be extended only");
            }
            for (const range of pod.ranges) checkPodRange(data, pod.zoneId, gateway, netmask, range.startip, range.endip);
            checkPodCidrSubnets(data, pod.zoneId, pod, gateway, netmask);
            if (params.name && !sameName(params.name, pod.name) && live(data.pods).some((p) => p.zoneId === pod.zoneId && sameName(p.name, params.name))) {
                throw paramError(`A pod with name: ${params.name} already exists in zone ${pod.zoneId}. Please specify a different pod name. `);
            }
            pod.gateway = gateway;
            pod.netmask = netmask;
            if (params.name) pod.name = params.name;
            return object("pod", renderPod(data, pod));
        },
    },
    updatePodManagementNetworkIpRange: {
        required: "podid currentstartip currentendip",
        optional: "newstartip newendip",
        run(ctx) {
            const pod = existing(ref(ctx, "podid", ctx.data.pods), "Pod");
            return asyncJob(() => {
                updatePodRange(ctx, pod);
                return success;
            });
        },
    },
    deletePod: {
        required: "id",
        run(ctx) {
            const pod = existing(ref(ctx, "id", ctx.data.pods), "Pod");
            const blocker = podBlocker(ctx.data, pod);
            if (blocker) throw internalError(`The pod cannot be deleted because ${blocker}`);
            markRemoved(pod);
            return success;
        },
    },
};
