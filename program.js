/**
 * The program's entry point (package.json's main): the engine runs compiled
 * JavaScript, not the TypeScript sources through ts-node, which cost seconds
 * on every preview. Building first (only what changed, see
 * scripts/build-program.js) means no run can use stale output.
 */
"use strict";

// Stack traces, unused SDK parts and SDK debug lines: see there.
require("./scripts/program-runtime").prepareProgramRuntime(__dirname);

require("./scripts/build-program").build();
module.exports = require("./.build/index.js");
