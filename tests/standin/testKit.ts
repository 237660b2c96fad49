/**
 * Helpers for tests and benchmarks that talk to the stand-in: admin keys put
 * straight into its database, views of its call log, and a zone built with
 * the providers called directly.
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
import { ApiConnection, ProviderOf } from "../../providers/cloudstack/resource";
import { isReadOnly } from "./server";
import { StandIn } from "./index";

/** Gives the admin a key pair (as registerUserKeys would) and returns the connection the providers take. */
export function adminConnection(standIn: StandIn): ApiConnection {
    const admin = standIn.data.users[0];
    admin.apikey = admin.apikey ?? "kit-api-key-0123456789";
    admin.secretkey = admin.secretkey ?? "kit-secret-key-abcdefghijklmnopqrstuvwxyz0123456789";
    return { apiUrl: standIn.url, apiKey: admin.apikey, secretKey: admin.secretkey };
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

async function createOne(created: Created[], label: string, provider: ProviderOf<any>, raw: object): Promise<Created> {
    const checked = await provider.check({}, raw);
    if (checked.failures.length) throw new Error(`${label}: ${checked.failures.map((f) => f.reason).join("; ")}`);
    const { id, outs } = await provider.create(checked.inputs);
    const item = { label, provider, id, outs };
    created.push(item);
    return item;
}

/**
 * Builds a zone from its settings with the providers called directly, in the
 * dependency order components/Zone.ts gives the engine (one at a time).
 */
export async function buildZoneWithProviders(connection: ApiConnection, zone: ZoneSettings): Promise<Created[]> {
    const created: Created[] = [];
    const idOf = (label: string) => (created.find((c) => c.label === label) as Created).id;
    const zoneId = (await createOne(created, "zone", zoneProvider, { connection, name: zone.name, dns1: zone.dns1, dns2: zone.dns2, internalDns1: zone.internalDns1, internalDns2: zone.internalDns2, networkType: zone.networkType, guestCidr: zone.guestCidr })).id;
    for (const pn of zone.physicalNetworks) {
        await createOne(created, `network ${pn.name}`, networkProvider, { connection, zoneId, name: pn.name, isolationMethod: pn.isolationMethod, vniStart: pn.vniStart, vniEnd: pn.vniEnd, trafficTypes: pn.trafficTypes });
    }
    for (const pod of zone.pods) await createOne(created, `pod ${pod.name}`, podProvider, { connection, zoneId, ...pod });
    for (const r of zone.publicIpRanges) {
        await createOne(created, `range ${r.startIp}`, rangeProvider, { connection, zoneId, physicalNetworkId: idOf(`network ${r.physicalNetwork}`), vlan: r.vlan, gateway: r.gateway, netmask: r.netmask, startIp: r.startIp, endIp: r.endIp });
    }
    for (const c of zone.clusters) {
        await createOne(created, `cluster ${c.name}`, clusterProvider, { connection, zoneId, podId: idOf(`pod ${c.pod}`), name: c.name, hypervisor: c.hypervisor, clusterType: c.clusterType });
    }
    for (const h of zone.hosts) {
        await createOne(created, `host ${h.name}`, hostProvider, { connection, zoneId, podId: idOf(`pod ${h.pod}`), clusterId: idOf(`cluster ${h.cluster}`), ip: h.ip, username: h.username, password: "" });
    }
    for (const s of zone.primaryStorages) {
        const where = s.scope === "cluster" ? { podId: idOf(`pod ${s.pod}`), clusterId: idOf(`cluster ${s.cluster}`) } : {};
        await createOne(created, `primary ${s.name}`, primaryProvider, { connection, zoneId, scope: s.scope, ...where, name: s.name, server: s.server, path: s.path });
    }
    for (const s of zone.secondaryStorages) await createOne(created, `secondary ${s.name}`, secondaryProvider, { connection, zoneId, ...s });
    await createOne(created, "enablement", enablementProvider, { connection, zoneId, zoneName: zone.name, readyTimeoutSeconds: zone.readyTimeoutSeconds });
    return created;
}

/** Deletes in the reverse order, as `pulumi destroy` does. */
export async function destroyCreated(created: Created[]): Promise<void> {
    for (const item of [...created].reverse()) await item.provider.delete(item.id, item.outs);
}
