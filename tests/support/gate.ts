/**
 * Suites that need something a machine may lack (root, the Pulumi engine, a
 * local sshd, a loop device, the lab). `describeUnless(reason)` is `describe`
 * when nothing is missing. When something is, the suite is skipped with a
 * loud notice, except under CI (`.ci/run` sets CLOUDSTACK_INFRA_ALL_SUITES=1),
 * where the suite fails with its reason instead: in CI every suite runs.
 */
export const ALL_SUITES_REQUIRED = process.env.CLOUDSTACK_INFRA_ALL_SUITES === "1";

export function describeUnless(unavailableReason: string | undefined): jest.Describe {
    if (unavailableReason === undefined) return describe;
    if (ALL_SUITES_REQUIRED) {
        const failing = ((name: string) =>
            describe(name, () => {
                test("can run on this machine", () => {
                    throw new Error(`this suite cannot run here: ${unavailableReason} (CLOUDSTACK_INFRA_ALL_SUITES=1 requires every suite)`);
                });
            })) as unknown as jest.Describe;
        return failing;
    }
    const banner = "!".repeat(78);
    console.warn(`${banner}\nSKIPPED SUITE (${expect.getState().testPath ?? "?"}): ${unavailableReason}\n${banner}`);
    return describe.skip;
}

/**
 * Suites of the long suite only (`npm run test:long` sets CLOUDSTACK_INFRA_LONG_SUITE=1): elsewhere, CI
 * included, they are skipped with a notice and never fail.
 */
export function longSuiteOnly(describeFn: jest.Describe): jest.Describe {
    if (process.env.CLOUDSTACK_INFRA_LONG_SUITE === "1") return describeFn;
    console.warn(`LONG SUITE ONLY (${expect.getState().testPath ?? "?"}): runs with npm run test:long`);
    return describe.skip;
}
