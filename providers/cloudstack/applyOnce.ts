/**
 * A mutating call other than a create (an update, a state change, a delete)
 * whose answer may be lost: the connection drops after the request reached
 * the server, e.g. when the management server restarts. It is never sent a
 * second time blindly:
 *
 * 1. an async command may have started a job that is still running: the
 *    caller's pending jobs of that command are found with listAsyncJobs
 *    (`keyword` matches the command's class, QueryManagerImpl.java@4.19.3.0:3048)
 *    and waited for;
 * 2. then the server is asked whether the call took effect (the setting has
 *    the value, the zone is Enabled, the object is gone ...) — reads retry
 *    through an outage (client.ts);
 * 3. only when it did not, the call is sent again, once, and says so.
 *
 * A synchronous call runs inside its request, so its effect is read once,
 * right away; one still running on the server after the client gave up
 * waiting (60 s, none of these calls comes close) would be sent again.
 * Creates have their own path (resource.ts createOnce): they adopt the object
 * by its natural key.
 */
import { CloudStackClient, DEFAULT_JOB_DEADLINE_MS, JobOptions } from "./client";
import { CloudStackConnectionError, CloudStackError, isAlreadyGone } from "./errors";
import { Params } from "./signing";

/** Whether a call's answer was lost after the request may have reached the server (and acted). */
export function answerLost(err: unknown): err is CloudStackConnectionError {
    return err instanceof CloudStackConnectionError && err.delivered;
}

/**
 * The async commands the program sends, each with the class it runs as: a
 * job's `cmd` is the command object's class name (server/src/main/java/com/cloud/api/ApiServer.java@4.19.3.0:804),
 * under api/src/main/java/org/apache/cloudstack/api/command/admin/ in 4.19.3.0.
 * A command not listed here is sent as a synchronous one.
 */
export const ASYNC_COMMAND_CLASSES: Record<string, string> = {
    updatePodManagementNetworkIpRange: "UpdatePodManagementNetworkIpRangeCmd", // network/
    addTrafficType: "AddTrafficTypeCmd", // usage/
    updateTrafficType: "UpdateTrafficTypeCmd", // usage/
    deleteTrafficType: "DeleteTrafficTypeCmd", // usage/
    updateNetworkServiceProvider: "UpdateNetworkServiceProviderCmd", // network/
    updatePhysicalNetwork: "UpdatePhysicalNetworkCmd", // network/
    deletePhysicalNetwork: "DeletePhysicalNetworkCmd", // network/
    configureVirtualRouterElement: "ConfigureVirtualRouterElementCmd", // router/
    configureInternalLoadBalancerElement: "ConfigureInternalLoadBalancerElementCmd", // internallb/
    enableStorageMaintenance: "PreparePrimaryStorageForMaintenanceCmd", // storage/
    prepareHostForMaintenance: "PrepareForMaintenanceCmd", // host/
    reconnectHost: "ReconnectHostCmd", // host/
    destroySystemVm: "DestroySystemVmCmd", // systemvm/
    destroyRouter: "DestroyRouterCmd", // router/
};

export interface Mutation {
    command: string;
    params: Params;
    /** Whether the call's effect is there now, read from the server. */
    tookEffect(): Promise<boolean>;
    /** For an async command, how long its job may take (default: the client's). */
    options?: JobOptions;
}

/**
 * Where "sent again" is said: by default the provider's stderr, which the
 * engine shows in the run's output (plugin stderr becomes an info diagnostic,
 * sdk/go/common/resource/plugin/plugin.go in pulumi v3.259.0).
 */
export type Report = (line: string) => void;

const toStderr: Report = (line) => console.error(line);

async function send(api: CloudStackClient, mutation: Mutation): Promise<void> {
    if (ASYNC_COMMAND_CLASSES[mutation.command]) await api.job(mutation.command, mutation.params, mutation.options);
    else await api.request(mutation.command, mutation.params, mutation.options);
}

interface JobView {
    jobid: string;
    cmd: string;
    jobstatus: number;
}

/**
 * Waits for the caller's jobs of this command that are still running: one of
 * them may be the lost call's. A job that fails is left to the effect check;
 * one that outlives the deadline stops everything (it may still act).
 */
async function waitForRunningJobs(api: CloudStackClient, mutation: Mutation): Promise<void> {
    const className = ASYNC_COMMAND_CLASSES[mutation.command];
    if (!className) return;
    const deadline = Date.now() + (mutation.options?.deadlineMs ?? DEFAULT_JOB_DEADLINE_MS);
    const jobs = await api.list<JobView>("listAsyncJobs", { keyword: className });
    // The keyword is a substring match (a longer class name could contain it): the class must be this one.
    const running = jobs.filter((job) => job.jobstatus === 0 && job.cmd.split(".").pop() === className);
    for (const job of running) {
        try {
            await api.waitForJob(mutation.command, mutation.params, job.jobid, deadline);
        } catch (err) {
            if (!(err instanceof CloudStackError)) throw err;
        }
    }
}

/**
 * The effect of a delete: the object is no longer found — listed as nothing,
 * or its id refused as naming nothing (a row deleted outright no longer
 * translates: server/src/main/java/com/cloud/api/dispatch/ParamProcessWorker.java@4.19.3.0:530).
 */
export function gone(find: () => Promise<unknown>): () => Promise<boolean> {
    return async () => {
        try {
            return (await find()) === undefined;
        } catch (err) {
            if (isAlreadyGone(err)) return true;
            throw err;
        }
    };
}

/** Sends the call; if its answer is lost, sends it a second time only when the server shows it did not take effect. */
export async function applyOnce(api: CloudStackClient, mutation: Mutation, report: Report = toStderr): Promise<void> {
    try {
        return await send(api, mutation);
    } catch (err) {
        if (!answerLost(err)) throw err;
    }
    await waitForRunningJobs(api, mutation);
    if (await mutation.tookEffect()) return;
    const again = `CloudStack ${mutation.command}: the answer was lost and the server shows no effect; sending it a second time`;
    report(again);
    try {
        await send(api, mutation);
    } catch (err) {
        // The error keeps its type (a delete that finds the object gone is still recognized as such).
        if (err instanceof Error) err.message = `${err.message} (this was the second attempt: the first one's answer was lost and the server showed no effect)`;
        throw err;
    }
}
