/**
 * The project's engine homes run without the engine's automatic log
 * (scripts/engine-home.js): the real engine writes no log file into a home
 * prepared this way, writes one when CLOUDSTACK_INFRA_ENGINE_LOG=1 brings it
 * back, and a PULUMI_HOME of the user's own is left alone.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { engineAvailable, TOOLS_ROOT } from "../support/engine";
import { describeUnless } from "../support/gate";
import { REPO } from "../support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareEngineHome } = require("../../scripts/engine-home.js") as { prepareEngineHome(home: string, env?: Record<string, string>): void };

const describeEngine = describeUnless(engineAvailable() ? undefined : "needs .tools/pulumi (scripts/install-pulumi.sh)");

const tempDirs: string[] = [];
function tempHome(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-home-"));
    tempDirs.push(dir);
    return dir;
}
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Every file the engine left under `home`. */
function filesUnder(home: string): string[] {
    return (fs.readdirSync(home, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(home, f)).isFile());
}

function runEngine(home: string): void {
    execFileSync(path.join(TOOLS_ROOT, "bin", "pulumi"), ["version"], {
        env: { PATH: process.env.PATH ?? "", HOME: home, PULUMI_HOME: home, PULUMI_SKIP_UPDATE_CHECK: "true" },
        stdio: "pipe",
    });
}

describeEngine("the engine's automatic log", () => {
    test("a prepared home gets no log; CLOUDSTACK_INFRA_ENGINE_LOG=1 brings it back", () => {
        const home = tempHome();
        prepareEngineHome(home, {});
        runEngine(home);
        expect(filesUnder(home)).toEqual(["logs"]);

        prepareEngineHome(home, { CLOUDSTACK_INFRA_ENGINE_LOG: "1" });
        runEngine(home);
        expect(filesUnder(home).filter((f) => f.startsWith(`logs${path.sep}`) && f.endsWith(".log")).length).toBe(1);
    });

    test("an unprepared home gets the log (what the preparation prevents)", () => {
        const home = tempHome();
        runEngine(home);
        expect(filesUnder(home).some((f) => f.startsWith(`logs${path.sep}`))).toBe(true);
    });
});

test("logs of earlier runs are kept aside, not deleted", () => {
    const home = tempHome();
    fs.mkdirSync(path.join(home, "logs"));
    fs.writeFileSync(path.join(home, "logs", "old.log"), "x");
    prepareEngineHome(home, {});
    expect(fs.statSync(path.join(home, "logs")).isFile()).toBe(true);
    const kept = fs.readdirSync(home).filter((f) => f.startsWith("logs."));
    expect(kept).toHaveLength(1);
    expect(fs.readFileSync(path.join(home, kept[0], "old.log"), "utf8")).toBe("x");
});

test("pulumi-env.sh prepares only its own default home", () => {
    const mine = tempHome();
    const env = { PATH: process.env.PATH ?? "", HOME: mine };
    const own = execFileSync("bash", ["-c", 'source scripts/pulumi-env.sh && printf %s "$PULUMI_HOME"'], { cwd: REPO, env, encoding: "utf8" });
    expect(own).toBe(path.join(REPO, ".pulumi-home"));
    expect(fs.statSync(path.join(own, "logs")).isFile()).toBe(true);

    execFileSync("bash", ["-c", "source scripts/pulumi-env.sh"], { cwd: REPO, env: { ...env, PULUMI_HOME: mine } });
    expect(fs.existsSync(path.join(mine, "logs"))).toBe(false);
});
