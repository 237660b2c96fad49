/** System VMs and the SystemVM template as listSystemVms / destroySystemVm / listTemplates show them. */
import { asyncJob, Commands, existing, filterRows, list, object, ref } from "../command";
import { live, markRemoved, StandInData, SystemVmRow } from "../store";

/** The id of the KVM SystemVM template (the same row in every zone). */
export const SYSTEM_TEMPLATE_ID = "8e3d4c1a-5b26-4e0b-9d41-3f0d2a7c9b10";

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
        templateid: SYSTEM_TEMPLATE_ID,
        created: vm.created,
    };
}

export const systemVmCommands: Commands = {
    listSystemVms: {
        optional: "id zoneid podid hostid systemvmtype state name storageid keyword",
        run(ctx) {
            const rows = filterRows(ctx, ctx.data.systemVms, { zoneid: "zoneId", podid: "podId", hostid: "hostId", systemvmtype: "systemvmtype", state: "state" });
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
                // Destroying expunges the VM and its agent's host row, freeing its addresses.
                markRemoved(vm);
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
        optional: "id zoneid name hypervisor keyword listall showremoved showunique details isvnf arch",
        run(ctx) {
            const { data, params, runtime } = ctx;
            if (params.templatefilter !== "system" && params.templatefilter !== "all") return list("template", []);
            const copies = data.templates.filter((t) => (!params.zoneid || t.zoneId === params.zoneid) && live(data.zones).some((z) => z.id === t.zoneId));
            return list(
                "template",
                copies.map((copy) => {
                    const ready = copy.readyAt <= runtime.now();
                    return {
                        id: SYSTEM_TEMPLATE_ID,
                        name: "SystemVM Template (KVM)",
                        templatetype: "SYSTEM",
                        hypervisor: "KVM",
                        zoneid: copy.zoneId,
                        zonename: data.zones.find((z) => z.id === copy.zoneId)?.name,
                        isready: ready,
                        status: ready ? "Download Complete" : "45% Downloaded",
                    };
                }),
            );
        },
    },
};
