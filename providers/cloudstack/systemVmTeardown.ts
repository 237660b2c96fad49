/**
 * Removing what CloudStack made by itself in a zone once it was enabled: the
 * system VMs (SSVM, CPVM) and any virtual routers. destroySystemVm and
 * destroyRouter expunge the VM and its ROOT volume before their job ends
 * (VirtualMachineManagerImpl.advanceExpunge → VolumeOrchestrator.cleanupVolumes),
 * so once they are gone nothing of theirs blocks deleteStoragePool ("associated
 * non-destroyed vols"), deletePod (allocated private IPs) or deleteVlanIpRange.
 *
 * Two callers: the zone enablement's delete clears the whole zone (after
 * disabling it), and the primary storage's delete clears the system VMs whose
 * volumes are on that pool — so `destroy` after an `up` that failed at the
 * zone-enable step (no enablement in the state) still gets the pool deleted.
 */
import { applyOnce, gone } from "./applyOnce";
import { CloudStackClient } from "./client";
import { waitFor } from "./wait";
import { setZoneAllocationState, zoneAllocationState } from "./zoneState";

export interface TeardownScope {
    zoneId: string;
    /** For messages. */
    zoneName: string;
    /** Only the system VMs with a volume on this primary storage (listSystemVms storageid). */
    storageId?: string;
}

export const SYSTEM_VM_TEARDOWN_TIMEOUT_MS = 15 * 60_000;

const systemVmFilter = (scope: TeardownScope) => ({ zoneid: scope.zoneId, ...(scope.storageId ? { storageid: scope.storageId } : {}) });

/** Destroys one system VM (its job expunges it); a lost answer is checked against the VM being gone. */
export async function destroySystemVm(api: CloudStackClient, id: string): Promise<void> {
    await applyOnce(api, { command: "destroySystemVm", params: { id }, tookEffect: gone(async () => (await api.list("listSystemVms", { id }))[0]) });
}

async function destroyRouter(api: CloudStackClient, id: string): Promise<void> {
    await applyOnce(api, { command: "destroyRouter", params: { id }, tookEffect: gone(async () => (await api.list("listRouters", { id, listall: "true" }))[0]) });
}

/** Destroys the scope's routers (zone scope only: listRouters has no storage filter) and system VMs, and waits until they are gone. */
export async function destroySystemVms(api: CloudStackClient, scope: TeardownScope, timeoutMs = SYSTEM_VM_TEARDOWN_TIMEOUT_MS): Promise<void> {
    if (!scope.storageId) {
        const routers = await api.list<{ id: string }>("listRouters", { zoneid: scope.zoneId, listall: "true" });
        await Promise.all(routers.map((router) => destroyRouter(api, router.id)));
    }
    const vms = await api.list<{ id: string }>("listSystemVms", systemVmFilter(scope));
    await Promise.all(vms.map((vm) => destroySystemVm(api, vm.id)));
    const where = scope.storageId ? ` on primary storage ${scope.storageId}` : "";
    await waitFor(
        `system VMs of zone ${scope.zoneName}${where} to be gone`,
        async () => {
            const left = await api.list<{ name: string; state: string }>("listSystemVms", systemVmFilter(scope));
            return { done: left.length === 0, value: undefined, state: left.map((v) => `${v.name} ${v.state}`).join(", ") };
        },
        timeoutMs,
    );
}

/** Disables the zone first — in an Enabled zone CloudStack recreates the system VMs at once — then destroys them. */
export async function disableZoneAndDestroySystemVms(api: CloudStackClient, scope: TeardownScope): Promise<void> {
    const state = await zoneAllocationState(api, scope.zoneId);
    if (!state) return;
    if (state !== "Disabled") await setZoneAllocationState(api, scope.zoneId, "Disabled");
    await destroySystemVms(api, { zoneId: scope.zoneId, zoneName: scope.zoneName });
}
