/**
 * What the last finished update of this stack recorded: its outputs, read
 * through the engine's built-in `pulumi:pulumi:readStackOutputs` invoke (what
 * a StackReference reads, without adding a resource to the plan). An invoke
 * changes nothing, so `pulumi preview` reads it too; it costs one read of the
 * stack's checkpoint from the backend, no node or API is contacted.
 *
 * The engine keeps the previous outputs on the stack until an update finishes
 * (a killed `up` leaves them as they were), so a killed upgrade is planned
 * again from the version it started from.
 */
import * as pulumi from "@pulumi/pulumi";
import { ApiConnection } from "../providers/cloudstack/resource";
import { DeployedState } from "../config/upgradePlan";

/** The stack outputs this reads (index.ts exports them). */
export const VERSION_OUTPUT = "cloudstackVersion";
export const UPGRADE_OUTPUT = "cloudstackUpgrade";

export interface Deployed extends DeployedState {
    /** The API of the running cloud with the admin's keys (outputs apiUrl and apiKeys), for the upgrade's API steps. */
    readonly api?: ApiConnection;
    /** The zone the stack built (output zoneId). */
    readonly zoneId?: string;
}

/** Plain outputs as the invoke returns them (secrets arrive as plain values inside the program). */
export function deployedFromOutputs(outputs: Record<string, unknown> | undefined): Deployed {
    const o = outputs ?? {};
    const version = typeof o[VERSION_OUTPUT] === "string" ? (o[VERSION_OUTPUT] as string) : undefined;
    const upgrade = o[UPGRADE_OUTPUT] as { from?: unknown; to?: unknown } | undefined;
    const keys = o.apiKeys as { apiKey?: unknown; secretKey?: unknown } | undefined;
    const api =
        typeof o.apiUrl === "string" && typeof keys?.apiKey === "string" && typeof keys?.secretKey === "string"
            ? { apiUrl: o.apiUrl, apiKey: keys.apiKey, secretKey: keys.secretKey }
            : undefined;
    return {
        deployed: Object.keys(o).length > 0,
        version,
        upgrade: typeof upgrade?.from === "string" && typeof upgrade?.to === "string" ? { from: upgrade.from, to: upgrade.to } : undefined,
        api,
        zoneId: typeof o.zoneId === "string" ? o.zoneId : undefined,
    };
}

export async function readDeployedState(): Promise<Deployed> {
    const name = `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    let answer: { outputs?: Record<string, unknown> } | undefined;
    try {
        answer = await pulumi.runtime.invoke("pulumi:pulumi:readStackOutputs", { name });
    } catch (err) {
        throw new pulumi.RunError(`cannot read the outputs of stack ${name} (the version it deployed decides whether this update upgrades CloudStack): ${(err as Error).message}`);
    }
    return deployedFromOutputs(answer?.outputs);
}
