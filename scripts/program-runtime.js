/**
 * How the program's node process is set up before any resource is declared:
 * program.js runs it, and so does the preview bench's engine-floor program
 * (bench/preview-scale.ts), so the floor is measured with the same runtime.
 *
 * Plain JavaScript: it runs before anything is compiled.
 */
"use strict";

/** Applies the settings below to this process; `repo` is the directory holding node_modules. */
function prepareProgramRuntime(repo) {
    // @pulumi/pulumi's runner installs source-map-support before it loads the
    // program, and the SDK captures a stack trace for every resource and every
    // promise it creates: each went through source-map-support's formatter (which
    // reads every file on the stack looking for a map) — the largest single cost
    // of a 100-host preview. The compiled program carries no source maps, so V8's
    // own formatting prints the same stacks.
    Error.prepareStackTrace = undefined;
    // And most of those stacks are never read: the SDK captures one per promise,
    // in case it must report a leak. Errors keep their messages (which name the
    // node, step or config key); `NODE_OPTIONS=--stack-trace-limit=50` brings
    // the stacks back for debugging.
    if (!/--stack-trace-limit/.test(process.env.NODE_OPTIONS || "")) Error.stackTraceLimit = 0;

    // Most of @pulumi/pulumi's load time is for parts the program never uses (see there).
    require("./defer-sdk-modules").deferSdkModules(repo);

    // The SDK sends each of its own debug lines ("Registering resource ...", three
    // per resource) to the engine as a separate RPC, in order, and the engine
    // logs and displays each: thousands of calls at 100 hosts, shown only by
    // `pulumi preview --debug`. CLOUDSTACK_INFRA_SDK_DEBUG=1 keeps them.
    if (process.env.CLOUDSTACK_INFRA_SDK_DEBUG !== "1") require("@pulumi/pulumi/log").debug = () => Promise.resolve();
}

module.exports = { prepareProgramRuntime };
