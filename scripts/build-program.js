#!/usr/bin/env node
/**
 * Compiles the Pulumi program (index.ts, components/, config/, providers/,
 * and ops/, whose modules two dynamic providers load) to
 * JavaScript under .build/. program.js (package.json's main) calls it before
 * it loads .build/index.js, so every run of the engine — `npm run preview`,
 * `pulumi up` by hand, the tests — runs the current sources. Only sources
 * newer than their output are compiled, so a build with no change costs a
 * directory walk; outputs whose source is gone are removed.
 *
 * Each file is transpiled on its own (tsconfig's isolatedModules guarantees
 * that is sound); type checking is `npm run typecheck`'s job, as it was when
 * the engine ran the sources through ts-node in transpile-only mode.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled.
 *   node scripts/build-program.js
 */
"use strict";
const fs = require("fs");
const path = require("path");

const repo = path.join(__dirname, "..");
const outDir = path.join(repo, ".build");
const SOURCES = ["index.ts", "components", "config", "providers", "ops"];

function sourceFiles(entry) {
    const full = path.join(repo, entry);
    if (!fs.existsSync(full)) return [];
    if (fs.statSync(full).isFile()) return [entry];
    return fs.readdirSync(full, { withFileTypes: true }).flatMap((d) => {
        const relative = path.join(entry, d.name);
        if (d.isDirectory()) return sourceFiles(relative);
        return d.name.endsWith(".ts") && !d.name.endsWith(".d.ts") ? [relative] : [];
    });
}

function outputFor(source) {
    return path.join(outDir, source.replace(/\.ts$/, ".js"));
}

function isStale(source) {
    try {
        return fs.statSync(outputFor(source)).mtimeMs < fs.statSync(path.join(repo, source)).mtimeMs;
    } catch {
        return true;
    }
}

function compilerOptions(ts) {
    const file = path.join(repo, "tsconfig.json");
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(file, ts.sys.readFile).config, ts.sys, repo);
    return { ...parsed.options, outDir: undefined, noEmit: false, declaration: false, sourceMap: false, inlineSourceMap: false };
}

/** Outputs (and their directories) left behind by sources that were deleted or renamed. */
function removeOrphans(sources) {
    const expected = new Set(sources.map(outputFor));
    const walk = (dir) => {
        for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
            const full = path.join(dir, d.name);
            if (d.isSymbolicLink()) continue;
            if (d.isDirectory()) walk(full);
            else if (full.endsWith(".js") && !expected.has(full)) fs.rmSync(full);
        }
    };
    for (const entry of SOURCES) {
        const dir = path.join(outDir, entry);
        if (fs.existsSync(dir) && fs.statSync(dir).isDirectory()) walk(dir);
    }
}

/** Brings .build/ up to date; returns how many files it compiled. Throws on a syntax error. */
function build() {
    const sources = SOURCES.flatMap(sourceFiles);
    const stale = sources.filter(isStale);
    fs.mkdirSync(outDir, { recursive: true });
    removeOrphans(sources);
    // The program finds templates/ relative to its own files (providers/remote/templates.ts).
    const templates = path.join(outDir, "templates");
    if (!fs.existsSync(templates)) fs.symlinkSync(path.relative(outDir, path.join(repo, "templates")), templates);
    if (stale.length === 0) return 0;
    const ts = require("typescript");
    const options = compilerOptions(ts);
    for (const source of stale) {
        const text = fs.readFileSync(path.join(repo, source), "utf8");
        const result = ts.transpileModule(text, { compilerOptions: options, fileName: path.join(repo, source), reportDiagnostics: true });
        const errors = (result.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
        if (errors.length) {
            throw new Error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => repo, getNewLine: () => "\n" }));
        }
        // Written aside and renamed: a run that starts meanwhile never loads half a file.
        const output = outputFor(source);
        fs.mkdirSync(path.dirname(output), { recursive: true });
        fs.writeFileSync(`${output}.${process.pid}.tmp`, result.outputText);
        fs.renameSync(`${output}.${process.pid}.tmp`, output);
    }
    return stale.length;
}

module.exports = { build, outDir };

if (require.main === module) {
    const compiled = build();
    console.error(`[build-program] compiled ${compiled} changed file(s) to ${path.relative(repo, outDir)}`);
}
