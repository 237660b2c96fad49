/**
 * The local state backend survives a killed run: the default backend URL
 * (scripts/pulumi-env.sh, and the tests' own) turns off the file backend's
 * metadata sidecars, which are rewritten in place on every checkpoint and
 * leave the stack unreadable ("failed to load checkpoint: EOF") when a run is
 * killed between truncation and write.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { REPO } from "../support/stackConfig";
import { describeUnless } from "../support/gate";

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

function filesUnder(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f));
}

test("pulumi-env.sh defaults to a file backend without metadata sidecars", () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-env-"));
    try {
        const env = { PATH: process.env.PATH ?? "", HOME: home };
        const url = execFileSync("bash", ["-c", "source scripts/pulumi-env.sh && printf %s \"$PULUMI_BACKEND_URL\""], { cwd: REPO, env, encoding: "utf8" });
        expect(url).toBe(`file://${REPO}/.pulumi-state?metadata=skip`);
    } finally {
        fs.rmSync(home, { recursive: true, force: true });
    }
});

describeEngine("state on the local file backend", () => {
    const projects: TestProject[] = [];
    afterAll(async () => {
        for (const project of projects) await project.remove();
    });

    async function upAndListState(extraEnv?: Record<string, string>): Promise<string[]> {
        const project = await createTestProject({ stackName: "state", config: {}, programDir: path.join(__dirname, "programs", "empty"), extraEnv });
        projects.push(project);
        const up = await project.stack.up();
        expect(up.outputs.answer.value).toBe(42);
        return filesUnder(path.join(project.dir, ".state"));
    }

    test("an up writes the checkpoint and no .attrs sidecar", async () => {
        const files = await upAndListState();
        expect(files.some((f) => f.endsWith(path.join("stacks", "cloudstack-infra", "state.json")))).toBe(true);
        expect(files.filter((f) => f.endsWith(".attrs"))).toEqual([]);
    });

    test("without metadata=skip the same up writes sidecars (what the option prevents)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plain-backend-"));
        try {
            await upAndListState({ PULUMI_BACKEND_URL: `file://${dir}` });
            expect(filesUnder(dir).filter((f) => f.endsWith("state.json.attrs")).length).toBe(1);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
