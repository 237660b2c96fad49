/**
 * Shared state on PostgreSQL, as README's "Working as a team" documents it:
 * a private PostgreSQL 15 server, PULUMI_BACKEND_URL=postgres://… with the
 * password in a passfile, and a zone-only stack of the real program against
 * the CloudStack stand-in. `preview` and `up` run on that backend; the stack
 * lives in the table (and nowhere on disk) with no secret in plain text; a
 * second `pulumi up` started while the first runs is refused by the lock
 * with a message naming `pulumi cancel`; a run killed mid-way leaves its
 * lock, which `pulumi cancel` removes.
 *
 * The first `up` is held mid-run deterministically: the stack's API URL is a
 * small gate in front of the stand-in that keeps requests until released.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { startStandIn, StandIn } from "../standin";
import { adminConnection, rejected } from "../standin/testKit";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { clone, readStackFile } from "../support/stackConfig";
import { describeUnless } from "../support/gate";
import { postgresUnavailable, PrivatePostgres, startPrivatePostgres } from "../support/privatePostgres";

const describeTeamState = describeUnless(engineAvailable() ? postgresUnavailable() : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const TABLE = "pulumi_state";
const STACK = "team";
// The backend keeps its files as rows keyed by path, under the URL's path (the database name).
const STACK_KEY = `pulumi/.pulumi/stacks/cloudstack-infra/${STACK}.json`;
// A stack's locks: .pulumi/locks/organization/cloudstack-infra/team/<uuid>.json with 3.259.0 (older CLIs may leave out "organization/").
const LOCK_PREFIX = "pulumi/.pulumi/locks/";
const DEADLINE_MS = 120_000;

/** An HTTP gate in front of the stand-in: while held, requests wait (the run that sent them is mid-way). */
interface Gate {
    url: string;
    hold(): void;
    release(): void;
    waiting(): number;
    close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
    const upstream = new URL(target);
    let held = false;
    let queue: (() => void)[] = [];
    const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
        const proxied = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        proxied.on("error", () => res.destroy());
        req.pipe(proxied);
    };
    const server = http.createServer((req, res) => {
        if (held) queue.push(() => forward(req, res));
        else forward(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return {
        url: `http://127.0.0.1:${port}${upstream.pathname}`,
        hold: () => (held = true),
        release() {
            held = false;
            const pending = queue;
            queue = [];
            for (const go of pending) go();
        },
        waiting: () => queue.length,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}

async function waitFor(what: string, condition: () => boolean): Promise<void> {
    const end = Date.now() + DEADLINE_MS;
    while (!condition()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}

interface CliRun {
    child: ChildProcess;
    done: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

/** `pulumi <args>` as a team member runs it, in the project, with the project's environment. */
function pulumi(project: TestProject, args: string[]): CliRun {
    // Its own process group, so that a test can end the CLI together with the plugins it started.
    const child = spawn("pulumi", [...args, "--stack", STACK, "--non-interactive"], { cwd: project.dir, env: project.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, output })));
    return { child, done };
}

describeTeamState("shared state on PostgreSQL", () => {
    let postgres: PrivatePostgres;
    let standIn: StandIn;
    let gate: Gate;
    let project: TestProject;
    let keys: { apiKey: string; secretKey: string };

    const keysIn = (prefix: string) =>
        postgres
            .query(`SELECT key FROM ${TABLE} WHERE key LIKE '${prefix}%' ORDER BY key;`)
            .split("\n")
            .filter((k) => k !== "");
    /** The stored stack checkpoint as the backend keeps it: base64 in a JSON column. */
    const storedState = () => Buffer.from(postgres.query(`SELECT data->>'data' FROM ${TABLE} WHERE key = '${STACK_KEY}';`).trim(), "base64").toString("utf8");

    beforeAll(async () => {
        postgres = await startPrivatePostgres();
        standIn = await startStandIn({ jobLatencyMs: 20, hostConnectMs: 300, systemVmBootMs: 500, templateReadyMs: 200 });
        gate = await startGate(standIn.url);
        keys = adminConnection(standIn);
        const zone = clone(readStackFile("dev").zone) as { hosts: { node?: string }[] };
        for (const host of zone.hosts) delete host.node;
        project = await createTestProject({
            stackName: STACK,
            config: { "cloudstack:zone": { ...zone, apiUrl: gate.url } },
            secrets: { "cloudstack:apiKey": keys.apiKey, "cloudstack:secretKey": keys.secretKey },
            extraEnv: { PULUMI_BACKEND_URL: postgres.backendUrl(TABLE) },
        });
    }, DEADLINE_MS);

    afterAll(async () => {
        gate?.release();
        try {
            await project?.remove();
            await gate?.close();
            await standIn?.close();
        } finally {
            await postgres?.stop();
        }
    }, DEADLINE_MS);

    test("preview runs on the PostgreSQL backend; the stack is a row of the table, nothing is on disk", async () => {
        const preview = await project.stack.preview();
        expect(preview.changeSummary.create).toBeGreaterThan(0);
        expect(keysIn("pulumi/.pulumi/")).toEqual(expect.arrayContaining(["pulumi/.pulumi/meta.yaml", STACK_KEY]));
        expect(fs.readdirSync(path.join(project.dir, ".state"))).toEqual([]);
    }, DEADLINE_MS);

    test("a second `pulumi up` while the first runs is refused by the lock, naming `pulumi cancel`; the first completes", async () => {
        gate.hold();
        const first = project.stack.up();
        let locksWhileRunning: string[] = [];
        let second: Awaited<CliRun["done"]>;
        try {
            // The first up is mid-run: it holds the stack's lock and waits at the gate for CloudStack.
            await waitFor("the first up to reach CloudStack", () => gate.waiting() > 0);
            locksWhileRunning = keysIn(LOCK_PREFIX);
            second = await pulumi(project, ["up", "--yes", "--skip-preview"]).done;
        } finally {
            gate.release();
        }
        const up = await first;

        expect(locksWhileRunning).toEqual([expect.stringMatching(new RegExp(`/cloudstack-infra/${STACK}/[0-9a-f-]{36}\\.json$`))]);
        expect(second.code).not.toBe(0);
        expect(second.output).toContain("the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.");
        // It names the lock in the database (user masked, no password) and who holds it.
        expect(second.output).toMatch(
            new RegExp(`postgres://\\*{4}:\\*{4}@127\\.0\\.0\\.1:${postgres.port}/pulumi/\\.pulumi/locks/(\\S*/)?cloudstack-infra/${STACK}/[0-9a-f-]{36}\\.json\\?\\S*: created by \\S+@\\S+ \\(pid \\d+\\) at \\d{4}-`),
        );
        expect(second.output).not.toContain(postgres.password);

        expect(up.summary.result).toBe("succeeded");
        expect(rejected(standIn)).toEqual([]);
        expect(standIn.inventory()).toEqual({ zones: 1, physicalNetworks: 1, pods: 1, vlans: 1, clusters: 1, hosts: 3, pools: 1, imageStores: 1, systemVms: 2, volumes: 2 });
        expect(keysIn(LOCK_PREFIX)).toEqual([]);
    }, 2 * DEADLINE_MS);

    test("the state in the table is the deployed zone, with its secrets encrypted and none in plain text", () => {
        const state = storedState();
        const deployment = JSON.parse(state).checkpoint.latest;
        expect(deployment.resources.length).toBeGreaterThan(5);
        expect(state).toContain('"ciphertext"');
        for (const secret of [keys.apiKey, keys.secretKey, postgres.password]) expect(state).not.toContain(secret);
        expect(fs.readdirSync(path.join(project.dir, ".state"))).toEqual([]);
    });

    test("a run killed mid-way leaves its lock: the next up is refused until `pulumi cancel` removes it", async () => {
        gate.hold();
        const killed = pulumi(project, ["refresh", "--yes", "--skip-preview"]);
        let locksWhileRunning: string[] = [];
        try {
            await waitFor("the refresh to reach CloudStack", () => gate.waiting() > 0);
            locksWhileRunning = keysIn(LOCK_PREFIX);
        } finally {
            // The CLI and its plugins die without cleaning up (the process group this test started, by its id).
            process.kill(-(killed.child.pid as number), "SIGKILL");
            await killed.done;
            gate.release();
        }
        expect(locksWhileRunning).toHaveLength(1);
        expect(keysIn(LOCK_PREFIX)).toEqual(locksWhileRunning);

        const refused = await pulumi(project, ["up", "--yes", "--skip-preview"]).done;
        expect(refused.code).not.toBe(0);
        expect(refused.output).toContain("the stack is currently locked by 1 lock(s)");

        const cancel = await pulumi(project, ["cancel", "--yes"]).done;
        expect([cancel.code, cancel.output]).toEqual([0, expect.any(String)]);
        expect(keysIn(LOCK_PREFIX)).toEqual([]);

        const again = await pulumi(project, ["up", "--yes", "--skip-preview"]).done;
        expect([again.code, again.output]).toEqual([0, expect.stringContaining("Resources:")]);
        expect(keysIn(LOCK_PREFIX)).toEqual([]);
    }, 3 * DEADLINE_MS);
});
