/**
 * Zone build benchmark: the seed's zone (Pulumi.dev.yaml) built by the zone
 * providers against the CloudStack stand-in, with async jobs that take a
 * random 0.2-1.2 s as on a real server. Prints, per run and as medians:
 *
 * - mutating API calls made vs the minimum for the layout (one per object,
 *   no create retried);
 * - total queryAsyncJobResult polls, and the shortest gap between two polls
 *   of one job (target: ≥ 1 s);
 * - how long after a job finished the provider noticed it (median, p95;
 *   target: within 1 s).
 *
 *   npx ts-node bench/zone-build.ts [--runs 3]
 *
 * At scale (bench/zoneHostsAtScale.ts): N hosts whose registration blocks for
 * a minute each, built by `pulumi up --parallel P` of the real program; prints
 * the wall time against the single-host latency measured in the same run.
 *
 *   npx ts-node --transpile-only bench/zone-build.ts --hosts 100 [--host-delay-s 60] [--parallel 100]
 */
import { ZoneSettings } from "../config/settings";
import { provider as credentialsProvider } from "../providers/cloudstack/objects/apiCredentials";
import { provider as settingProvider } from "../providers/cloudstack/objects/globalSetting";
import { ApiConnection } from "../providers/cloudstack/resource";
import { startStandIn } from "../tests/standin";
import { buildZoneWithProviders, mutatingCommands } from "../tests/standin/testKit";
import { check, readStackFile } from "../tests/support/stackConfig";
import { buildZoneAtScale } from "./zoneHostsAtScale";

/** Per physical network: create, its traffic types, three elements, three providers, one enable. */
function minimumMutatingCalls(zone: ZoneSettings): number {
    const networks = zone.physicalNetworks.reduce((sum, pn) => sum + 1 + pn.trafficTypes.length + 3 + 3 + 1, 0);
    const objects = 1 + zone.pods.length + zone.publicIpRanges.length + zone.clusters.length + zone.hosts.length + zone.primaryStorages.length + zone.secondaryStorages.length;
    const credentials = 2; // registerUserKeys, updateUser
    const settings = 1; // the `host` setting
    const enable = 1;
    return networks + objects + credentials + settings + enable;
}

const percentile = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const median = (values: number[]) => percentile(values, 50);

interface RunResult {
    seconds: number;
    mutating: number;
    polls: number;
    jobs: number;
    minPollGapMs: number;
    noticeMedianMs: number;
    noticeP95Ms: number;
}

async function run(zone: ZoneSettings): Promise<RunResult> {
    const standIn = await startStandIn({ jobLatencyMs: () => 200 + Math.random() * 1000, hostConnectMs: 2000, systemVmBootMs: 1500, templateReadyMs: 500, scanIntervalMs: 100 });
    try {
        const started = Date.now();
        const keys = (await credentialsProvider.create({ apiUrl: standIn.url, username: "admin", domain: "/", initialPassword: "password", password: "Bench-admin-Pw1" })).outs;
        const connection: ApiConnection = { apiUrl: standIn.url, apiKey: keys.apiKey, secretKey: keys.secretKey };
        await settingProvider.create({ connection, name: "host", value: "10.15.0.116" });
        await buildZoneWithProviders(connection, zone);
        const seconds = (Date.now() - started) / 1000;
        const jobs = standIn.data.jobs.filter((j) => j.completedAt !== undefined && j.firstSeenDoneAt !== undefined);
        const gaps = standIn.data.jobs.flatMap((j) => j.polls.slice(1).map((t, i) => t - j.polls[i]));
        const notice = jobs.map((j) => (j.firstSeenDoneAt as number) - (j.completedAt as number));
        return {
            seconds,
            mutating: mutatingCommands(standIn).length,
            polls: standIn.calls.filter((c) => c.command === "queryAsyncJobResult").length,
            jobs: standIn.data.jobs.length,
            minPollGapMs: gaps.length ? Math.min(...gaps) : NaN,
            noticeMedianMs: median(notice),
            noticeP95Ms: percentile(notice, 95),
        };
    } finally {
        await standIn.close();
    }
}

function argument(name: string, fallback: number): number {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
}

async function atScale(hosts: number): Promise<void> {
    const delayMs = argument("--host-delay-s", 60) * 1000;
    const parallel = argument("--parallel", 100);
    console.log(`zone build at scale: ${hosts} hosts, each ${delayMs / 1000} s from addHost to Up (stand-in delay, a test control), pulumi up --parallel ${parallel}`);
    const single = await buildZoneAtScale(1, delayMs, parallel);
    console.log(`  1 host:   ${single.seconds.toFixed(1)} s wall (the single-host latency), ${single.hostsUp} Up, ${single.rejectedCalls} rejected calls`);
    const many = await buildZoneAtScale(hosts, delayMs, parallel);
    console.log(`  ${hosts} hosts: ${many.seconds.toFixed(1)} s wall, ${many.hostsUp} Up, ${many.rejectedCalls} rejected calls`);
    const serial = hosts * single.seconds;
    console.log(
        `  wall ${hosts} hosts / single host: ${(many.seconds / single.seconds).toFixed(2)} × (one at a time would take ~${(serial / 60).toFixed(0)} min; ` +
            `target: a few minutes, not ${hosts}) — ${many.seconds <= 5 * 60 ? "met" : "NOT met"}`,
    );
}

async function main(): Promise<void> {
    if (process.argv.includes("--hosts")) return atScale(argument("--hosts", 100));
    const runs = argument("--runs", 3);
    const zone = check(readStackFile("dev")).settings.zone;
    const minimum = minimumMutatingCalls(zone);
    console.log(`zone build benchmark: seed zone ${zone.name}, ${runs} run(s), jobs take 0.2-1.2 s, hosts come Up after 2 s`);
    console.log("run  seconds  mutating/minimum  jobs  polls  min poll gap  notice median  notice p95");
    const results: RunResult[] = [];
    for (let i = 1; i <= runs; i++) {
        const r = await run(zone);
        results.push(r);
        console.log(
            `${String(i).padStart(3)}  ${r.seconds.toFixed(1).padStart(7)}  ${`${r.mutating}/${minimum}`.padStart(16)}  ${String(r.jobs).padStart(4)}  ${String(r.polls).padStart(5)}  ${`${r.minPollGapMs} ms`.padStart(12)}  ${`${r.noticeMedianMs} ms`.padStart(13)}  ${`${r.noticeP95Ms} ms`.padStart(10)}`,
        );
    }
    const m = (key: keyof RunResult) => median(results.map((r) => r[key]));
    console.log(
        `median: ${m("seconds").toFixed(1)} s, mutating calls ${m("mutating")} (minimum ${minimum}), polls ${m("polls")} for ${m("jobs")} jobs, ` +
            `shortest poll gap ${Math.min(...results.map((r) => r.minPollGapMs))} ms, completion noticed after ${m("noticeMedianMs")} ms (median) / ${m("noticeP95Ms")} ms (p95)`,
    );
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
