/**
 * The project's own Pulumi home (PULUMI_HOME): the engine's automatic log off.
 *
 * Engine 3.259 writes a gzip-compressed debug log of every run to
 * $PULUMI_HOME/logs (pkg/cmd/pulumi/pulumi.go calls logging.StartLogging for
 * every command; no flag or variable turns it off). Every resource's inputs,
 * checks and steps go through it: measured on a 100-KVM-host preview, it is
 * a fifth of the wall time and the largest single cost left in the engine
 * (bench/preview-scale.ts, docs/DESIGN.md "What a preview costs"). When the
 * logs directory cannot be created the engine carries on without the log
 * (StartLogging's error is logged at info level, which is discarded), so a
 * plain file named `logs` turns it off.
 *
 * Only homes the project owns get this (scripts/pulumi-env.sh's default, the
 * tests' temporary ones): a PULUMI_HOME of your own is never touched.
 * CLOUDSTACK_INFRA_ENGINE_LOG=1 brings the log back (the file is removed).
 *
 *   node scripts/engine-home.js DIR
 */
"use strict";
const fs = require("fs");
const path = require("path");

const NOTE =
    "This file turns off the Pulumi engine's automatic log for this project's engine home\n" +
    "(see scripts/engine-home.js). Run with CLOUDSTACK_INFRA_ENGINE_LOG=1 to get the log back.\n";

function prepareEngineHome(home, env = process.env) {
    const logs = path.join(home, "logs");
    fs.mkdirSync(home, { recursive: true });
    const stat = fs.statSync(logs, { throwIfNoEntry: false });
    if (env.CLOUDSTACK_INFRA_ENGINE_LOG === "1") {
        if (stat && stat.isFile()) fs.rmSync(logs);
        return;
    }
    if (stat && stat.isDirectory()) {
        // Logs of earlier runs are kept aside, not deleted.
        fs.renameSync(logs, `${logs}.${Date.now()}`);
    }
    if (!stat || stat.isDirectory()) fs.writeFileSync(logs, NOTE);
}

module.exports = { prepareEngineHome };

if (require.main === module) {
    if (process.argv.length !== 3) {
        console.error("usage: node scripts/engine-home.js DIR");
        process.exit(2);
    }
    prepareEngineHome(process.argv[2]);
}
