/** queryAsyncJobResult: the unwrapped job view; each poll is recorded so tests and benchmarks can see the client's polling. */
import { Commands } from "../command";
import { invalidUuid } from "../errors";

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
};
