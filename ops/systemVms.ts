/** Recreating the SSVM and CPVM of the stack's zone (providers/cloudstack/operations.ts does the calls). */
import { recreateSystemVms as recreate, SystemVmType } from "../providers/cloudstack/operations";
import { apiClient, zoneIdOf } from "./api";
import { OpsContext } from "./context";

export type { SystemVmType };

/** Destroys the system VMs of these types and waits until new ones are Running. */
export async function recreateSystemVms(ctx: OpsContext, types: SystemVmType[], timeoutSeconds: number, log: (line: string) => void): Promise<void> {
    const api = apiClient(ctx);
    await recreate(api, await zoneIdOf(ctx, api), ctx.settings.zone.name, types, timeoutSeconds * 1000, log);
}
