/**
 * A zone-only stack builds the zone on an existing management server and
 * provisions no node: zone.apiUrl set and no nodes. Reading (which sections are
 * optional) and checking (which rules apply) both ask here.
 */
import { RawObject } from "./fields";
import { Settings } from "./settings";

/** A zone-only stack builds the zone on an existing management server and provisions no node. */
export function isZoneOnly(settings: Settings): boolean {
    return settings.zone.apiUrl !== undefined && settings.nodes.length === 0;
}

/** The same question asked of the raw config, before it is typed. */
export function isZoneOnlyConfig(raw: RawObject): boolean {
    const zone = raw.zone as RawObject | undefined;
    const nodes = raw.nodes;
    return typeof zone === "object" && zone !== null && zone.apiUrl !== undefined && (nodes === undefined || nodes === null || (Array.isArray(nodes) && nodes.length === 0));
}
