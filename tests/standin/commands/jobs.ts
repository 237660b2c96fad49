/**
 * queryAsyncJobResult: the unwrapped job view; each poll is recorded so tests and benchmarks can see the client's polling.
 * listAsyncJobs: the caller's jobs, as a client whose submit answer was lost finds the job it may have started.
 */
import { Commands, list } from "../command";
import { invalidUuid } from "../errors";
import { JobRow } from "../store";

/**
 * The class each async command runs as: a job's `cmd` is `cmdObj.getClass().getName()`
 * (server/src/main/java/com/cloud/api/ApiServer.java@4.19.3.0:804). Only the stand-in's async commands.
 */
const COMMAND_CLASSES: Record<string, string> = {
    // Each class extends BaseAsyncCmd (AddTrafficTypeCmd and CreatePhysicalNetworkCmd BaseAsyncCreateCmd); the line is its @APICommand.
    createPhysicalNetwork: "org.apache.cloudstack.api.command.admin.network.CreatePhysicalNetworkCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/network/CreatePhysicalNetworkCmd.java@4.19.3.0:40
    updatePhysicalNetwork: "org.apache.cloudstack.api.command.admin.network.UpdatePhysicalNetworkCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/network/UpdatePhysicalNetworkCmd.java@4.19.3.0:34
    deletePhysicalNetwork: "org.apache.cloudstack.api.command.admin.network.DeletePhysicalNetworkCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/network/DeletePhysicalNetworkCmd.java@4.19.3.0:35
    updateNetworkServiceProvider: "org.apache.cloudstack.api.command.admin.network.UpdateNetworkServiceProviderCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/network/UpdateNetworkServiceProviderCmd.java@4.19.3.0:36
    updatePodManagementNetworkIpRange: "org.apache.cloudstack.api.command.admin.network.UpdatePodManagementNetworkIpRangeCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/network/UpdatePodManagementNetworkIpRangeCmd.java@4.19.3.0:36
    addTrafficType: "org.apache.cloudstack.api.command.admin.usage.AddTrafficTypeCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/usage/AddTrafficTypeCmd.java@4.19.3.0:37
    updateTrafficType: "org.apache.cloudstack.api.command.admin.usage.UpdateTrafficTypeCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/usage/UpdateTrafficTypeCmd.java@4.19.3.0:34
    deleteTrafficType: "org.apache.cloudstack.api.command.admin.usage.DeleteTrafficTypeCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/usage/DeleteTrafficTypeCmd.java@4.19.3.0:34
    configureVirtualRouterElement: "org.apache.cloudstack.api.command.admin.router.ConfigureVirtualRouterElementCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/router/ConfigureVirtualRouterElementCmd.java@4.19.3.0:43
    configureInternalLoadBalancerElement: "org.apache.cloudstack.api.command.admin.internallb.ConfigureInternalLoadBalancerElementCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/internallb/ConfigureInternalLoadBalancerElementCmd.java@4.19.3.0:43
    enableStorageMaintenance: "org.apache.cloudstack.api.command.admin.storage.PreparePrimaryStorageForMaintenanceCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/storage/PreparePrimaryStorageForMaintenanceCmd.java@4.19.3.0:37
    cancelStorageMaintenance: "org.apache.cloudstack.api.command.admin.storage.CancelPrimaryStorageMaintenanceCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/storage/CancelPrimaryStorageMaintenanceCmd.java@4.19.3.0:36
    prepareHostForMaintenance: "org.apache.cloudstack.api.command.admin.host.PrepareForMaintenanceCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/host/PrepareForMaintenanceCmd.java@4.19.3.0:35
    cancelHostMaintenance: "org.apache.cloudstack.api.command.admin.host.CancelMaintenanceCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/host/CancelMaintenanceCmd.java@4.19.3.0:35
    reconnectHost: "org.apache.cloudstack.api.command.admin.host.ReconnectHostCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/host/ReconnectHostCmd.java@4.19.3.0:37
    destroySystemVm: "org.apache.cloudstack.api.command.admin.systemvm.DestroySystemVmCmd", // api/src/main/java/org/apache/cloudstack/api/command/admin/systemvm/DestroySystemVmCmd.java@4.19.3.0:37
};

function commandClass(command: string): string {
    const name = COMMAND_CLASSES[command];
    // A new async command in the stand-in must be named here, or listAsyncJobs would show a class the server never has.
    if (!name) throw new Error(`stand-in: no command class recorded for async command ${command} (tests/standin/commands/jobs.ts)`);
    return name;
}

function renderJob(job: JobRow) {
    return {
        jobid: job.jobid,
        cmd: commandClass(job.cmd),
        jobstatus: job.status,
        jobprocstatus: 0,
        jobresultcode: job.resultcode,
        jobresulttype: job.status === 0 ? undefined : "object",
        jobresult: job.status === 0 ? undefined : job.result,
        jobinstanceid: job.instanceId,
        created: new Date(job.created).toISOString(),
        completed: job.completedAt ? new Date(job.completedAt).toISOString() : undefined,
    };
}

export const jobCommands: Commands = {
    queryAsyncJobResult: {
        required: "jobid",
        run(ctx) {
            const job = ctx.data.jobs.find((j) => j.jobid === ctx.params.jobid);
            if (!job) throw invalidUuid(ctx.command, "jobid", ctx.params.jobid);
            const now = ctx.runtime.now();
            job.polls.push(now);
            if (job.status !== 0 && job.firstSeenDoneAt === undefined) job.firstSeenDoneAt = now;
            return {
                kind: "raw",
                value: {
                    jobid: job.jobid,
                    cmd: job.cmd,
                    jobstatus: job.status,
                    jobprocstatus: 0,
                    jobresultcode: job.resultcode,
                    jobresulttype: "object",
                    jobresult: job.status === 0 ? undefined : job.result,
                    jobinstanceid: job.instanceId,
                    created: new Date(job.created).toISOString(),
                    completed: job.completedAt ? new Date(job.completedAt).toISOString() : undefined,
                },
            };
        },
    },
    listAsyncJobs: {
        // api/src/main/java/org/apache/cloudstack/api/command/user/job/ListAsyncJobsCmd.java@4.19.3.0:29-44 (startdate, managementserverid)
        // and its bases BaseListAccountResourcesCmd (account) and BaseListDomainResourcesCmd (listall domainid isrecursive).
        // Only keyword is carried out here: a call with the others is recorded as "accepted but ignored".
        optional: "account domainid isrecursive listall startdate managementserverid",
        run(ctx) {
            // server/src/main/java/com/cloud/api/query/QueryManagerImpl.java@4.19.3.0:2986-3065: every job of the caller's
            // account (the stand-in's jobs are all the admin's), oldest first (Filter on id ascending, :2998), keyword
            // matched against the command class with LIKE '%keyword%' (:3048, MySQL's default collation: any case).
            const keyword = ctx.params.keyword?.toLowerCase();
            const jobs = ctx.data.jobs.filter((job) => keyword === undefined || commandClass(job.cmd).toLowerCase().includes(keyword));
            // server/src/main/java/com/cloud/api/query/dao/AsyncJobJoinDaoImpl.java@4.19.3.0:53-95, object name "asyncjobs" (:94).
            return list("asyncjobs", jobs.map(renderJob));
        },
    },
};
