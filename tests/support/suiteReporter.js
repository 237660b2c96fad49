/**
 * Prints, after jest's own summary, which suites ran and which were skipped
 * (a gated suite whose prerequisite is missing, see tests/support/gate.ts),
 * and one closing line with the totals.
 */
const path = require("path");

class SuiteReporter {
    constructor(globalConfig) {
        this.rootDir = globalConfig.rootDir;
    }

    onRunComplete(_contexts, results) {
        const rows = results.testResults.map((suite) => {
            const ran = suite.numPassingTests + suite.numFailingTests;
            const status = suite.testExecError || suite.numFailingTests > 0 ? "FAILED" : ran > 0 ? "ran" : "SKIPPED";
            return { file: path.relative(this.rootDir, suite.testFilePath), status, ran, skipped: suite.numPendingTests + suite.numTodoTests };
        });
        rows.sort((a, b) => a.file.localeCompare(b.file));
        const width = Math.max(...rows.map((r) => r.file.length), 5);
        const lines = ["", "Suites:", ...rows.map((r) => `  ${r.file.padEnd(width)}  ${r.status.padEnd(7)}  ${r.ran} tests run${r.skipped ? `, ${r.skipped} skipped` : ""}`)];
        const skippedSuites = rows.filter((r) => r.status === "SKIPPED").length;
        if (skippedSuites) lines.push(`  ${skippedSuites} suite(s) SKIPPED: set CLOUDSTACK_INFRA_ALL_SUITES=1 (as CI does) to make them fail instead`);
        lines.push(`tests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${results.numPendingTests + results.numTodoTests} skipped`);
        process.stdout.write(`${lines.join("\n")}\n`);
    }
}

module.exports = SuiteReporter;
