/** Waiting for a state the server reaches on its own (host Up, maintenance, zone ready), with a deadline. */
import { CloudStackTimeoutError } from "./errors";

export interface Probe<T> {
    done: boolean;
    value: T;
    /** What it is now, for the timeout message. */
    state: string;
}

export async function waitFor<T>(what: string, probe: () => Promise<Probe<T>>, timeoutMs: number, intervalMs = 1000): Promise<T> {
    const started = Date.now();
    for (;;) {
        const result = await probe();
        if (result.done) return result.value;
        if (Date.now() - started >= timeoutMs) {
            throw new CloudStackTimeoutError(`${what}: still ${result.state} after ${Math.round(timeoutMs / 1000)} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, started + timeoutMs - Date.now()))));
    }
}
