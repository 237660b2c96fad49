/** A zone's allocation state (Enabled/Disabled), read and changed with updateZone — its answer may be lost (applyOnce). */
import { applyOnce } from "./applyOnce";
import { CloudStackClient } from "./client";

/** The zone's allocation state, or undefined when the zone does not exist. */
export async function zoneAllocationState(api: CloudStackClient, zoneId: string): Promise<string | undefined> {
    return (await api.list<{ allocationstate: string }>("listZones", { id: zoneId }))[0]?.allocationstate;
}

export async function setZoneAllocationState(api: CloudStackClient, zoneId: string, state: "Enabled" | "Disabled"): Promise<void> {
    await applyOnce(api, {
        command: "updateZone",
        params: { id: zoneId, allocationstate: state },
        tookEffect: async () => (await zoneAllocationState(api, zoneId)) === state,
    });
}
