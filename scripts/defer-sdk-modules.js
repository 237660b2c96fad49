/**
 * Defers the parts of @pulumi/pulumi that a program run does not use until
 * something touches them. `require("@pulumi/pulumi")` loads the Automation
 * API and the function serializer eagerly, and with them npm's arborist and
 * pacote and the whole TypeScript compiler: ~580 modules, most of a second
 * of every preview that an empty Pulumi program never pays. The program
 * registers its dynamic providers without serializing functions
 * (providers/lazyProvider.ts) and never drives the engine, so these stay
 * unloaded; anything that does use them still gets the real module, loaded
 * on first access.
 *
 * Plain JavaScript: program.js runs it before anything is compiled.
 */
"use strict";
const Module = require("module");
const path = require("path");

/**
 * The SDK's modules (relative to @pulumi/pulumi) behind the slow requires,
 * with the functions other SDK modules copy from them as they load
 * (`exports.serializeFunction = serializeClosure_1.serializeFunction`).
 */
const DEFERRED = {
    "automation/index.js": [],
    "runtime/closure/serializeClosure.js": ["serializeFunction", "serializeFunctionAsync"],
    "runtime/closure/codePaths.js": ["computeCodePaths"],
};

/**
 * Puts a stand-in for `file` into the require cache: its exports load the
 * real module on first use (any other property read, key listing or `in`);
 * the `__esModule` marker TypeScript's import helpers check and the named
 * functions (which load it when called) are answered without loading.
 */
function defer(file, functions) {
    if (require.cache[file]) return;
    let real;
    const load = () => {
        if (real === undefined) {
            delete require.cache[file];
            real = require(file);
        }
        return real;
    };
    const exports = new Proxy(
        {},
        {
            get: (_target, key) => {
                if (key === "__esModule") return true;
                if (typeof key === "string" && functions.includes(key)) return (...args) => load()[key](...args);
                return load()[key];
            },
            has: (_target, key) => key in load(),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_target, key) => {
                const descriptor = Object.getOwnPropertyDescriptor(load(), key);
                return descriptor && { ...descriptor, configurable: true };
            },
        },
    );
    const stub = new Module(file, module);
    stub.filename = file;
    stub.loaded = true;
    stub.exports = exports;
    require.cache[file] = stub;
}

/** Defers the slow parts of the SDK that `projectDir`'s node_modules holds; a missing one (another SDK version) is left alone. */
function deferSdkModules(projectDir) {
    let sdk;
    try {
        sdk = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [projectDir] }));
    } catch {
        return;
    }
    for (const [relative, functions] of Object.entries(DEFERRED)) {
        const file = path.join(sdk, relative);
        if (require("fs").existsSync(file)) defer(file, functions);
    }
}

module.exports = { deferSdkModules };
