/**
 * What keeps a preview's fixed costs down outside the program itself:
 * - the language host wrapper passes the project's `typescript: false` on
 *   (the 3.259 engine no longer does, and the 3.68 host then registered
 *   ts-node and the TypeScript compiler for the compiled program);
 * - the dynamic provider loader stored with each resource brings the compiled
 *   program up to date once per provider process, not on every call (a walk
 *   of every source per check: 837 walks in a 100-host preview).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lazyProvider } from "../../providers/lazyProvider";
import { REPO } from "../support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => { handler(): Record<string, (...args: unknown[]) => Promise<unknown>> };

let dir: string;
beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-launchers-"));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("scripts/language-host-wrapper.sh", () => {
    /** Runs the wrapper in a project whose Pulumi.yaml is `project`, in front of a host that prints its arguments. */
    function hostArguments(project: string): string {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.copyFileSync(path.join(REPO, "scripts", "language-host-wrapper.sh"), path.join(bin, "pulumi-language-nodejs"));
        fs.chmodSync(path.join(bin, "pulumi-language-nodejs"), 0o755);
        fs.writeFileSync(path.join(bin, "pulumi-language-nodejs-sdk"), '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project);
        const run = spawnSync(path.join(bin, "pulumi-language-nodejs"), ["127.0.0.1:12345"], { cwd: dir, encoding: "utf8" });
        expect(run.status).toBe(0);
        return run.stdout.trim();
    }

    test("typescript: false in the project's runtime options reaches the host", () => {
        expect(hostArguments(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"))).toBe("-typescript=false 127.0.0.1:12345");
    });

    test("a TypeScript project (the tests' own programs) gets the host's default", () => {
        expect(hostArguments("name: t\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n")).toBe("127.0.0.1:12345");
        fs.rmSync(path.join(dir, "bin"), { recursive: true });
        expect(hostArguments("name: t\nruntime: nodejs\n")).toBe("127.0.0.1:12345");
    });
});

describe("the lazyProvider loader", () => {
    test("brings the program up to date once per provider process, then serves every call", async () => {
        // A program directory as the engine starts the provider host in: a builder that counts its runs, and the compiled module.
        fs.mkdirSync(path.join(dir, "scripts"));
        const builds = path.join(dir, "builds");
        fs.writeFileSync(path.join(dir, "scripts", "build-program.js"), `exports.build = () => { require("fs").appendFileSync(${JSON.stringify(builds)}, "build\\n"); return 0; };`);
        fs.mkdirSync(path.join(dir, ".build", "providers"), { recursive: true });
        fs.writeFileSync(path.join(dir, ".build", "providers", "fake.js"), `exports.fakeProvider = { diff: async () => ({ changes: false }), create: async (inputs) => ({ id: "1", outs: inputs }) };`);
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const provider = requireFromString(lazyProvider("providers/fake", "fakeProvider").text).handler();
            for (let i = 0; i < 5; i++) await provider.check({}, { n: i });
            await provider.diff("1", {}, {});
            expect(await provider.create({ a: 1 })).toEqual({ id: "1", outs: { a: 1 } });
            expect(fs.readFileSync(builds, "utf8").trim().split("\n")).toEqual(["build"]);
        } finally {
            process.chdir(cwd);
        }
    });

    test("names the module when the export is missing", async () => {
        fs.mkdirSync(path.join(dir, ".build", "providers"), { recursive: true });
        fs.mkdirSync(path.join(dir, "scripts"));
        fs.writeFileSync(path.join(dir, "scripts", "build-program.js"), "exports.build = () => 0;");
        fs.writeFileSync(path.join(dir, ".build", "providers", "empty.js"), "");
        const cwd = process.cwd();
        process.chdir(dir);
        try {
            const provider = requireFromString(lazyProvider("providers/empty", "missing").text).handler();
            await expect(provider.check({}, {})).rejects.toThrow("dynamic provider missing not found in providers/empty");
        } finally {
            process.chdir(cwd);
        }
    });
});
