/**
 * A diagnostics bundle on the controller: files written into a private
 * staging directory (0700, files 0600), packed with tar into one .tar.gz
 * that only its owner can read.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";

/** Where collected files go. */
export interface FileSink {
    /** Adds a file; `name` is a relative path inside the bundle. */
    add(name: string, content: string): void;
}

/** A sink that masks every file on its way into `sink`. */
export function masking(sink: FileSink, mask: (text: string) => string): FileSink {
    return { add: (name, content) => sink.add(name, mask(content)) };
}

export class Bundle implements FileSink {
    private readonly staging = fs.mkdtempSync(path.join(os.tmpdir(), "cloudstack-diagnose-"));

    add(name: string, content: string): void {
        const target = path.join(this.staging, name);
        if (!target.startsWith(this.staging + path.sep) || name.includes("..")) throw new Error(`bundle file name ${JSON.stringify(name)} leaves the bundle`);
        fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
        fs.writeFileSync(target, content.endsWith("\n") ? content : `${content}\n`, { mode: 0o600 });
    }

    /** Packs everything into `file` (mode 0600) and removes the staging directory. */
    async write(file: string): Promise<void> {
        try {
            fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
            // Created 0600 before tar writes into it, so the bundle is never readable by others.
            fs.closeSync(fs.openSync(file, "w", 0o600));
            fs.chmodSync(file, 0o600);
            await promisify(execFile)("tar", ["-czf", file, "-C", this.staging, "."]);
        } finally {
            fs.rmSync(this.staging, { recursive: true, force: true });
        }
    }
}

/** Splits a node's collected output into files at its boundary lines ("<boundary> <path>"). */
export function splitSections(stdout: string, boundary: string): Map<string, string> {
    const files = new Map<string, string>();
    let current: string | undefined;
    let lines: string[] = [];
    const flush = () => {
        if (current !== undefined) files.set(current, (files.get(current) ?? "") + lines.join("\n"));
    };
    for (const line of stdout.split("\n")) {
        if (line.startsWith(`${boundary} `)) {
            flush();
            current = line.slice(boundary.length + 1).trim();
            lines = [];
        } else if (current !== undefined) {
            lines.push(line);
        }
    }
    flush();
    return files;
}
