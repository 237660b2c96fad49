/**
 * Helpers for tests and benchmarks that talk to the stand-in: admin keys put
 * straight into its database, views of its call log, and a zone built with
 * the providers called directly from the zone's plan.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ZoneSettings } from "../../config/settings";
import { provider as clusterProvider } from "../../providers/cloudstack/objects/cluster";
import { provider as hostProvider } from "../../providers/cloudstack/objects/host";
import { provider as networkProvider } from "../../providers/cloudstack/objects/physicalNetwork";
import { provider as podProvider } from "../../providers/cloudstack/objects/pod";
import { provider as primaryProvider } from "../../providers/cloudstack/objects/primaryStorage";
import { provider as rangeProvider } from "../../providers/cloudstack/objects/publicIpRange";
import { provider as secondaryProvider } from "../../providers/cloudstack/objects/secondaryStorage";
import { provider as zoneProvider } from "../../providers/cloudstack/objects/zone";
import { provider as enablementProvider } from "../../providers/cloudstack/objects/zoneEnablement";
import { provider as settingProvider } from "../../providers/cloudstack/objects/globalSetting";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { ApiConnection, ProviderOf } from "../../providers/cloudstack/resource";
import { planZone, ZoneObjectKind } from "../../providers/cloudstack/zonePlan";
import { isReadOnly } from "./server";
import { StandIn } from "./index";

/** Gives the admin a key pair (as registerUserKeys would) and returns the connection the providers take. */
export function adminConnection(standIn: StandIn): ApiConnection {
    const admin = standIn.data.users[0];
    admin.apikey = admin.apikey ?? "kit-api-key-0123456789";
    admin.secretkey = admin.secretkey ?? "kit-secret-key-abcdefghijklmnopqrstuvwxyz0123456789";
    return { apiUrl: standIn.url, apiKey: admin.apikey, secretKey: admin.secretkey };
}

/** A signed API client with the admin's keys (adminConnection). */
export function adminClient(standIn: StandIn): CloudStackClient {
    const c = adminConnection(standIn);
    return new CloudStackClient({ apiUrl: c.apiUrl, credentials: { apiKey: c.apiKey, secretKey: c.secretKey } });
}

/** Commands that changed something, in order (login/logout and reads left out). */
export function mutatingCommands(standIn: StandIn, since = 0): string[] {
    return standIn.calls
        .slice(since)
        .filter((c) => !isReadOnly(c.command) && c.command !== "login" && c.command !== "logout" && c.command !== "listCapabilities")
        .map((c) => c.command);
}

/** What the stand-in saw go wrong: refused calls, failed jobs, unknown and ignored parameters. */
export function rejected(standIn: StandIn): string[] {
    return [
        ...standIn.calls.filter((c) => c.status !== 200).map((c) => `${c.command} answered ${c.status}`),
        ...standIn.data.jobs.filter((j) => j.status !== 1).map((j) => `${j.cmd} job ${j.status === 0 ? "still running" : `failed: ${JSON.stringify(j.result)}`}`),
        ...standIn.warnings,
        ...standIn.ignored,
    ];
}

export function callsTo(standIn: StandIn, command: string) {
    return standIn.calls.filter((c) => c.command === command);
}

/** One created object: what the engine would keep in its state. */
export interface Created {
    label: string;
    provider: ProviderOf<any>;
    id: string;
    outs: any;
}

const PROVIDERS: Record<ZoneObjectKind, ProviderOf<any>> = {
    zone: zoneProvider,
    zoneSetting: settingProvider,
    physicalNetwork: networkProvider,
    pod: podProvider,
    publicIpRange: rangeProvider,
    cluster: clusterProvider,
    host: hostProvider,
    primaryStorage: primaryProvider,
    secondaryStorage: secondaryProvider,
    enablement: enablementProvider,
};

/**
 * Builds a zone from its settings with the providers called directly: the
 * entries of the plan components/Zone.ts gives the engine, one at a time in
 * plan order. Hosts register with the management key (an empty password).
 */
export async function buildZoneWithProviders(connection: ApiConnection, zone: ZoneSettings): Promise<Created[]> {
    const created: Created[] = [];
    for (const entry of planZone(zone)) {
        const ids = Object.fromEntries(Object.entries(entry.ids).map(([input, key]) => [input, (created.find((c) => c.label === key) as Created).id]));
        const raw = { connection, ...entry.inputs, ...ids, ...(entry.kind === "host" ? { password: "" } : {}) };
        const provider = PROVIDERS[entry.kind];
        const checked = await provider.check({}, raw);
        if (checked.failures.length) throw new Error(`${entry.key}: ${checked.failures.map((f) => f.reason).join("; ")}`);
        const { id, outs } = await provider.create(checked.inputs);
        created.push({ label: entry.key, provider, id, outs });
    }
    return created;
}

/** Deletes in the reverse order, as `pulumi destroy` does. */
export async function destroyCreated(created: Created[]): Promise<void> {
    for (const item of [...created].reverse()) await item.provider.delete(item.id, item.outs);
}
