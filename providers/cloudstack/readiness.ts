/**
 * Is the zone ready for tenants? What the seed checked by hand after enabling
 * it: the zone Enabled, every KVM host Up, primary storage Up, an image store
 * with a ready SystemVM template, and the SSVM and CPVM Running.
 */
import { CloudStackClient } from "./client";

export interface ReadinessCheck {
    item: string;
    ready: boolean;
    detail: string;
}

export interface Readiness {
    ready: boolean;
    checks: ReadinessCheck[];
}

interface Named {
    id: string;
    name: string;
}

export async function inspectZone(api: CloudStackClient, zoneId: string): Promise<Readiness | undefined> {
    const [zones, hosts, pools, stores, templates, vms] = await Promise.all([
        api.list<Named & { allocationstate: string }>("listZones", { id: zoneId }),
        api.list<Named & { ipaddress: string; state: string; resourcestate: string }>("listHosts", { zoneid: zoneId, type: "Routing" }),
        api.list<Named & { state: string }>("listStoragePools", { zoneid: zoneId }),
        api.list<Named>("listImageStores", { zoneid: zoneId }),
        api.list<Named & { isready: boolean; hypervisor: string; status?: string }>("listTemplates", { templatefilter: "system", zoneid: zoneId }),
        api.list<Named & { systemvmtype: string; state: string }>("listSystemVms", { zoneid: zoneId }),
    ]);
    const zone = zones[0];
    if (!zone) return undefined;
    const checks: ReadinessCheck[] = [{ item: `zone ${zone.name}`, ready: zone.allocationstate === "Enabled", detail: zone.allocationstate }];
    if (hosts.length === 0) checks.push({ item: "KVM hosts", ready: false, detail: "none in the zone" });
    for (const host of hosts) {
        checks.push({ item: `host ${host.name} (${host.ipaddress})`, ready: host.state === "Up" && host.resourcestate === "Enabled", detail: `${host.state}, ${host.resourcestate}` });
    }
    if (pools.length === 0) checks.push({ item: "primary storage", ready: false, detail: "none in the zone" });
    for (const pool of pools) checks.push({ item: `primary storage ${pool.name}`, ready: pool.state === "Up", detail: pool.state });
    checks.push({ item: "secondary storage", ready: stores.length > 0, detail: stores.length ? stores.map((s) => s.name).join(", ") : "none in the zone" });
    const template = templates.find((t) => t.hypervisor === "KVM");
    checks.push({ item: "SystemVM template", ready: Boolean(template?.isready), detail: template ? template.status ?? (template.isready ? "ready" : "not ready") : "not registered in the zone" });
    for (const [type, label] of [["secondarystoragevm", "SSVM"], ["consoleproxy", "CPVM"]]) {
        const vm = vms.find((v) => v.systemvmtype === type);
        checks.push({ item: label, ready: vm?.state === "Running", detail: vm ? `${vm.name} ${vm.state}` : "not created yet" });
    }
    return { ready: checks.every((c) => c.ready), checks };
}

/** "SSVM: not created yet; CPVM: v-2-VM Starting". */
export function notReady(readiness: Readiness): string {
    return readiness.checks
        .filter((c) => !c.ready)
        .map((c) => `${c.item}: ${c.detail}`)
        .join("; ");
}
