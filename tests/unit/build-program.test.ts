/**
 * The engine runs the compiled program (program.js → .build/), not the
 * TypeScript sources through ts-node: scripts/build-program.js must compile
 * exactly what changed, drop the output of a deleted source, keep the
 * templates reachable from the compiled files, refuse a syntax error, and
 * the project files must point the engine at program.js.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import YAML from "yaml";
import { REPO } from "../support/stackConfig";

interface Builder {
    build(): number;
    outDir: string;
}

/** A project skeleton with the real builder, so a build never touches the repository's .build/. */
function skeleton(): { dir: string; builder: Builder } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "build-program-"));
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.copyFileSync(path.join(REPO, "scripts", "build-program.js"), path.join(dir, "scripts", "build-program.js"));
    fs.copyFileSync(path.join(REPO, "tsconfig.json"), path.join(dir, "tsconfig.json"));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    for (const sub of ["components", "config", "providers/remote", "templates"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, "index.ts"), 'import { a } from "./components/a";\nexport const out: number = a;\n');
    fs.writeFileSync(path.join(dir, "components", "a.ts"), "export const a: number = 1;\n");
    fs.writeFileSync(path.join(dir, "config", "b.ts"), "export const b = (x: string): string => x;\n");
    fs.writeFileSync(path.join(dir, "providers", "remote", "c.ts"), "export interface C { c: number }\nexport const c = 3;\n");
    fs.writeFileSync(path.join(dir, "templates", "t.sh.mustache"), "echo {{x}}\n");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const builder = require(path.join(dir, "scripts", "build-program.js")) as Builder;
    return { dir, builder };
}

/** Moves a file's modification time `seconds` ahead, as an edit made later would. */
function touchLater(file: string, seconds = 5): void {
    const later = new Date(Date.now() + seconds * 1000);
    fs.utimesSync(file, later, later);
}

describe("scripts/build-program.js", () => {
    let dir: string;
    let builder: Builder;
    beforeEach(() => ({ dir, builder } = skeleton()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("compiles every source once, then only what changed", () => {
        expect(builder.build()).toBe(4);
        const index = path.join(dir, ".build", "index.js");
        expect(fs.readFileSync(index, "utf8")).toContain('require("./components/a")');
        expect(fs.readFileSync(path.join(dir, ".build", "providers", "remote", "c.js"), "utf8")).toContain("exports.c = 3");
        expect(builder.build()).toBe(0);
        fs.writeFileSync(path.join(dir, "components", "a.ts"), "export const a: number = 2;\n");
        touchLater(path.join(dir, "components", "a.ts"));
        expect(builder.build()).toBe(1);
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        expect(require(index).out).toBe(2);
    });

    test("a deleted source leaves no output behind", () => {
        builder.build();
        fs.rmSync(path.join(dir, "config", "b.ts"));
        expect(builder.build()).toBe(0);
        expect(fs.existsSync(path.join(dir, ".build", "config", "b.js"))).toBe(false);
        expect(fs.existsSync(path.join(dir, ".build", "index.js"))).toBe(true);
    });

    test("templates/ is where the compiled providers look for it (providers/remote → ../../templates)", () => {
        builder.build();
        const fromCompiled = path.join(dir, ".build", "providers", "remote", "..", "..", "templates", "t.sh.mustache");
        expect(fs.readFileSync(fromCompiled, "utf8")).toBe("echo {{x}}\n");
    });

    test("a syntax error fails the build, naming the file, and writes nothing for it", () => {
        fs.writeFileSync(path.join(dir, "config", "b.ts"), "export const b = (;\n");
        expect(() => builder.build()).toThrow(/config\/b\.ts/);
        expect(fs.existsSync(path.join(dir, ".build", "config", "b.js"))).toBe(false);
    });
});

describe("the project runs the compiled program", () => {
    test("every module a dynamic provider loads (lazyProvider) is compiled", () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const repoBuilder = require(path.join(REPO, "scripts", "build-program.js")) as Builder;
        repoBuilder.build();
        const modules = new Set<string>();
        for (const dir of ["components", "providers", "ops"]) {
            for (const file of fs.readdirSync(path.join(REPO, dir), { recursive: true }) as string[]) {
                if (!file.endsWith(".ts")) continue;
                const text = fs.readFileSync(path.join(REPO, dir, file), "utf8");
                for (const m of text.matchAll(/lazyProvider\(\s*[`"]([^`"]+)[`"]/g)) {
                    // A template literal names a directory of providers (objects/${file}): check every file in it.
                    if (m[1].includes("${")) {
                        const base = m[1].slice(0, m[1].indexOf("${"));
                        for (const f of fs.readdirSync(path.join(REPO, base))) modules.add(base + f.replace(/\.ts$/, ""));
                    } else modules.add(m[1]);
                }
            }
        }
        expect(modules.size).toBeGreaterThan(5);
        for (const module of modules) expect(fs.existsSync(path.join(repoBuilder.outDir, `${module}.js`)) ? module : `${module} not compiled`).toBe(module);
    });

    test("Pulumi.yaml turns ts-node off and package.json's main is program.js, which builds and loads .build/index.js", () => {
        const project = YAML.parse(fs.readFileSync(path.join(REPO, "Pulumi.yaml"), "utf8"));
        expect(project.runtime).toMatchObject({ name: "nodejs", options: { typescript: false } });
        expect(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).main).toBe("program.js");
        const program = fs.readFileSync(path.join(REPO, "program.js"), "utf8");
        expect(program).toMatch(/require\("\.\/scripts\/build-program"\)\.build\(\)/);
        expect(program).toMatch(/require\("\.\/\.build\/index\.js"\)/);
    });
});
