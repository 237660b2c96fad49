/**
 * Which bridge VXLAN Guest traffic runs over, and the MTU that leaves: the
 * default guest MTU is read from it and the check of the underlay asks it.
 */
import { DEFAULTS } from "./defaults";
import { NetworkSettings, ZoneSettings } from "./settings";

/**
 * MTU of the network the VXLAN tunnels run over: the bridge named by the Guest
 * traffic label. Unknown labels count as the smallest configured MTU.
 */
export function vxlanUnderlayMtu(zone: Pick<ZoneSettings, "physicalNetworks">, network: NetworkSettings): number {
    const segments = [network.management, network.public];
    const mtuOf = (label: string) => {
        const segment = segments.find((s) => s.bridge === label);
        return segment ? segment.mtu ?? DEFAULTS.defaultMtu : Math.min(...segments.map((s) => s.mtu ?? DEFAULTS.defaultMtu));
    };
    const guestLabels = zone.physicalNetworks
        .filter((p) => p.isolationMethod === "VXLAN")
        .flatMap((p) => p.trafficTypes.filter((t) => t.type === "Guest").map((t) => t.kvmLabel));
    return guestLabels.length === 0 ? mtuOf("") : Math.min(...guestLabels.map(mtuOf));
}

/** Which network's bridge carries VXLAN Guest traffic (the one with the smaller MTU when both do). */
export function guestSegmentName(zone: ZoneSettings, network: NetworkSettings): "management" | "public" | undefined {
    const labels = zone.physicalNetworks.filter((p) => p.isolationMethod === "VXLAN").flatMap((p) => p.trafficTypes.filter((t) => t.type === "Guest").map((t) => t.kvmLabel));
    const names = (["management", "public"] as const).filter((n) => labels.includes(network[n].bridge));
    return names.sort((a, b) => (network[a].mtu ?? DEFAULTS.defaultMtu) - (network[b].mtu ?? DEFAULTS.defaultMtu))[0];
}
