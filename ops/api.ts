/** The stack's API client and its zone, for the commands that talk to CloudStack. */
import { CloudStackClient } from "../providers/cloudstack/client";
import { findZoneId } from "../providers/cloudstack/operations";
import { clientFor } from "../providers/cloudstack/resource";
import { apiOf, OpsContext } from "./context";

export function apiClient(ctx: OpsContext): CloudStackClient {
    return clientFor(apiOf(ctx));
}

/** The zone's id: from the stack outputs, else looked up by its configured name. */
export async function zoneIdOf(ctx: OpsContext, api: CloudStackClient): Promise<string> {
    if (ctx.zoneId) return ctx.zoneId;
    const zoneId = await findZoneId(api, ctx.settings.zone.name);
    if (!zoneId) throw new Error(`zone ${ctx.settings.zone.name} does not exist at ${api.apiUrl}; run pulumi up --stack ${ctx.settings.stack}`);
    return zoneId;
}
