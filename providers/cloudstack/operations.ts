/**
 * Day-2 operations on a running cloud, as CloudStack 4.19 offers them through
 * its API: finding the zone and a host, reconnecting a host, recreating the
 * system VMs, reading and changing a global setting, the names of the
 * settings the program manages, and the state views a diagnostics bundle
 * collects. The calls live here; ops/ decides when to make them.
 */
import { MonitoringSettings } from "../../config/settings";
import { applyOnce } from "./applyOnce";
import { CloudStackClient } from "./client";
import { listSystemTemplates } from "./readiness";
import { destroySystemVm } from "./systemVmTeardown";
import { waitFor } from "./wait";

/** Global settings the program sets. */
export const SETTING_NAMES = {
    /** The management address agents and system VMs are told. */
    managementHost: "host",
    /** Zone-scoped: the guest-side MTU of virtual routers (components/Zone.ts, zonePlan.ts). */
    guestMtu: "vr.private.interface.max.mtu",
    /** The SSVM's upload URLs over https (needs a real certificate). */
    useHttpsToUpload: "use.https.to.upload",
} as const;

/** CloudStack's own Prometheus exporter settings, or none when monitoring.prometheus is off (addresses checked in config/check/services.ts). */
export function prometheusGlobalSettings(monitoring: MonitoringSettings): Record<string, string> {
    if (!monitoring.prometheus) return {};
    return {
        "prometheus.exporter.enable": "true",
        "prometheus.exporter.port": String(monitoring.prometheusPort),
        // An empty list would refuse everyone; CloudStack's default is the local host.
        "prometheus.exporter.allowed.ips": (monitoring.prometheusAllowedIps.length ? monitoring.prometheusAllowedIps : ["127.0.0.1"]).join(","),
    };
}

/** The id of the zone with this name (names compare case-insensitively, as the database does), if it exists. */
export async function findZoneId(api: CloudStackClient, name: string): Promise<string | undefined> {
    const zones = await api.list<{ id: string; name: string }>("listZones", { name });
    return zones.find((z) => z.name.toLowerCase() === name.toLowerCase())?.id;
}

/** The CloudStack version the API reports (listCapabilities). */
export async function cloudStackVersion(api: CloudStackClient): Promise<string> {
    const answer = await api.request("listCapabilities");
    return (answer.capability as { cloudstackversion?: string } | undefined)?.cloudstackversion ?? "unknown version";
}

export interface RoutingHost {
    id: string;
    name: string;
    ipaddress: string;
    state: string;
    resourcestate: string;
}

/** The zone's KVM host with this address (`name` is the host's own host name, so the address is the key). */
export async function routingHostByAddress(api: CloudStackClient, zoneId: string, ip: string): Promise<RoutingHost | undefined> {
    return (await api.list<RoutingHost>("listHosts", { zoneid: zoneId, type: "Routing" })).find((h) => h.ipaddress === ip);
}

/** Reconnects the host unless it is Up, and waits until it is Up. */
export async function reconnectUntilUp(api: CloudStackClient, zoneId: string, host: RoutingHost, timeoutMs: number, log: (line: string) => void): Promise<void> {
    if (host.state !== "Up") {
        log(`host ${host.name} is ${host.state}: reconnectHost`);
        await applyOnce(api, {
            command: "reconnectHost",
            params: { id: host.id },
            // Reconnecting moves the host through Connecting; past it, the wait below decides.
            tookEffect: async () => ["Connecting", "Up"].includes((await routingHostByAddress(api, zoneId, host.ipaddress))?.state ?? ""),
        });
    }
    await waitFor(
        `host ${host.name} (${host.ipaddress}) Up`,
        async () => {
            const now = await routingHostByAddress(api, zoneId, host.ipaddress);
            return { done: now?.state === "Up", value: now, state: now ? `${now.state}, ${now.resourcestate}` : "gone" };
        },
        timeoutMs,
        2000,
    );
    log(`host ${host.name} (${host.ipaddress}) is Up`);
}

/** A global setting's current value (undefined when unset); an error when the server has no such setting. */
export async function readGlobalSetting(api: CloudStackClient, name: string): Promise<string | undefined> {
    const current = (await api.list<{ name: string; value?: string }>("listConfigurations", { name })).find((s) => s.name === name);
    if (!current) throw new Error(`CloudStack at ${api.apiUrl} has no global setting ${name}`);
    return current.value;
}

export async function writeGlobalSetting(api: CloudStackClient, name: string, value: string): Promise<void> {
    await applyOnce(api, { command: "updateConfiguration", params: { name, value }, tookEffect: async () => (await readGlobalSetting(api, name)) === value });
}

export type SystemVmType = "secondarystoragevm" | "consoleproxy";

interface SystemVm {
    id: string;
    name: string;
    systemvmtype: SystemVmType;
    state: string;
}

/**
 * Destroys the zone's system VMs of these types and waits until new ones are
 * Running: CloudStack starts them by itself in an Enabled zone with an Up
 * host, Up primary storage and a Ready SystemVM template.
 */
export async function recreateSystemVms(api: CloudStackClient, zoneId: string, zoneName: string, types: SystemVmType[], timeoutMs: number, log: (line: string) => void): Promise<void> {
    const before = await api.list<SystemVm>("listSystemVms", { zoneid: zoneId });
    const old = before.filter((vm) => types.includes(vm.systemvmtype));
    for (const vm of old) {
        log(`destroying ${vm.name} (${vm.systemvmtype}, ${vm.state}); CloudStack starts a new one`);
        await destroySystemVm(api, vm.id);
    }
    const oldIds = new Set(old.map((vm) => vm.id));
    await waitFor(
        `new ${types.join(" and ")} Running in zone ${zoneName}`,
        async () => {
            const vms = (await api.list<SystemVm>("listSystemVms", { zoneid: zoneId })).filter((vm) => types.includes(vm.systemvmtype) && !oldIds.has(vm.id));
            const running = types.map((type) => vms.find((vm) => vm.systemvmtype === type && vm.state === "Running"));
            const state = types.map((type, i) => `${type}: ${running[i]?.name ?? vms.find((vm) => vm.systemvmtype === type)?.state ?? "not created yet"}`).join(", ");
            return { done: running.every(Boolean), value: running, state };
        },
        timeoutMs,
        2000,
    );
    log(`${types.join(" and ")} Running again`);
}

/** What a diagnostics bundle records of the zone through the API: file name and how to fetch it. */
export function zoneStateViews(api: CloudStackClient, zoneId: string, jobId?: string): [string, () => Promise<unknown>][] {
    const views: [string, () => Promise<unknown>][] = [
        ["zone.json", () => api.list("listZones", { id: zoneId })],
        ["hosts.json", () => api.list("listHosts", { zoneid: zoneId })],
        ["storage-pools.json", () => api.list("listStoragePools", { zoneid: zoneId })],
        ["image-stores.json", () => api.list("listImageStores", { zoneid: zoneId })],
        ["system-vms.json", () => api.list("listSystemVms", { zoneid: zoneId })],
        ["systemvm-template.json", () => listSystemTemplates(api, zoneId)],
    ];
    if (jobId) views.push([`job-${jobId}.json`, () => api.request("queryAsyncJobResult", { jobid: jobId })]);
    return views;
}
