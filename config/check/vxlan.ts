/** Checks of the physical networks: VNI ranges, traffic types and labels, and the MTU VXLAN needs underneath. */
import { DEFAULTS, MAX_VNI, MAX_VNI_RANGE_SIZE } from "../defaults";
import { ConfigProblems } from "../problems";
import { Settings, TRAFFIC_TYPES } from "../settings";
import { guestSegmentName, vxlanUnderlayMtu } from "../vxlanMtu";
import { isZoneOnly } from "../zoneOnly";
import { checkInterfaceName, K } from "./values";

export function checkVxlan(settings: Settings, problems: ConfigProblems): void {
    const { zone, network } = settings;
    const zoneOnly = isZoneOnly(settings);
    const bridges = [network.management.bridge, network.public.bridge];
    const typesSeen = new Map<string, string>();
    zone.physicalNetworks.forEach((p, i) => {
        const key = `zone.physicalNetworks[${i}]`;
        if (p.vniStart < 0 || p.vniEnd > MAX_VNI || p.vniStart > p.vniEnd) {
            problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, `expected START-END with 0 <= START <= END <= ${MAX_VNI}`);
        } else if (p.vniEnd - p.vniStart + 1 > MAX_VNI_RANGE_SIZE) {
            problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, `spans ${p.vniEnd - p.vniStart + 1} VNIs; at most ${MAX_VNI_RANGE_SIZE} (each VNI becomes a database row)`);
        }
        if (p.isolationMethod === "VLAN" && p.vniEnd > 4094) problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, "VLAN ids end at 4094");
        const types = new Set<string>();
        p.trafficTypes.forEach((t, j) => {
            const labelOk = checkInterfaceName(problems, `${key}.trafficTypes[${j}].kvmLabel`, t.kvmLabel);
            if (types.has(t.type)) problems.add(K(`${key}.trafficTypes[${j}].type`), t.type, "appears twice on this physical network");
            types.add(t.type);
            if (t.type !== "Guest" && typesSeen.has(t.type)) {
                problems.add(K(`${key}.trafficTypes[${j}].type`), t.type, `is already carried by physical network ${typesSeen.get(t.type)}; Management, Public and Storage may appear once per zone`);
            }
            if (t.type !== "Guest") typesSeen.set(t.type, p.name);
            if (labelOk && !zoneOnly && !bridges.includes(t.kvmLabel)) {
                problems.add(K(`${key}.trafficTypes[${j}].kvmLabel`), t.kvmLabel, `names no bridge this stack creates (${bridges.join(", ")})`);
            }
        });
    });
    // A misspelt type is already reported; "no network carries Guest" would only repeat it.
    const allTypesKnown = zone.physicalNetworks.every((p) => p.trafficTypes.every((t) => (TRAFFIC_TYPES as readonly string[]).includes(t.type)));
    for (const required of allTypesKnown ? ["Management", "Public", "Guest"] : []) {
        if (!zone.physicalNetworks.some((p) => p.trafficTypes.some((t) => t.type === required))) {
            problems.note(K("zone.physicalNetworks"), `no physical network carries ${required} traffic; an Advanced zone needs Management, Public and Guest`);
        }
    }
    if (zoneOnly) return;
    const vxlan = zone.physicalNetworks.some((p) => p.isolationMethod === "VXLAN");
    if (vxlan) {
        // Without a Guest label naming one of the bridges, the label problem is already reported: no MTU follow-on.
        const segment = guestSegmentName(zone, network);
        const underlay = vxlanUnderlayMtu(zone, network);
        if (segment !== undefined && underlay < DEFAULTS.minimumVxlanUnderlayMtu) {
            const written = network[segment].mtu !== undefined;
            const key = `network.${segment}.mtu`;
            const reason = `VXLAN needs an underlay MTU of at least ${DEFAULTS.minimumVxlanUnderlayMtu} on the Guest traffic bridge (VXLAN adds ${DEFAULTS.vxlanOverhead} bytes); set the MTU of the network whose bridge carries Guest traffic to 1550 or more (9000 recommended)`;
            if (written) problems.add(K(key), underlay, reason);
            else problems.note(K(key), `is not set, so the Guest traffic bridge has MTU ${underlay}; ${reason}`);
        }
        if (zone.guestMtu > underlay - DEFAULTS.vxlanOverhead) {
            problems.add(K("zone.guestMtu"), zone.guestMtu, `must be at most the underlay MTU ${underlay} minus ${DEFAULTS.vxlanOverhead}`);
        }
    }
}
