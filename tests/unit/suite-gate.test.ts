/**
 * A gated suite that cannot run is skipped loudly outside CI and fails, with
 * its reason, under CLOUDSTACK_INFRA_ALL_SUITES=1 (what .ci/run sets).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/stackConfig";

function runFixture(allSuites: boolean, fixtures = "gated", long = false) {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CLOUDSTACK_INFRA_ALL_SUITES;
    delete env.CLOUDSTACK_INFRA_LONG;
    if (allSuites) env.CLOUDSTACK_INFRA_ALL_SUITES = "1";
    if (long) env.CLOUDSTACK_INFRA_LONG = "1";
    const jest = path.join(REPO, "node_modules", ".bin", "jest");
    const result = spawnSync(jest, ["--runInBand", "--ci", "--rootDir", REPO, "--roots", `<rootDir>/tests/fixtures/${fixtures}`, "--testMatch", "**/*.fixture.ts"], { cwd: REPO, env, encoding: "utf8" });
    return { code: result.status, output: `${result.stdout}${result.stderr}` };
}

test("CI makes the .ci/run switch", () => {
    expect(fs.readFileSync(path.join(REPO, ".ci", "run"), "utf8")).toMatch(/^export CLOUDSTACK_INFRA_ALL_SUITES=1$/m);
});

test("outside CI a gated suite is skipped, and says so", () => {
    const run = runFixture(false);
    expect(run.code).toBe(0);
    expect(run.output).toContain("SKIPPED SUITE");
    expect(run.output).toContain("the fixture's prerequisite is missing on purpose");
    expect(run.output).toMatch(/tests\/fixtures\/gated\/missing-prerequisite\.fixture\.ts\s+SKIPPED/);
});

test("in CI a gated suite that cannot run fails, naming its reason", () => {
    const run = runFixture(true);
    expect(run.code).toBe(1);
    expect(run.output).toContain("this suite cannot run here: the fixture's prerequisite is missing on purpose");
    expect(run.output).toMatch(/tests\/fixtures\/gated\/missing-prerequisite\.fixture\.ts\s+FAILED/);
});

test("a long-only suite is skipped outside npm run test:long, also in CI, and runs inside it", () => {
    const longScript = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts["test:long"] as string;
    expect(longScript).toMatch(/^CLOUDSTACK_INFRA_LONG=1 /);
    for (const suite of ["deployment", "upgrade", "ha"]) expect(longScript).toContain(`tests/lab-e2e/${suite}.test.ts`);
    const ci = runFixture(true, "gated-long");
    expect(ci.code).toBe(0);
    expect(ci.output).toContain("a long suite, run by npm run test:long (CLOUDSTACK_INFRA_LONG=1) only");
    expect(ci.output).toMatch(/tests\/fixtures\/gated-long\/long-only\.fixture\.ts\s+SKIPPED/);
    const long = runFixture(true, "gated-long", true);
    expect(long.code).toBe(0);
    expect(long.output).toMatch(/tests\/fixtures\/gated-long\/long-only\.fixture\.ts\s+ran/);
});
