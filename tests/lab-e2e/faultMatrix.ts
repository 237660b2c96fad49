/**
 * The fault matrix of the lab e2e: where a run is interrupted, how to tell
 * the interruption landed where it was meant to, and the checks after it
 * (the state still loads; nothing was made twice). One deploy chain carries
 * every kill point: each `pulumi up` is killed at the next one, so the whole
 * matrix costs about one deploy.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { CloudStackClient } from "../../providers/cloudstack/client";
import { TestProject } from "../support/engine";
import { TestLab } from "../support/lab";

/**
 * Where to kill: once `line` appeared in the engine's output and, when
 * `node` is given, `check` (a shell condition run inside that node) holds —
 * the work is then really under way on the node, not only announced.
 * A pgrep pattern starts with a bracket ("[a]pt-get") so that it cannot match
 * the `sh -c` that carries it.
 */
export interface KillPoint {
    name: string;
    line: RegExp;
    node?: string;
    check?: string;
    notes?: string;
}

export const LAB_KILL_POINTS: KillPoint[] = [
    {
        name: "package installs",
        line: /kvm1-\S+ creating/,
        node: "kvm1",
        check: "pgrep -f '[a]pt-get .*install' >/dev/null",
        notes: "apt-get install running on kvm1",
    },
    {
        name: "cloudstack-setup-databases",
        line: /mgmt1-management-database creating/,
        node: "mgmt1",
        // The program runs the tool inside its launcher, which is "python3 -" in ps (no secret on a command line;
        // templates/partials/setup-databases-launcher.py.mustache), the only such process while this stage runs.
        check: "pgrep -f '^python3 -$' >/dev/null",
        notes: "the tool running on mgmt1 (its launcher, python3 -)",
    },
    {
        // The lab cannot seed the template: that mounts secondary storage over kernel NFS, which this kernel lacks
        // (packages.systemVmTemplateUrl is empty, so the step does not exist). The closest real step is adding the
        // image store, which registers the SystemVM template for the zone's hypervisors.
        name: "SystemVM template (image store)",
        line: /zone-secondary-\S+ creating/,
        notes: "seeding needs kernel NFS; killed at addImageStore",
    },
    {
        name: "addHost",
        line: /zone-host-N\d creating/,
        node: "kvm1",
        check: "pgrep -f '[k]eystore-setup|[k]eystore-cert-import|[c]loudstack-setup-agent' >/dev/null || test -s /etc/pki/libvirt/servercert.pem",
        notes: "the management server setting up kvm1's agent",
    },
    {
        name: "zone-enable wait",
        line: /zone-enable creating/,
        node: "mgmt1",
        check:
            "python3 -c 'import json,sys; s=json.load(open(\"/var/lib/cloudstack/management/standin-state.json\")); " +
            "sys.exit(0 if any(z.get(\"allocationstate\") == \"Enabled\" and not z.get(\"removed\") for z in s.get(\"zones\", [])) else 1)'",
        notes: "zone enabled, waiting for the system VMs",
    },
];

export const DESTROY_KILL_POINT: KillPoint = { name: "pulumi destroy", line: /zone-\S+ deleting/, notes: "killed at a zone object's delete" };

/** How many times the matrix runs: the whole chain on fresh hosts each time (CLOUDSTACK_INFRA_REPEAT; npm run test:long sets 3). */
export function repetitions(): number {
    const value = process.env.CLOUDSTACK_INFRA_REPEAT ?? "1";
    if (!/^[1-9][0-9]?$/.test(value)) throw new Error(`CLOUDSTACK_INFRA_REPEAT must be a whole number from 1 to 99, not '${value}'`);
    return Number(value);
}

export interface KillOutcome {
    /** The run was killed (false: it ended by itself first). */
    killed: boolean;
    /** The node condition held when it was killed (true when the point has none). */
    landed: boolean;
    exitCode: number | null;
    output: string;
}

/** After the line, how long to wait for the node's condition before killing anyway (and saying so). */
const CONDITION_SECONDS = 120;

/**
 * Runs `pulumi <args>` as its own process group and kills the whole group
 * with SIGKILL at `point`, as a closed terminal would end it.
 */
export function runUntilKilled(project: TestProject, lab: TestLab, args: string[], point: KillPoint, record: (text: string) => void): Promise<KillOutcome> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--yes", "--skip-preview", "--non-interactive", "--stack", project.stack.name], {
            cwd: project.dir,
            env: { ...process.env, ...project.env },
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let output = "";
        let lineSeen = false;
        let killed = false;
        let landed = false;
        let ended = false;
        const kill = (conditionHeld: boolean) => {
            if (killed || ended) return;
            killed = true;
            landed = conditionHeld;
            process.kill(-child.pid!, "SIGKILL");
        };
        const onData = (chunk: Buffer) => {
            const text = chunk.toString();
            record(text);
            output += text;
            if (!lineSeen && point.line.test(output)) {
                lineSeen = true;
                if (!point.node) kill(true);
                else void lab.waitUntil(point.node, point.check ?? "true", CONDITION_SECONDS).then(kill);
            }
        };
        child.stdout.on("data", onData);
        child.stderr.on("data", onData);
        child.on("error", (err) => {
            reject(err);
        });
        child.on("close", (code) => {
            ended = true;
            // Plugins that put themselves in their own process group outlive the kill; they run in the project directory.
            if (killed) killProcessesIn(project.dir);
            resolve({ killed, landed, exitCode: code, output });
        });
    });
}

/** Ends the processes (of this test's engine run) whose working directory is `dir`. */
export function killProcessesIn(dir: string): void {
    for (const pid of fs.readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
        try {
            if (Number(pid) !== process.pid && fs.readlinkSync(`/proc/${pid}/cwd`) === dir) process.kill(Number(pid), "SIGKILL");
        } catch {
            // Gone already, or not ours to read.
        }
    }
}

/**
 * Whether the stack's state still loads after a kill: `pulumi stack export`
 * exits 0 with a deployment (not `failed to load checkpoint: EOF`), and the
 * file backend wrote no metadata sidecar (metadata=skip), the file a kill
 * could leave empty.
 */
export async function stateReadable(project: TestProject): Promise<{ readable: boolean; why: string }> {
    const sidecars = (fs.readdirSync(path.join(project.dir, ".state"), { recursive: true }) as string[]).filter((f) => f.endsWith(".attrs"));
    if (sidecars.length > 0) return { readable: false, why: `metadata sidecars written: ${sidecars.join(", ")}` };
    const { code, stdout, stderr } = await pulumiCli(project, ["stack", "export", "--stack", project.stack.name]);
    if (code !== 0) return { readable: false, why: `pulumi stack export exited ${code}: ${stderr.trim()}` };
    try {
        const exported = JSON.parse(stdout);
        return exported.deployment ? { readable: true, why: "" } : { readable: false, why: "no deployment in the export" };
    } catch (err) {
        return { readable: false, why: `export is not JSON: ${(err as Error).message}` };
    }
}

export function pulumiCli(project: TestProject, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
        const child = spawn("pulumi", [...args, "--non-interactive"], { cwd: project.dir, env: { ...process.env, ...project.env }, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

/** What the API lists of the zone's objects: each should be there once. */
export async function zoneObjectCounts(client: CloudStackClient): Promise<Record<string, number>> {
    const count = async (command: string, params: Record<string, string> = {}) => (await client.list<Record<string, string>>(command, params)).length;
    const hosts = await client.list<Record<string, string>>("listHosts", { type: "Routing" });
    const perAddress: Record<string, number> = {};
    for (const host of hosts) perAddress[`host ${host.ipaddress}`] = (perAddress[`host ${host.ipaddress}`] ?? 0) + 1;
    return {
        zones: await count("listZones"),
        pods: await count("listPods"),
        clusters: await count("listClusters"),
        "primary storage pools": await count("listStoragePools"),
        "image stores": await count("listImageStores"),
        ...perAddress,
    };
}

export interface MatrixRow {
    point: string;
    runs: number;
    readable: boolean;
    converged: string;
    duplicates: string;
    notes: string[];
}

export function matrixTable(rows: MatrixRow[]): string {
    const header = ["kill point", "runs", "state readable", "converged", "duplicates", "notes"];
    const cells = rows.map((r) => [r.point, String(r.runs), r.readable ? "yes" : "NO", r.converged, r.duplicates, [...new Set(r.notes)].join("; ")]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
    return ["fault matrix:", line(header), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n");
}
