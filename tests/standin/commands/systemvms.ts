/** System VMs and the SystemVM template as listSystemVms / destroySystemVm / listTemplates show them. */
import { asyncJob, Commands, existing, filterRows, list, object, ref } from "../command";
import { PARAM_ERROR, serverApiError } from "../errors";
import * as crypto from "crypto";
import { live, markRemoved, StandInData, SystemVmRow, TemplateCopy } from "../store";

/** The id of the KVM SystemVM template seeded by cloud-install-sys-tmplt (the same row in every zone). */
export const SYSTEM_TEMPLATE_ID = "8e3d4c1a-5b26-4e0b-9d41-3f0d2a7c9b10";
const SYSTEM_TEMPLATE_NAME = "SystemVM Template (KVM)";

/** api/src/main/java/com/cloud/hypervisor/Hypervisor.java@4.19.3.0 HypervisorType names besides KVM. */
const OTHER_HYPERVISORS = ["xenserver", "hyperv", "vmware", "baremetal", "simulator", "ovm", "ovm3", "lxc", "custom", "any"];

/** A few of the guest OS rows 4.19's schema carries (setup/db/db/schema-*.sql), with stable ids here. */
const DEBIAN_OS_TYPES = [
    { id: "a1d2c3e4-0000-4000-8000-000000000072", description: "Debian GNU/Linux 7(64-bit)" },
    { id: "a1d2c3e4-0000-4000-8000-000000000286", description: "Debian GNU/Linux 11 (64-bit)" },
    { id: "a1d2c3e4-0000-4000-8000-000000000336", description: "Debian GNU/Linux 12 (64-bit)" },
];

const TEMPLATE_FILTERS = ["featured", "self", "selfexecutable", "shared", "sharedexecutable", "executable", "community", "all"] as const;

/**
 * TemplateFilter.valueOf (server/src/main/java/com/cloud/api/query/QueryManagerImpl.java@4.19.3.0:4440, enum at
 * api/src/main/java/com/cloud/template/VirtualMachineTemplate.java@4.19.3.0:71): an unknown value throws
 * IllegalArgumentException, which server/src/main/java/com/cloud/api/ApiServer.java@4.19.3.0:666 answers as PARAM_ERROR (431) with its message.
 */
function templateFilter(value: string): (typeof TEMPLATE_FILTERS)[number] {
    // Wrapped in a ServerApiException around a plain IllegalArgumentException: cserrorcode 9999 (ServerApiException.java@4.19.3.0:45).
    if (!(TEMPLATE_FILTERS as readonly string[]).includes(value)) throw serverApiError(PARAM_ERROR, `No enum constant com.cloud.template.VirtualMachineTemplate.TemplateFilter.${value}`);
    return value as (typeof TEMPLATE_FILTERS)[number];
}

/** A SYSTEM KVM template's copy in a zone (default: the seeded one), Ready at `readyAt` (null: its download failed). */
export function addSystemTemplate(data: StandInData, zoneId: string, readyAt: number | null, templateId = SYSTEM_TEMPLATE_ID, name = SYSTEM_TEMPLATE_NAME): void {
    data.templates.push({ templateId, name, zoneId, readyAt });
}

/**
 * The Ready SYSTEM template of the zone that findSystemVMReadyTemplate picks to start system VMs from: the
 * newest (engine/schema/src/main/java/com/cloud/storage/dao/VMTemplateDaoImpl.java@4.19.3.0:561-575, ordered by
 * id descending; here the copies' order of creation). A registered USER template is not one.
 */
export function readySystemTemplate(data: StandInData, zoneId: string, now: number): TemplateCopy | undefined {
    return [...data.templates].reverse().find((t) => t.zoneId === zoneId && t.type !== "USER" && t.readyAt !== null && t.readyAt <= now);
}

function renderVm(data: StandInData, vm: SystemVmRow, state: string = vm.state) {
    return {
        id: vm.id,
        name: vm.name,
        systemvmtype: vm.systemvmtype,
        state,
        zoneid: vm.zoneId,
        zonename: data.zones.find((z) => z.id === vm.zoneId)?.name,
        podid: vm.podId,
        hostid: vm.hostId,
        hostname: data.hosts.find((h) => h.id === vm.hostId)?.name,
        privateip: vm.privateip,
        publicip: vm.publicip,
        linklocalip: vm.linklocalip,
        templateid: vm.templateId ?? SYSTEM_TEMPLATE_ID,
        created: vm.created,
    };
}

export const systemVmCommands: Commands = {
    listSystemVms: {
        optional: "id zoneid podid hostid systemvmtype state name storageid keyword",
        run(ctx) {
            const { data, params } = ctx;
            // server/src/main/java/com/cloud/server/ManagementServerImpl.java@4.19.3.0:4106-4116,4155-4163: storageid joins the
            // VMs to their volumes on that pool (GenericDaoBase leaves removed, i.e. expunged, volumes out).
            const onPool = (vm: SystemVmRow) => params.storageid === undefined || live(data.volumes).some((v) => v.instanceId === vm.id && v.poolId === params.storageid);
            const rows = filterRows(ctx, data.systemVms, { zoneid: "zoneId", podid: "podId", hostid: "hostId", systemvmtype: "systemvmtype", state: "state" }).filter(onPool);
            return list("systemvm", rows.map((vm) => renderVm(ctx.data, vm)));
        },
    },
    destroySystemVm: {
        required: "id",
        run(ctx) {
            const { data } = ctx;
            const vm = existing(ref(ctx, "id", data.systemVms), "System VM");
            return asyncJob(() => {
                existing(vm, "System VM");
                // Destroying expunges the VM and its agent's host row, freeing its addresses
                // (services/secondary-storage/controller/src/main/java/org/apache/cloudstack/secondarystorage/SecondaryStorageManagerImpl.java@4.19.3.0:1072-1091,
                // server/src/main/java/com/cloud/consoleproxy/ConsoleProxyManagerImpl.java@4.19.3.0:1093-1108).
                markRemoved(vm);
                // The expunge destroys the ROOT volume and expunges it before the job ends
                // (engine/orchestration/src/main/java/com/cloud/vm/VirtualMachineManagerImpl.java@4.19.3.0:667;
                // engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/VolumeOrchestrator.java@4.19.3.0:1258-1293).
                for (const volume of live(data.volumes).filter((v) => v.instanceId === vm.id)) {
                    volume.state = "Expunged";
                    markRemoved(volume);
                }
                const agent = data.hosts.find((h) => h.id === vm.agentHostId);
                if (agent && !agent.removed) markRemoved(agent);
                return object("systemvm", renderVm(data, vm, "Destroyed"));
            });
        },
    },
    /** Virtual routers belong to guest networks, which the stand-in never creates. */
    listRouters: {
        optional: "id zoneid podid hostid name state networkid vpcid listall account domainid projectid keyword",
        run: () => list("router", []),
    },
    listTemplates: {
        required: "templatefilter",
        optional: "id zoneid name hypervisor templatetype keyword listall showremoved showunique details isvnf",
        run(ctx) {
            const { data, params, runtime } = ctx;
            const filter = templateFilter(params.templatefilter);
            // server/src/main/java/com/cloud/api/query/QueryManagerImpl.java@4.19.3.0:4498: no hypervisor in any cluster yet → an empty list.
            if (!live(data.clusters).length) return list("template", []);
            // SYSTEM templates and the admin's own registered (private) ones exist here; none is public or featured,
            // so the root admin sees them with `all` alone (QueryManagerImpl.java@4.19.3.0:4448 listAll; :4793 showDomr).
            if (filter !== "all") return list("template", []);
            // QueryManagerImpl.java@4.19.3.0:4468 HypervisorType.getType: case-insensitive; an unknown name is None, which
            // filters nothing (:4775); another known hypervisor finds no KVM template.
            const hypervisor = params.hypervisor?.toLowerCase();
            const otherHypervisor = hypervisor !== undefined && hypervisor !== "kvm" && OTHER_HYPERVISORS.includes(hypervisor);
            const copies = data.templates.filter(
                (t) =>
                    (!params.zoneid || t.zoneId === params.zoneid) &&
                    live(data.zones).some((z) => z.id === t.zoneId) &&
                    (params.id === undefined || t.templateId === params.id) &&
                    (params.name === undefined || t.name === params.name) &&
                    // QueryManagerImpl.java@4.19.3.0:4815: templatetype compared in the database (case-insensitive collation).
                    (params.templatetype === undefined || params.templatetype.toUpperCase() === (t.type ?? "SYSTEM")) &&
                    !otherHypervisor,
            );
            return list(
                "template",
                copies.map((copy) => {
                    const ready = copy.readyAt !== null && copy.readyAt <= runtime.now();
                    return {
                        id: copy.templateId,
                        name: copy.name,
                        templatetype: copy.type ?? "SYSTEM",
                        hypervisor: "KVM",
                        zoneid: copy.zoneId,
                        zonename: data.zones.find((z) => z.id === copy.zoneId)?.name,
                        isready: ready,
                        status: ready ? "Download Complete" : copy.readyAt === null ? "Failed to download template" : "45% Downloaded",
                    };
                }),
            );
        },
    },
    /**
     * registerTemplate (api/src/main/java/org/apache/cloudstack/api/command/user/template/RegisterTemplateCmd.java@4.19.3.0):
     * format, hypervisor, name and url required (:69-75, :84, :108); zoneid or zoneids, not both, -1 alone meaning
     * every zone (:233-245, :343-353). Synchronous: the template is listed at once, its copies Ready once downloaded.
     */
    registerTemplate: {
        required: "format hypervisor name url",
        optional: "displaytext zoneid zoneids ostypeid bits isextractable passwordenabled ispublic isfeatured isrouting requireshvm checksum sshkeyenabled directdownload details templatetag account domainid projectid",
        run(ctx) {
            const { data, params, runtime } = ctx;
            if (params.zoneid !== undefined && params.zoneids !== undefined) throw serverApiError(PARAM_ERROR, "Both zoneid and zoneids cannot be specified at the same time");
            if (params.zoneid === undefined && params.zoneids === undefined) throw serverApiError(PARAM_ERROR, "Either zoneid or zoneids is required. Both cannot be null.");
            const asked = (params.zoneids ?? params.zoneid!).split(",");
            if (asked.length > 1 && asked.includes("-1")) throw serverApiError(PARAM_ERROR, "Parameter zoneids cannot combine all zones (-1) option with other zones");
            const zones = asked.includes("-1") ? live(data.zones) : asked.map((id) => ref({ ...ctx, params: { zoneid: id } }, "zoneid", live(data.zones)));
            const templateId = crypto.randomUUID();
            for (const zone of zones) data.templates.push({ templateId, name: params.name, zoneId: zone.id, readyAt: runtime.now() + runtime.templateReadyMs, type: "USER" });
            return list(
                "template",
                zones.map((zone) => ({ id: templateId, name: params.name, displaytext: params.displaytext ?? params.name, templatetype: "USER", hypervisor: "KVM", format: params.format, zoneid: zone.id, zonename: zone.name, isready: false })),
            );
        },
    },
    /** Guest OS types (server/src/main/java/com/cloud/server/ManagementServerImpl.java@4.19.3.0 listGuestOSByCriteria); a few of 4.19's Debian rows. */
    listOsTypes: {
        optional: "id description keyword oscategoryid fordisplay",
        run(ctx) {
            const rows = DEBIAN_OS_TYPES.filter((t) => (ctx.params.keyword === undefined || t.description.includes(ctx.params.keyword)) && (ctx.params.id === undefined || t.id === ctx.params.id));
            return list("ostype", rows);
        },
    },
};
