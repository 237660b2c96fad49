/**
 * The order suites start in when jest runs several at once (scripts/test.sh):
 * the long lab suites first, each in a worker of its own, so the rest of the
 * suite runs beside them instead of after them; then jest's own order
 * (failed last time, then longest last time, then largest file).
 * The list is a scheduling hint, longest first; a suite missing from it only
 * starts later.
 */
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

const LONG_SUITES_FIRST = [
    "tests/lab-e2e/deployment.test.ts",
    "tests/ops/ops-lab.test.ts",
    "tests/hoststeps/lab-steps.test.ts",
    "tests/lab-e2e/bridge-network.test.ts",
    "tests/integration/zone-faults.test.ts",
    "tests/integration/import.test.ts",
    "tests/integration/zone-engine.test.ts",
    "tests/lab/lab.test.ts",
];

class LongSuitesFirst extends Sequencer {
    sort(tests) {
        const rank = (test) => {
            const index = LONG_SUITES_FIRST.indexOf(path.relative(test.context.config.rootDir, test.path));
            return index === -1 ? LONG_SUITES_FIRST.length : index;
        };
        const rest = super.sort(tests.filter((test) => rank(test) === LONG_SUITES_FIRST.length));
        const long = tests.filter((test) => rank(test) < LONG_SUITES_FIRST.length).sort((a, b) => rank(a) - rank(b));
        return [...long, ...rest];
    }
}

module.exports = LongSuitesFirst;
