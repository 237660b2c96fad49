/**
 * Recreating the SSVM and CPVM: destroy them through the API and wait until
 * CloudStack has started new ones (it does so by itself in an Enabled zone
 * with an Up host, Up primary storage and a Ready SystemVM template).
 */
import { waitFor } from "../providers/cloudstack/wait";
import { apiClient, zoneIdOf } from "./api";
import { OpsContext } from "./context";

export type SystemVmType = "secondarystoragevm" | "consoleproxy";

interface SystemVm {
    id: string;
    name: string;
    systemvmtype: SystemVmType;
    state: string;
}

/** Destroys the system VMs of these types and waits until new ones are Running. */
export async function recreateSystemVms(ctx: OpsContext, types: SystemVmType[], timeoutSeconds: number, log: (line: string) => void): Promise<void> {
    const api = apiClient(ctx);
    const zoneid = await zoneIdOf(ctx, api);
    const before = await api.list<SystemVm>("listSystemVms", { zoneid });
    const old = before.filter((vm) => types.includes(vm.systemvmtype));
    for (const vm of old) {
        log(`destroying ${vm.name} (${vm.systemvmtype}, ${vm.state}); CloudStack starts a new one`);
        await api.job("destroySystemVm", { id: vm.id });
    }
    const oldIds = new Set(old.map((vm) => vm.id));
    await waitFor(
        `new ${types.join(" and ")} Running in zone ${ctx.settings.zone.name}`,
        async () => {
            const vms = (await api.list<SystemVm>("listSystemVms", { zoneid })).filter((vm) => types.includes(vm.systemvmtype) && !oldIds.has(vm.id));
            const running = types.map((type) => vms.find((vm) => vm.systemvmtype === type && vm.state === "Running"));
            const state = types.map((type, i) => `${type}: ${running[i]?.name ?? vms.find((vm) => vm.systemvmtype === type)?.state ?? "not created yet"}`).join(", ");
            return { done: running.every(Boolean), value: running, state };
        },
        timeoutSeconds * 1000,
        2000,
    );
    log(`${types.join(" and ")} Running again`);
}
