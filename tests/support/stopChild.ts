import { ChildProcess } from "child_process";
import * as fs from "fs";

/** Ends a server the test started (SIGTERM, waiting for its exit) and removes its directory. */
export async function stopChild(child: ChildProcess, dir: string): Promise<void> {
    if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
}
