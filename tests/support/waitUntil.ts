/** Waits for a condition with a deadline (never a fixed sleep); the error names what was awaited. */
export async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
        if (Date.now() > deadline) throw new Error(`not reached: ${what}`);
        await new Promise((r) => setTimeout(r, 50));
    }
}
