/**
 * `pulumi preview` of the dev stack with 1 and with 100 KVM hosts, through
 * the real engine: wall time (median of runs) and the peak RSS of the Pulumi
 * program's node process (sampled from /proc while the preview runs).
 *
 *   npx ts-node --transpile-only bench/preview-scale.ts [runs=3]
 *
 * Targets (shared/reference/performance-targets.md): 100 hosts ≤ 15 s and
 * ≤ 3 × the 1-host preview; program memory for 100 hosts < 1 GB.
 */
import * as fs from "fs";
import { createTestProject } from "../tests/support/engine";
import { clone, readStackFile } from "../tests/support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

function devWithKvmHosts(count: number): Record<string, unknown> {
    const raw = clone(readStackFile("dev")) as Raw;
    const nodeTemplate = raw.nodes.find((n: Raw) => n.roles.includes("kvm"));
    const hostTemplate = raw.zone.hosts[0];
    raw.nodes = raw.nodes.filter((n: Raw) => !n.roles.includes("kvm"));
    raw.zone.hosts = [];
    raw.network.management.cidr = "10.15.0.0/16";
    raw.zone.pods[0].netmask = "255.255.0.0";
    for (let i = 1; i <= count; i++) {
        const name = `kvm-${String(i).padStart(3, "0")}`;
        const octets = `${Math.floor(i / 200) + 1}.${(i % 200) + 10}`;
        raw.nodes.push({ ...nodeTemplate, name, address: `10.10.${octets}`, managementAddress: `10.15.${octets}`, publicAddress: undefined });
        raw.zone.hosts.push({ ...hostTemplate, name: `N${i}`, ip: `10.15.${octets}`, node: name });
    }
    raw.network.public.cidr = "10.10.0.0/16";
    raw.zone.publicIpRanges[0].netmask = "255.255.0.0";
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`cloudstack:${k}`, v]));
}

/** Peak RSS (MB) of node processes whose command line runs the Pulumi program in `dir`. */
function sampleProgramRss(dir: string, peak: { mb: number }): NodeJS.Timeout {
    return setInterval(() => {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            try {
                const cwd = fs.readlinkSync(`/proc/${pid}/cwd`);
                const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                if (cwd !== dir || !cmdline.includes("run")) continue;
                const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
                if (rss && cmdline.includes("node")) peak.mb = Math.max(peak.mb, Number(rss[1]) / 1024);
            } catch {
                // the process ended between listing and reading
            }
        }
    }, 100);
}

async function measure(hosts: number, runs: number): Promise<{ seconds: number[]; rssMb: number; resources: number }> {
    const project = await createTestProject({ stackName: `scale${hosts}`, config: devWithKvmHosts(hosts), extraEnv: process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {} });
    const seconds: number[] = [];
    const peak = { mb: 0 };
    let resources = 0;
    try {
        for (let run = 0; run < runs; run++) {
            const sampler = sampleProgramRss(project.dir, peak);
            const started = Date.now();
            const preview = await project.stack.preview();
            seconds.push((Date.now() - started) / 1000);
            clearInterval(sampler);
            resources = preview.changeSummary.create ?? 0;
        }
    } finally {
        await project.remove();
    }
    return { seconds, rssMb: peak.mb, resources };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
    const runs = Number(process.argv[2] ?? 3);
    const one = await measure(1, runs);
    const hundred = await measure(100, runs);
    console.log(`preview, 1 KVM host:    median ${median(one.seconds).toFixed(1)} s (runs ${one.seconds.map((s) => s.toFixed(1)).join(", ")}), ${one.resources} resources, program peak RSS ${one.rssMb.toFixed(0)} MB`);
    console.log(`preview, 100 KVM hosts: median ${median(hundred.seconds).toFixed(1)} s (runs ${hundred.seconds.map((s) => s.toFixed(1)).join(", ")}), ${hundred.resources} resources, program peak RSS ${hundred.rssMb.toFixed(0)} MB`);
    console.log(`ratio 100/1: ${(median(hundred.seconds) / median(one.seconds)).toFixed(2)} (target ≤ 3), 100 hosts target ≤ 15 s, memory target < 1024 MB`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
