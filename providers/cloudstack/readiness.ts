/**
 * Is the zone ready for tenants? What the seed checked by hand after enabling
 * it: the zone Enabled, every KVM host Up, primary storage Up, an image store
 * with a ready SystemVM template, and the SSVM and CPVM Running.
 */
import { CloudStackClient } from "./client";

/** What a check is about, so callers (verify, diagnose) need not parse its label. */
export type ReadinessKind = "zone" | "host" | "primaryStorage" | "secondaryStorage" | "systemVmTemplate" | "ssvm" | "cpvm";

export interface ReadinessCheck {
    kind: ReadinessKind;
    item: string;
    /** For a host: its IP address, so callers can find the node without parsing `item`. */
    address?: string;
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

export interface SystemTemplateView extends Named {
    isready: boolean;
    hypervisor: string;
    templatetype?: string;
    status?: string;
}

/**
 * The zone's KVM SystemVM templates. 4.19's `templatefilter` has no "system"
 * value (VirtualMachineTemplate.TemplateFilter); the root admin sees SYSTEM
 * templates with `all`, narrowed by `templatetype` and `hypervisor`.
 */
export function listSystemTemplates(api: CloudStackClient, zoneId: string): Promise<SystemTemplateView[]> {
    return api.list<SystemTemplateView>("listTemplates", { templatefilter: "all", templatetype: "SYSTEM", hypervisor: "KVM", zoneid: zoneId });
}

/**
 * The template system VMs start from: a zone can hold two (the one seeded by
 * cloud-install-sys-tmplt and the one the package registers), and CloudStack
 * uses a Ready one; otherwise the first, to report how far it got.
 */
export function pickSystemTemplate(templates: SystemTemplateView[]): SystemTemplateView | undefined {
    const kvm = templates.filter((t) => t.hypervisor === "KVM" && (t.templatetype ?? "SYSTEM") === "SYSTEM");
    return kvm.find((t) => t.isready) ?? kvm[0];
}

export async function inspectZone(api: CloudStackClient, zoneId: string): Promise<Readiness | undefined> {
    const [zones, hosts, pools, stores, templates, vms] = await Promise.all([
        api.list<Named & { allocationstate: string }>("listZones", { id: zoneId }),
        api.list<Named & { ipaddress: string; state: string; resourcestate: string }>("listHosts", { zoneid: zoneId, type: "Routing" }),
        api.list<Named & { state: string }>("listStoragePools", { zoneid: zoneId }),
        api.list<Named>("listImageStores", { zoneid: zoneId }),
        listSystemTemplates(api, zoneId),
        api.list<Named & { systemvmtype: string; state: string }>("listSystemVms", { zoneid: zoneId }),
    ]);
    const zone = zones[0];
    if (!zone) return undefined;
    const checks: ReadinessCheck[] = [{ kind: "zone", item: `zone ${zone.name}`, ready: zone.allocationstate === "Enabled", detail: zone.allocationstate }];
    if (hosts.length === 0) checks.push({ kind: "host", item: "KVM hosts", ready: false, detail: "none in the zone" });
    for (const host of hosts) {
        checks.push({ kind: "host", item: `host ${host.name} (${host.ipaddress})`, address: host.ipaddress, ready: host.state === "Up" && host.resourcestate === "Enabled", detail: `${host.state}, ${host.resourcestate}` });
    }
    if (pools.length === 0) checks.push({ kind: "primaryStorage", item: "primary storage", ready: false, detail: "none in the zone" });
    for (const pool of pools) checks.push({ kind: "primaryStorage", item: `primary storage ${pool.name}`, ready: pool.state === "Up", detail: pool.state });
    checks.push({ kind: "secondaryStorage", item: "secondary storage", ready: stores.length > 0, detail: stores.length ? stores.map((s) => s.name).join(", ") : "none in the zone" });
    const template = pickSystemTemplate(templates);
    checks.push({
        kind: "systemVmTemplate",
        item: "SystemVM template",
        ready: Boolean(template?.isready),
        detail: template ? `${template.name}: ${template.status ?? (template.isready ? "ready" : "not ready")}` : "not registered in the zone",
    });
    for (const [type, kind, label] of [["secondarystoragevm", "ssvm", "SSVM"], ["consoleproxy", "cpvm", "CPVM"]] as const) {
        const vm = vms.find((v) => v.systemvmtype === type);
        checks.push({ kind, item: label, ready: vm?.state === "Running", detail: vm ? `${vm.name} ${vm.state}` : "not created yet" });
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
