/**
 * Which Pulumi CLI scripts/install-pulumi.sh installs: a user's own `pulumi`
 * 3.x at or above the minimum (3.176.0) is linked as it is, with the
 * language host installed next to it; an older one (or none, or not 3.x) is
 * named in a clear message and the project's own build is used instead.
 *
 * Nothing is built: the script runs in a copy of the repository's layout with
 * fake `pulumi` scripts printing versions, a build cache of fakes, and a fake
 * `go` that records being asked for a build and fails.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO } from "../support/stackConfig";

const MINIMUM = "3.176.0";
const CACHE_KEY = "pulumi-v3.259.0-langhost-v3.68.0";

let root: string;

/** An executable shell script. */
function script(file: string, body: string): string {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return file;
}

function fakePulumi(dir: string, version: string, withLanguageHost = false): string {
    if (withLanguageHost) script(path.join(dir, "pulumi-language-nodejs"), "echo users-language-host");
    return script(path.join(dir, "pulumi"), `[ "$1" = version ] && echo '${version}'`);
}

interface Run {
    status: number | null;
    log: string;
    /** What the fake `go` was asked to do. */
    goCalls: string;
    tools: string;
}

/** Runs the real install script in a repository layout under `root`, with only `pathDirs` (and the system's) on PATH. */
function install(pathDirs: string[], options: { cached?: boolean } = {}): Run {
    const repo = path.join(root, "repo");
    fs.mkdirSync(path.join(repo, "scripts"), { recursive: true });
    for (const file of ["install-pulumi.sh", "language-host-wrapper.sh", "dynamic-provider-launcher.sh"]) {
        fs.copyFileSync(path.join(REPO, "scripts", file), path.join(repo, "scripts", file));
    }
    script(path.join(repo, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"), "exit 0");
    const cache = path.join(root, "cache");
    if (options.cached) {
        script(path.join(cache, CACHE_KEY, "bin", "pulumi"), `[ "$1" = version ] && echo v3.259.0`);
        script(path.join(cache, CACHE_KEY, "bin", "pulumi-language-nodejs"), "echo project-language-host");
    }
    const goLog = path.join(root, "go-calls");
    const fakeGo = script(path.join(root, "fake-go", "go"), `echo "$*" >>'${goLog}'; exit 1`);
    const result = spawnSync("bash", [path.join(repo, "scripts", "install-pulumi.sh")], {
        encoding: "utf8",
        env: { PATH: [...pathDirs, path.dirname(fakeGo), "/usr/bin", "/bin"].join(":"), HOME: root, CLOUDSTACK_INFRA_CACHE: cache },
    });
    return {
        status: result.status,
        log: result.stderr,
        goCalls: fs.existsSync(goLog) ? fs.readFileSync(goLog, "utf8") : "",
        tools: path.join(repo, ".tools", "pulumi", "bin"),
    };
}

/** The project's language host, behind the wrapper that passes it the project's `typescript` option (scripts/language-host-wrapper.sh). */
function expectProjectLanguageHost(tools: string): void {
    expect(fs.readFileSync(path.join(tools, "pulumi-language-nodejs-sdk"), "utf8")).toContain("project-language-host");
    expect(fs.readFileSync(path.join(tools, "pulumi-language-nodejs"), "utf8")).toContain("-typescript=false");
}

const linkTarget = (file: string) => (fs.lstatSync(file).isSymbolicLink() ? fs.readlinkSync(file) : "(a copy)");
const output = (file: string) => spawnSync(file, ["version"], { encoding: "utf8" }).stdout.trim();

beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-cli-choice-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

describe("a pulumi on PATH new enough is used as it is", () => {
    test.each(["v3.176.0", "v3.300.2", "v3.259.0"])("%s with its language host next to it: both linked, nothing built", (version) => {
        const users = fakePulumi(path.join(root, "user-bin"), version, true);
        const run = install([path.dirname(users)]);
        expect(run.status).toBe(0);
        expect(run.log).toContain(`using pulumi ${version.slice(1)} from PATH: ${users}`);
        expect(linkTarget(path.join(run.tools, "pulumi"))).toBe(users);
        expect(linkTarget(path.join(run.tools, "pulumi-language-nodejs"))).toBe(path.join(root, "user-bin", "pulumi-language-nodejs"));
        expect(run.goCalls).toBe("");
    });

    test("one installed behind a symlink brings the language host from its real folder", () => {
        const real = fakePulumi(path.join(root, "opt", "pulumi", "bin"), "v3.200.0", true);
        fs.mkdirSync(path.join(root, "links"));
        fs.symlinkSync(real, path.join(root, "links", "pulumi"));
        const run = install([path.join(root, "links")]);
        expect(run.status).toBe(0);
        expect(linkTarget(path.join(run.tools, "pulumi-language-nodejs"))).toBe(path.join(root, "opt", "pulumi", "bin", "pulumi-language-nodejs"));
    });

    test("without a language host next to it, the project's language host is installed (from the cache: nothing built)", () => {
        const users = fakePulumi(path.join(root, "user-bin"), "v3.250.0");
        const run = install([path.dirname(users)], { cached: true });
        expect(run.status).toBe(0);
        expect(run.log).toContain(`no pulumi-language-nodejs next to ${users}: using the project's (sdk v3.68.0)`);
        expect(linkTarget(path.join(run.tools, "pulumi"))).toBe(users);
        expectProjectLanguageHost(run.tools);
        expect(run.goCalls).toBe("");
    });
});

describe("a pulumi on PATH too old or not 3.x: a message naming it and the minimum, and the project's build", () => {
    test.each([
        ["v3.175.0", `is 3.175.0: this program needs ${MINIMUM} or newer (the postgres:// state backend first shipped in ${MINIMUM})`],
        ["v3.176.0-alpha.1", `is 3.176.0-alpha.1: this program needs ${MINIMUM} or newer`],
        ["v3.99.5", `is 3.99.5: this program needs ${MINIMUM} or newer`],
        ["v2.25.2", `reports version 'v2.25.2': this program needs a Pulumi 3.x CLI, ${MINIMUM} or newer`],
        ["v4.0.0", `reports version 'v4.0.0': this program needs a Pulumi 3.x CLI, ${MINIMUM} or newer`],
    ])("%s: the cached build is installed instead", (version, message) => {
        const users = fakePulumi(path.join(root, "user-bin"), version, true);
        const run = install([path.dirname(users)], { cached: true });
        expect(run.status).toBe(0);
        expect(run.log).toContain(`pulumi on PATH (${users}) ${message}`);
        expect(run.log).toContain("using the project's pulumi v3.259.0, built from Go modules");
        expect(linkTarget(path.join(run.tools, "pulumi"))).toBe("(a copy)");
        expect(output(path.join(run.tools, "pulumi"))).toBe("v3.259.0");
        // The project's CLI gets the project's language host, not the old CLI's.
        expectProjectLanguageHost(run.tools);
        expect(run.goCalls).toBe("");
    });

    test("with nothing cached, the build from Go modules is what runs (pkg/v3 v3.259.0)", () => {
        const users = fakePulumi(path.join(root, "user-bin"), "v3.100.0");
        const run = install([path.dirname(users)]);
        expect(run.log).toContain(`pulumi on PATH (${users}) is 3.100.0: this program needs ${MINIMUM} or newer`);
        expect(run.goCalls).toContain("github.com/pulumi/pulumi/pkg/v3@v3.259.0");
        expect(run.status).not.toBe(0);
    });

    test("no pulumi on PATH at all: the project's build, said so", () => {
        const run = install([], { cached: true });
        expect(run.status).toBe(0);
        expect(run.log).toContain("no pulumi on PATH");
        expect(output(path.join(run.tools, "pulumi"))).toBe("v3.259.0");
        expect(run.goCalls).toBe("");
    });

    test("the project's own installed copy on PATH (pulumi-env.sh sourced) is not taken for the user's", () => {
        const first = install([], { cached: true });
        const users = fakePulumi(path.join(root, "user-bin"), "v3.210.0", true);
        const run = install([first.tools, path.dirname(users)], { cached: true });
        expect(run.status).toBe(0);
        expect(linkTarget(path.join(run.tools, "pulumi"))).toBe(users);
    });
});

describe("scripts/pulumi-env.sh", () => {
    function sourceEnv(): string {
        const repo = path.join(root, "repo");
        fs.mkdirSync(path.join(repo, "scripts"), { recursive: true });
        for (const file of ["pulumi-env.sh", "engine-home.js"]) fs.copyFileSync(path.join(REPO, "scripts", file), path.join(repo, "scripts", file));
        const result = spawnSync("bash", ["-c", "source scripts/pulumi-env.sh"], {
            cwd: repo,
            encoding: "utf8",
            env: { PATH: "/usr/bin:/bin", HOME: root, PULUMI_CONFIG_PASSPHRASE: "not-a-secret", PULUMI_BACKEND_URL: `file://${root}` },
        });
        return result.stderr;
    }

    test("says how to install the engine when the linked pulumi is gone", () => {
        const users = fakePulumi(path.join(root, "user-bin"), "v3.200.0", true);
        expect(install([path.dirname(users)]).status).toBe(0);
        expect(sourceEnv()).toBe("");
        fs.rmSync(path.join(root, "user-bin"), { recursive: true });
        expect(sourceEnv()).toMatch(/no Pulumi engine in .*\.tools\/pulumi\/bin .*run scripts\/install-pulumi\.sh \(it uses a pulumi 3\.176\.0 or newer from PATH, else builds one\)/);
    });
});
