/**
 * Steps merged into stages: which steps merge, and how the merged script
 * behaves when bash runs it (order, isolation, the failing step named,
 * deletes in reverse and all attempted).
 */
import { spawnSync } from "child_process";
import { inStage, mergeStages } from "../../components/stages";
import { RemoteStep } from "../../providers/remote/step";
import { script } from "../../components/steps/render";

function run(script: string): { code: number; stdout: string; stderr: string } {
    const result = spawnSync("bash", ["-s"], { input: script, encoding: "utf8" });
    return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const step = (name: string, script: string, extra: Partial<RemoteStep> = {}): RemoteStep => ({ name, script, ...extra });

describe("mergeStages", () => {
    test("consecutive steps of one stage become one; others stay", () => {
        const stages = mergeStages([...inStage("kvm", [step("a", "true"), step("b", "true")]), step("c", "true")]);
        expect(stages.map((s) => [s.name, s.steps])).toEqual([
            ["kvm", ["a", "b"]],
            ["c", ["c"]],
        ]);
    });

    test("a step that waits for another node, or names what it runs after, starts a new stage", () => {
        const stages = mergeStages([
            step("a", "true", { stage: "s" }),
            step("b", "true", { stage: "t", requires: ["database"] }),
            step("c", "true", { stage: "t" }),
            step("d", "true", { stage: "u", after: ["b"] }),
        ]);
        expect(stages.map((s) => [s.name, s.steps, s.requires, s.after])).toEqual([
            ["s", ["a"], undefined, undefined],
            ["t", ["b", "c"], ["database"], undefined],
            ["u", ["d"], undefined, ["t"]],
        ]);
    });

    test("a stage interrupted by another step is a mistake", () => {
        expect(() => mergeStages([step("a", "true", { stage: "s" }), step("b", "true"), step("c", "true", { stage: "s" })])).toThrow(/stage s is split/);
    });

    test("environment and secrets are the union; two values for one variable are a mistake", () => {
        const [merged] = mergeStages(inStage("s", [step("a", "true", { env: { X: "1" }, secretEnv: ["CLOUD_DB_PASSWORD"] }), step("b", "true", { env: { Y: "2" }, secretEnv: ["CLOUD_DB_PASSWORD", "DATABASE_KEY"] })]));
        expect(merged.env).toEqual({ X: "1", Y: "2" });
        expect(merged.secretEnv).toEqual(["CLOUD_DB_PASSWORD", "DATABASE_KEY"]);
        expect(() => mergeStages(inStage("s", [step("a", "true", { env: { X: "1" } }), step("b", "true", { env: { X: "2" } })]))).toThrow(/different values/);
    });

    test("the merged script runs steps in order, each isolated, and stops at a failure naming it", () => {
        const [merged] = mergeStages(
            inStage("s", [
                step("first", "set -e; x=1; echo one; exit 0; echo never"),
                step("second", 'echo "two ${x:-unset}"; false; echo "errexit is per step"'),
                step("third", "echo three; exit 4"),
                step("fourth", "echo four"),
            ]),
        );
        const result = run(merged.script);
        expect(result.stdout.split("\n").filter((l) => l && !l.startsWith("::step"))).toEqual(["one", "two unset", "errexit is per step", "three"]);
        expect(result.stdout).toContain("::step third");
        expect(result.stderr).toContain("step third failed (exit 4)");
        expect(result.code).toBe(4);
    });

    test("undoing runs the delete scripts in reverse, tries all, and fails if any failed", () => {
        const [merged] = mergeStages(inStage("s", [step("a", "true", { deleteScript: "echo undo-a" }), step("b", "true"), step("c", "true", { deleteScript: "echo undo-c; exit 3" })]));
        const result = run(merged.deleteScript!);
        expect(result.stdout.split("\n").filter((l) => l.startsWith("undo"))).toEqual(["undo-c", "undo-a"]);
        expect(result.stderr).toContain("undoing failed in: c");
        expect(result.code).toBe(1);
    });

    test("a stage of one step keeps that step's scripts as they are", () => {
        const [single] = mergeStages([step("only", "echo hi", { deleteScript: "echo bye", timeoutSeconds: 30 })]);
        expect(single).toMatchObject({ name: "only", script: "echo hi", deleteScript: "echo bye", timeoutSeconds: 30 });
    });
});

describe("the templates a stage runs", () => {
    test("are named in order, from the rendered scripts, for merged and single stages alike", () => {
        const stages = mergeStages([
            ...inStage("kvm", [step("kvm-libvirt", script("kvm-libvirt", {})), step("vxlan-readiness", script("kvm-vxlan", { bridges: [] })), step("plain", "true")]),
            step("management-key", script("kvm-authorize-key", { publicKey: "ssh-ed25519 AAAA" })),
        ]);
        expect(stages.map((s) => [s.name, s.templates])).toEqual([
            ["kvm", ["kvm-libvirt.sh", "kvm-vxlan.sh"]],
            ["management-key", ["kvm-authorize-key.sh"]],
        ]);
    });
});
