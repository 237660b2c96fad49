/** Unit and integration tests; see README "Tests". */
module.exports = {
    preset: "ts-jest",
    testEnvironment: "node",
    roots: ["<rootDir>/tests"],
    testMatch: ["**/*.test.ts"],
    transform: { "^.+\\.ts$": ["ts-jest", {}] },
    testTimeout: 120000,
    testSequencer: "<rootDir>/tests/support/sequencer.js",
    reporters: ["default", "<rootDir>/tests/support/suiteReporter.js"],
};
