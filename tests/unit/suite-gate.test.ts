/**
 * A gated suite that cannot run is skipped loudly outside CI and fails, with
 * its reason, under CLOUDSTACK_INFRA_ALL_SUITES=1 (what .ci/run sets).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { REPO } from "../support/stackConfig";

function runFixture(allSuites: boolean, longSuite = false, fixture = "missing-prerequisite") {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.CLOUDSTACK_INFRA_ALL_SUITES;
    delete env.CLOUDSTACK_INFRA_LONG_SUITE;
    if (allSuites) env.CLOUDSTACK_INFRA_ALL_SUITES = "1";
    if (longSuite) env.CLOUDSTACK_INFRA_LONG_SUITE = "1";
    const jest = path.join(REPO, "node_modules", ".bin", "jest");
    const result = spawnSync(jest, ["--runInBand", "--ci", "--rootDir", REPO, "--roots", "<rootDir>/tests/fixtures/gated", "--testMatch", `**/${fixture}.fixture.ts`], { cwd: REPO, env, encoding: "utf8" });
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

test("a long-suite-only suite is skipped in CI without failing, and runs under npm run test:long's switch", () => {
    const inCi = runFixture(true, false, "long-suite");
    expect(inCi.code).toBe(0);
    expect(inCi.output).toMatch(/tests\/fixtures\/gated\/long-suite\.fixture\.ts\s+SKIPPED/);
    const long = runFixture(false, true, "long-suite");
    expect(long.code).toBe(0);
    expect(long.output).toMatch(/tests\/fixtures\/gated\/long-suite\.fixture\.ts\s+ran/);
    expect(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).scripts["test:long"]).toMatch(/^CLOUDSTACK_INFRA_LONG_SUITE=1 /);
});
