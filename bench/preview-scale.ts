/**
 * `pulumi preview` through the real engine, as the main job runs it (the
 * compiled program, program.js): an empty Pulumi program (the engine's own
 * floor), the dev stack (1 KVM host), and the dev stack grown to 100 and 300
 * KVM hosts. Each round runs all four back to back, so the ratios are taken
 * within one round on this (shared, noisy) machine; the medians are over the
 * rounds. Also the peak RSS of the program's node process (the language host's
 * child) at 300 hosts, sampled from /proc.
 *
 * And the engine's floor for the hosts: the empty program again, declaring as
 * many empty components as the 100-host stack has resources beyond the
 * 1-host one, with the program's own runtime (scripts/program-runtime.js).
 * No program can register that many resources faster with this engine, so
 * (1 host + that floor's cost) / 1 host is the best 100 / 1 host ratio any
 * layout with as many resources could reach.
 *
 *   npx ts-node --transpile-only bench/preview-scale.ts [rounds=3] [--no-warm-up]
 *
 * Targets (shared/reference/performance-targets.md): 1 host ≤ 1.75 × empty,
 * 100 hosts ≤ 1.5 × 1 host, program memory at 300 hosts < 1 GB.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { createTestProject, engineEnv, selectStack, TestProject } from "../tests/support/engine";
import { clone, readStackFile } from "../tests/support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

function devWithKvmHosts(count: number): Record<string, unknown> {
    const raw = clone(readStackFile("dev")) as Raw;
    if (count > 1) {
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
    }
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [`cloudstack:${k}`, v]));
}

/** Empty components the floor program declares, by its stack config `floor:components`. */
const FLOOR_PROGRAM = `
require(${JSON.stringify(path.join(__dirname, "..", "scripts", "program-runtime.js"))}).prepareProgramRuntime(__dirname);
const pulumi = require("@pulumi/pulumi");
const count = Number(new pulumi.Config("floor").get("components") || 0);
for (let i = 0; i < count; i++) new pulumi.ComponentResource("floor:index:Empty", "empty-" + i, {}, {}).registerOutputs({});
module.exports = {};
`;

/**
 * A Pulumi program that declares nothing (or only empty components, see
 * FLOOR_PROGRAM), run by the same engine with the same settings.
 */
async function emptyProject(stackName = "empty", program = "module.exports = {};\n"): Promise<{ dir: string; stack: Stack }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudstack-infra-empty-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: empty\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n");
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "empty", main: "index.js" }));
    fs.writeFileSync(path.join(dir, "index.js"), program);
    fs.symlinkSync(path.join(__dirname, "..", "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(dir, ".state"));
    return { dir, stack: await selectStack(dir, stackName, engineEnv(dir)) };
}

/** Peak RSS (MB) of the program's node process (run by the language host, cwd `dir`). */
function sampleProgramRss(dir: string, peak: { mb: number }): NodeJS.Timeout {
    return setInterval(() => {
        for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
            try {
                if (fs.readlinkSync(`/proc/${pid}/cwd`) !== dir) continue;
                const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
                if (!cmdline.includes("node") || !cmdline.includes("cmd/run")) continue;
                const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
                if (rss) peak.mb = Math.max(peak.mb, Number(rss[1]) / 1024);
            } catch {
                // the process ended between listing and reading
            }
        }
    }, 100);
}

interface Case {
    label: string;
    dir: string;
    stack: Stack;
    seconds: number[];
    rssMb: number;
    resources: number;
}

async function previewOnce(c: Case): Promise<void> {
    const peak = { mb: 0 };
    const sampler = sampleProgramRss(c.dir, peak);
    const started = Date.now();
    try {
        const preview = await c.stack.preview();
        c.resources = preview.changeSummary.create ?? 0;
    } finally {
        clearInterval(sampler);
    }
    c.seconds.push((Date.now() - started) / 1000);
    c.rssMb = Math.max(c.rssMb, peak.mb);
    console.error(`  [${c.label}] ${c.seconds[c.seconds.length - 1].toFixed(1)} s, peak RSS ${peak.mb.toFixed(0)} MB`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const list = (values: number[], digits = 1) => values.map((v) => v.toFixed(digits)).join(", ");

async function main(): Promise<void> {
    const rounds = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 3);
    const warmUp = !process.argv.includes("--no-warm-up");
    const projects: TestProject[] = [];
    const empty = await emptyProject();
    const floorProject = await emptyProject("floor", FLOOR_PROGRAM);
    const cases: Case[] = [{ label: "empty program", ...empty, seconds: [], rssMb: 0, resources: 0 }];
    const floor: Case = { label: "engine floor", ...floorProject, seconds: [], rssMb: 0, resources: 0 };
    try {
        for (const hosts of [1, 100, 300]) {
            const project = await createTestProject({ stackName: `scale${hosts}`, config: devWithKvmHosts(hosts) });
            projects.push(project);
            cases.push({ label: `${hosts} KVM host${hosts > 1 ? "s" : ""}`, dir: project.dir, stack: project.stack, seconds: [], rssMb: 0, resources: 0 });
        }
        cases.splice(3, 0, floor);
        // As many empty components as the 100-host stack has resources beyond the 1-host one (known once both ran).
        const previewFloor = async (c: Case) => {
            if (c === floor) await floor.stack.setConfig("floor:components", { value: String(cases[2].resources - cases[1].resources) });
            await previewOnce(c);
        };
        // One untimed preview each: the first run of a project loads plugins and warms the page cache.
        if (warmUp) {
            for (const c of cases) await previewFloor(c);
            for (const c of cases) c.seconds = [];
        }
        for (let round = 0; round < rounds; round++) {
            for (const c of cases) await previewFloor(c);
        }
    } finally {
        for (const p of projects) await p.remove();
        fs.rmSync(empty.dir, { recursive: true, force: true });
        fs.rmSync(floorProject.dir, { recursive: true, force: true });
    }
    cases.splice(3, 1);
    const [e, one, hundred, threeHundred] = cases;
    const ratios = (a: Case, b: Case) => a.seconds.map((s, i) => s / b.seconds[i]);
    console.log(`preview-scale: ${rounds} round(s)${warmUp ? " after a warm-up" : ", no warm-up"}, load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs at the end`);
    for (const c of [...cases, floor]) {
        console.log(`  ${c.label.padEnd(14)} median ${median(c.seconds).toFixed(1).padStart(5)} s (runs ${list(c.seconds)}), ${String(c.resources).padStart(4)} resources, program peak RSS ${c.rssMb.toFixed(0)} MB`);
    }
    const check = (name: string, values: number[], target?: number) =>
        console.log(
            `  ${name.padEnd(26)} median ${median(values).toFixed(2)} (rounds ${list(values, 2)})   ` +
                (target === undefined ? "no target" : `target ≤ ${target}   ${median(values) <= target ? "met" : "NOT met"}`),
        );
    check("1 host / empty program", ratios(one, e), 1.75);
    check("100 hosts / 1 host", ratios(hundred, one), 1.5);
    check("300 hosts / 1 host", ratios(threeHundred, one));
    // What the engine alone adds for that many registrations, on top of the 1-host preview.
    check(
        "best 100 / 1 host (floor)",
        one.seconds.map((s, i) => (s + floor.seconds[i] - e.seconds[i]) / s),
    );
    console.log(`  program peak RSS, 300 hosts ${threeHundred.rssMb.toFixed(0)} MB   target < 1024 MB   ${threeHundred.rssMb < 1024 ? "met" : "NOT met"}`);
}

main().catch((err) => {
    console.error(err);
    process.exit(1);
});
