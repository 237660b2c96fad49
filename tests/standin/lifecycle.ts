/**
 * What happens in the stand-in without a request: async jobs finishing after
 * their latency, agents connecting, and the system VM scanner that — like
 * SecondaryStorageManagerImpl / ConsoleProxyManagerImpl — starts an SSVM and a
 * CPVM only in an Enabled zone with an Up host, Up primary storage, an image
 * store and a ready SystemVM template, and restarts stopped ones there.
 */
import * as crypto from "crypto";
import { Reply, Runtime } from "./command";
import { ApiError, INTERNAL_ERROR } from "./errors";
import { readySystemTemplate } from "./commands/systemvms";
import { rangeAddresses } from "./ip";
import { HostRow, JobRow, live, newRow, StandInData, SystemVmRow } from "./store";

/** What queryAsyncJobResult shows as `jobresult` for a finished reply. */
function jobResult(reply: Reply): unknown {
    switch (reply.kind) {
        case "object":
            return { [reply.name]: reply.value };
        case "list":
            return { [reply.name]: reply.items };
        case "raw":
            return reply.value;
        default:
            return { success: true };
    }
}

export function finishJob(data: StandInData, job: JobRow, run: () => Reply, now: number): void {
    try {
        job.result = jobResult(run());
        job.status = 1;
        job.resultcode = 0;
    } catch (err) {
        const code = err instanceof ApiError ? err.code : INTERNAL_ERROR;
        job.status = 2;
        job.resultcode = code;
        job.result = { uuidList: [], errorcode: code, errortext: (err as Error).message };
    }
    job.completedAt = now;
    if (!data.jobs.includes(job)) data.jobs.push(job);
}

export function startJob(data: StandInData, runtime: Runtime, command: string, run: () => Reply, instanceId?: string): JobRow {
    const job: JobRow = { jobid: crypto.randomUUID(), cmd: command, status: 0, resultcode: 0, created: runtime.now(), polls: [], instanceId, msid: runtime.msid };
    data.jobs.push(job);
    runtime.later(runtime.jobLatencyMs(command), () => {
        // The job's row as the data holds it now: a server sharing its cloud (sharedCloud.ts) may have adopted a
        // stored copy of the row meanwhile, and the real server updates the job by its id
        // (framework/jobs/src/main/java/org/apache/cloudstack/framework/jobs/impl/AsyncJobManagerImpl.java@4.19.3.0:293-301, completeAsyncJob: _jobDao.findById(jobId)).
        const current = data.jobs.find((j) => j.jobid === job.jobid) ?? job;
        finishJob(data, current, run, runtime.now());
        runtime.save();
    });
    return job;
}

/**
 * Jobs cut off by a restart fail, as the real server fails the jobs of a management server that went away:
 * at start only its own (framework/jobs/src/main/java/org/apache/cloudstack/framework/jobs/impl/AsyncJobManagerImpl.java@4.19.3.0:1101,1253
 * cleanupLeftOverJobs(getMsid())). Without an msid (one server, a state file) every job is its own.
 */
export function failInterruptedJobs(data: StandInData, now: number, msid?: number): void {
    for (const job of data.jobs.filter((j) => j.status === 0 && (msid === undefined || j.msid === msid))) {
        job.status = 2;
        job.resultcode = INTERNAL_ERROR;
        job.result = { uuidList: [], errorcode: INTERNAL_ERROR, errortext: "Job failed due to exception: management server was restarted" };
        job.completedAt = now;
    }
}

/**
 * A host's agent (re)connecting. With an agent port, a KVM host is Up only
 * while its agent is connected: a restarted server first marks its hosts
 * Disconnected (engine/orchestration/src/main/java/com/cloud/agent/manager/
 * AgentManagerImpl.java@4.19.3.0:227) and the port brings each back Up when
 * its agent sends its startup. Without one (tests that do not claim
 * registration), the host comes Up after `ms`.
 */
export function connectLater(runtime: Runtime, host: HostRow, ms = runtime.hostConnectMs): void {
    const agents = runtime.connector.agents;
    if (agents && host.type === "Routing") {
        if (!host.removed) host.state = agents.isConnected(host.guid) ? "Up" : "Disconnected";
        // Sharing the cloud: held by the server its agent is connected to (HostDaoImpl.java@4.19.3.0:1085-1093).
        const holder = agents.holder(host.guid);
        if (holder !== undefined && !host.removed) host.managementServerId = holder;
        return;
    }
    host.state = "Connecting";
    runtime.later(ms, () => {
        if (!host.removed && host.state === "Connecting") {
            host.state = "Up";
            runtime.save();
        }
    });
}

function freeAddress(candidates: string[], taken: Set<string>): string | undefined {
    return candidates.find((ip) => !taken.has(ip));
}

function startSystemVm(data: StandInData, runtime: Runtime, vm: SystemVmRow): void {
    vm.state = "Starting";
    const agent = data.hosts.find((h) => h.id === vm.agentHostId);
    if (agent) agent.state = "Connecting";
    runtime.later(runtime.systemVmBootMs, () => {
        if (vm.removed || vm.state !== "Starting") return;
        vm.state = "Running";
        if (agent && !agent.removed) {
            agent.state = "Up";
            // Its agent connects to the server that started it (HostDaoImpl.java@4.19.3.0:1085-1093).
            if (runtime.msid !== undefined) agent.managementServerId = runtime.msid;
        }
        runtime.save();
    });
}

function createSystemVm(data: StandInData, runtime: Runtime, zoneId: string, type: SystemVmRow["systemvmtype"], host: HostRow, poolId: string): boolean {
    const vms = live(data.systemVms);
    const pod = data.pods.find((p) => p.id === host.podId);
    if (!pod) return false;
    const privateIp = freeAddress(
        pod.ranges.flatMap((r) => rangeAddresses(r.startip, r.endip)),
        new Set(vms.map((v) => v.privateip)),
    );
    const vlans = live(data.vlans).filter((v) => v.zoneId === zoneId);
    const takenPublic = new Set(vms.map((v) => v.publicip));
    const vlan = vlans.find((v) => freeAddress(rangeAddresses(v.startip, v.endip), takenPublic));
    // No free management or public address: the real scanner fails with insufficient capacity and retries later.
    if (!privateIp || !vlan) return false;
    const publicIp = freeAddress(rangeAddresses(vlan.startip, vlan.endip), takenPublic) as string;
    const row = newRow(data);
    const name = `${type === "secondarystoragevm" ? "s" : "v"}-${row.dbId}-VM`;
    const agent: HostRow = {
        ...newRow(data),
        name,
        type: type === "secondarystoragevm" ? "SecondaryStorageVM" : "ConsoleProxy",
        ipaddress: privateIp,
        zoneId,
        podId: pod.id,
        state: "Connecting",
        resourcestate: "Enabled",
        guid: `${name}-${type}`,
    };
    data.hosts.push(agent);
    const vm: SystemVmRow = {
        ...row,
        zoneId,
        podId: pod.id,
        hostId: host.id,
        agentHostId: agent.id,
        poolId,
        name,
        systemvmtype: type,
        state: "Starting",
        privateip: privateIp,
        publicip: publicIp,
        publicVlanId: vlan.id,
        linklocalip: `169.254.${row.dbId % 256}.${(row.dbId * 7) % 254 + 1}`,
        templateId: readySystemTemplate(data, zoneId, runtime.now())?.templateId,
    };
    data.systemVms.push(vm);
    // Its ROOT volume on the pool it was deployed to, allocated with the VM
    // (engine/orchestration/src/main/java/com/cloud/vm/VirtualMachineManagerImpl.java@4.19.3.0:563,
    // engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/VolumeOrchestrator.java@4.19.3.0:978-1025);
    // it keeps the pool from being deleted while it lives (commands/storage.ts deleteStoragePool).
    data.volumes.push({ ...newRow(data), zoneId, poolId, instanceId: vm.id, volumetype: "ROOT", state: "Ready" });
    startSystemVm(data, runtime, vm);
    return true;
}

/**
 * Why a zone cannot run system VMs yet, or undefined when it can: SecondaryStorageManagerImpl.isZoneReady
 * (services/secondary-storage/controller/src/main/java/org/apache/cloudstack/secondarystorage/SecondaryStorageManagerImpl.java@4.19.3.0:817-860)
 * and ConsoleProxyManagerImpl.isZoneReady (server/src/main/java/com/cloud/consoleproxy/ConsoleProxyManagerImpl.java@4.19.3.0:877-915):
 * an Up host, a Ready system template, an image store, primary storage. Neither looks at the physical network's or
 * its providers' state, and the system networks' offerings carry no services, so no provider is checked when their
 * NICs are prepared (engine/orchestration/src/main/java/org/apache/cloudstack/engine/orchestration/NetworkOrchestrator.java@4.19.3.0:2116-2121
 * checks only the network's own providers); the VirtualRouter provider matters for routers
 * (server/src/main/java/com/cloud/network/element/VirtualRouterElement.java@4.19.3.0:195), which the stand-in never starts.
 */
export function systemVmBlocker(data: StandInData, zoneId: string, now: number): string | undefined {
    const zone = data.zones.find((z) => z.id === zoneId);
    if (!zone || zone.removed || zone.allocationstate !== "Enabled") return "zone not enabled";
    if (!upRoutingHost(data, zoneId)) return "no Up host";
    if (!live(data.pools).some((p) => p.zoneId === zoneId && p.state === "Up")) return "no Up primary storage";
    if (!live(data.imageStores).some((s) => s.zoneId === zoneId)) return "no image store";
    if (!readySystemTemplate(data, zoneId, now)) return "SystemVM template not ready";
    return undefined;
}

function upRoutingHost(data: StandInData, zoneId: string): HostRow | undefined {
    return live(data.hosts).find((h) => h.zoneId === zoneId && h.type === "Routing" && h.state === "Up" && h.resourcestate === "Enabled");
}

export function scanSystemVms(data: StandInData, runtime: Runtime): void {
    let changed = false;
    for (const zone of live(data.zones)) {
        if (systemVmBlocker(data, zone.id, runtime.now())) continue;
        const host = upRoutingHost(data, zone.id) as HostRow;
        const pool = live(data.pools).find(
            (p) => p.zoneId === zone.id && p.state === "Up" && (p.scope === "ZONE" || p.clusterId === host.clusterId),
        );
        if (!pool) continue;
        for (const type of ["secondarystoragevm", "consoleproxy"] as const) {
            const vm = live(data.systemVms).find((v) => v.zoneId === zone.id && v.systemvmtype === type);
            if (!vm) changed = createSystemVm(data, runtime, zone.id, type, host, pool.id) || changed;
            else if (vm.state === "Stopped") {
                startSystemVm(data, runtime, vm);
                changed = true;
            }
        }
    }
    if (changed) runtime.save();
}

/** Public addresses in use in a range (system VMs hold one each). */
export function publicIpsInUse(data: StandInData, vlanId: string): SystemVmRow[] {
    return live(data.systemVms).filter((vm) => vm.publicVlanId === vlanId);
}
