/**
 * Drives the real Pulumi engine (the CLI built by scripts/install-pulumi.sh)
 * through the Automation API, on a copy of the program in a temp directory
 * with a file backend of its own — the repository's stack files and state are
 * never touched.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { REPO } from "./stackConfig";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareEngineHome } = require("../../scripts/engine-home.js") as { prepareEngineHome(home: string): void };

export const TOOLS_ROOT = path.join(REPO, ".tools", "pulumi");
const PROGRAM_ENTRIES = ["Pulumi.yaml", "program.js", "scripts/build-program.js", "scripts/program-runtime.js", "scripts/defer-sdk-modules.js", "scripts/provider-host-preload.js", "index.ts", "tsconfig.json", "package.json", "components", "config", "providers", "ops", "templates"];
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { build: buildProgram, outDir: BUILD_DIR } = require("../../scripts/build-program.js") as { build(): number; outDir: string };

/** The local file backend as scripts/pulumi-env.sh sets it up: no metadata sidecars (see there). */
export function fileBackendUrl(dir: string): string {
    return `file://${dir}?metadata=skip`;
}

export function engineAvailable(): boolean {
    return fs.existsSync(path.join(TOOLS_ROOT, "bin", "pulumi"));
}

export interface TestProject {
    dir: string;
    stack: Stack;
    /** Environment the engine runs with (also what a test's own `pulumi` calls need). */
    env: Record<string, string>;
    remove(): Promise<void>;
}

export interface ProjectOptions {
    stackName: string;
    /** Plain config values: "cloudstack:key" → value (objects allowed). */
    config: Record<string, unknown>;
    /** Secret config values: "cloudstack:key" → value. */
    secrets?: Record<string, string>;
    /** A directory whose files replace the repository's (e.g. another index.ts); the rest of the program is copied too. */
    programDir?: string;
    extraEnv?: Record<string, string>;
}

/**
 * A test program inside the repository keeps its place in the copy and becomes
 * the project's entry point, so its imports (relative to where it lies) resolve and
 * type-check both here and there. One outside the repository (written by a
 * test) replaces the copy's files, index.ts included.
 */
function placeProgram(programDir: string, dir: string): void {
    const relative = path.relative(REPO, programDir);
    if (relative.startsWith("..") || path.isAbsolute(relative)) {
        fs.cpSync(programDir, dir, { recursive: true });
        runTypeScriptSources(dir, "index.ts");
        return;
    }
    fs.cpSync(programDir, path.join(dir, relative), { recursive: true });
    runTypeScriptSources(dir, path.join(relative, "index.ts"));
}

/**
 * A test's own program is TypeScript that imports from anywhere in the copy
 * (ops/ too), so the engine runs it through ts-node, as it ran every program
 * before the repository's was compiled (program.js).
 */
function runTypeScriptSources(dir: string, main: string): void {
    // The language host starts package.json's `main`.
    const packageFile = path.join(dir, "package.json");
    const packageJson = JSON.parse(fs.readFileSync(packageFile, "utf8"));
    fs.writeFileSync(packageFile, JSON.stringify({ ...packageJson, main }, null, 4));
    const projectFile = path.join(dir, "Pulumi.yaml");
    const project = YAML.parse(fs.readFileSync(projectFile, "utf8"));
    fs.writeFileSync(projectFile, YAML.stringify({ ...project, runtime: { name: "nodejs", options: { typescript: true } } }));
}

/**
 * The repository's program as the engine runs it: program.js and the
 * compiled .build/ beside the sources (dynamic providers load their code from
 * there too, providers/lazyProvider.ts). Built here and copied with the
 * sources' timestamps, so nothing in the copy is recompiled.
 */
function copyCompiledProgram(dir: string): void {
    buildProgram();
    fs.cpSync(BUILD_DIR, path.join(dir, path.basename(BUILD_DIR)), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
}

/** The engine's environment for a project in `dir`: its own PULUMI_HOME and file backend there, nothing from the network. */
export function engineEnv(dir: string, extraEnv: Record<string, string> = {}): Record<string, string> {
    return {
        PATH: `${path.join(TOOLS_ROOT, "bin")}:${process.env.PATH}`,
        PULUMI_HOME: path.join(dir, ".pulumi-home"),
        PULUMI_BACKEND_URL: fileBackendUrl(path.join(dir, ".state")),
        PULUMI_CONFIG_PASSPHRASE: "test-passphrase-not-secret",
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_DISABLE_REGISTRY_RESOLVE: "true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
        PULUMI_NODEJS_TRANSPILE_ONLY: "true",
        ...extraEnv,
    };
}

/** Creates (or selects) `stackName` of the project in `dir` (its .state/ must exist). */
export async function selectStack(dir: string, stackName: string, env: Record<string, string>): Promise<Stack> {
    prepareEngineHome(env.PULUMI_HOME);
    const pulumiCommand = await PulumiCommand.get({ root: TOOLS_ROOT, skipVersionCheck: true });
    return LocalWorkspace.createOrSelectStack({ stackName, workDir: dir }, { pulumiCommand, envVars: env, pulumiHome: env.PULUMI_HOME });
}

export async function createTestProject(options: ProjectOptions): Promise<TestProject> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cloudstack-infra-"));
    for (const entry of PROGRAM_ENTRIES) {
        fs.cpSync(path.join(REPO, entry), path.join(dir, entry), { recursive: true, preserveTimestamps: true });
    }
    copyCompiledProgram(dir);
    if (options.programDir) placeProgram(options.programDir, dir);
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    fs.mkdirSync(path.join(dir, ".state"));
    // Plain config goes in the stack file, as a user would write it; secrets are set through the engine.
    fs.writeFileSync(path.join(dir, `Pulumi.${options.stackName}.yaml`), YAML.stringify({ config: options.config }));

    const env = engineEnv(dir, options.extraEnv);
    const stack = await selectStack(dir, options.stackName, env);
    for (const [key, value] of Object.entries(options.secrets ?? {})) {
        await stack.setConfig(key, { value, secret: true });
    }
    return {
        dir,
        stack,
        env,
        async remove() {
            fs.rmSync(dir, { recursive: true, force: true });
        },
    };
}

/**
 * The stack's state file as it sits in the backend. (The Automation API's
 * exportStack decrypts secrets, so it cannot show what is stored.)
 */
export async function exportedState(project: TestProject): Promise<string> {
    const stacks = path.join(project.dir, ".state", ".pulumi", "stacks");
    const files = fs.readdirSync(stacks, { recursive: true }) as string[];
    const file = files.find((f) => f.endsWith(`${project.stack.name}.json`));
    if (!file) throw new Error(`no state file for stack ${project.stack.name} under ${stacks}`);
    return fs.readFileSync(path.join(stacks, file), "utf8");
}
