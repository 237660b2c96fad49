/**
 * A test's own multi-host lab (tests/lab/lab.sh): each suite picks a prefix,
 * subnets and ports of its own so suites never collide, and always tears its
 * lab down.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { REPO } from "./stackConfig";

export const LAB_SH = path.join(REPO, "tests", "lab", "lab.sh");

export interface LabHost {
    name: string;
    sshHost: string;
    sshPort: number;
    /** 127.0.0.1 port forwarded to the host's port 8080 (a management server's API). */
    apiPort: number;
    managementIp: string;
    publicIp: string;
    managementNic: string;
    publicNic: string;
    user: string;
    password: string;
    hostKey: string;
}

export interface LabInventory {
    prefix: string;
    managementCidr: string;
    managementGateway: string;
    publicCidr: string;
    publicGateway: string;
    aptProxy: string;
    /** http://<gateway>:<proxy port>/local when the lab serves local files (LAB_LOCAL_DIR). */
    localUrl?: string;
    privateKeyFile: string;
    knownHosts: string;
    hosts: LabHost[];
}

export interface LabOptions {
    prefix: string;
    /** First three octets, e.g. "10.55.0". */
    managementPrefix: string;
    publicPrefix: string;
    sshPortBase: number;
    /** Directory served to the hosts as <localUrl> (e.g. the stand-in CloudStack repository). */
    localDir?: string;
}

/** Builds (or finds cached) the stand-in CloudStack repository the lab serves; resolves to its directory (a TestLab's localDir). */
export function standInRepository(): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(path.join(REPO, "tests", "lab", "standin-packages", "build-repo.sh"), { maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
            err ? reject(new Error(`build-repo.sh failed: ${err.message}\n${stderr}`)) : resolve(stdout.trim().split("\n").pop() ?? ""),
        );
    });
}

/** Why labs cannot run here, or undefined when they can. */
export function labUnavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return "the lab needs root (network namespaces, mounts, cgroups)";
    if (!fs.existsSync(LAB_SH)) return `${LAB_SH} is missing`;
    return undefined;
}

export class TestLab {
    readonly dir: string;
    private readonly env: Record<string, string>;

    constructor(readonly options: LabOptions) {
        this.dir = path.join(REPO, ".lab", options.prefix);
        this.env = {
            LAB_PREFIX: options.prefix,
            LAB_MGMT_PREFIX: options.managementPrefix,
            LAB_PUB_PREFIX: options.publicPrefix,
            LAB_SSH_PORT_BASE: String(options.sshPortBase),
            ...(options.localDir ? { LAB_LOCAL_DIR: options.localDir } : {}),
        };
    }

    async run(...args: string[]): Promise<string> {
        const { stdout, stderr } = await promisify(execFile)(LAB_SH, args, { env: { ...process.env, ...this.env }, maxBuffer: 64 << 20, timeout: 1_800_000 });
        return stdout + stderr;
    }

    async up(...hosts: string[]): Promise<LabInventory> {
        await this.run("up", ...hosts);
        return this.inventory();
    }

    async add(host: string): Promise<LabInventory> {
        await this.run("add", host);
        return this.inventory();
    }

    inventory(): LabInventory {
        return JSON.parse(fs.readFileSync(path.join(this.dir, "inventory.json"), "utf8")) as LabInventory;
    }

    /** Always safe to call: removes whatever of this lab exists. */
    async down(): Promise<void> {
        if (fs.existsSync(path.join(this.dir, "state", "config"))) await this.run("down");
    }

    /** Whether a shell condition holds inside a host (run without ssh, so it logs no login). */
    holds(host: string, condition: string): Promise<boolean> {
        return new Promise((resolve) => {
            execFile(LAB_SH, ["exec", host, "sh", "-c", condition], { env: { ...process.env, ...this.env }, timeout: 30_000 }, (err) => resolve(!err));
        });
    }

    /**
     * Resolves true as soon as a shell condition holds inside a host (checked
     * there every 0.1 s, so a step lasting a second is not missed between
     * round trips), or false once `seconds` have passed.
     */
    waitUntil(host: string, condition: string, seconds: number): Promise<boolean> {
        const loop = 'until sh -c "$1"; do sleep 0.1; done';
        return new Promise((resolve) => {
            execFile(LAB_SH, ["exec", host, "timeout", String(seconds), "sh", "-c", loop, "wait-until", condition], { env: { ...process.env, ...this.env }, timeout: (seconds + 30) * 1000 }, (err) => resolve(!err));
        });
    }

    /** Cuts (`down`) or restores (`up`) a host's network cables at the lab's bridges. */
    async link(host: string, state: "up" | "down"): Promise<void> {
        await this.run("link", host, state);
    }

    /** `systemctl reboot` in the host; resolves once it answers ssh again. */
    async reboot(host: string): Promise<void> {
        await this.run("reboot", host);
    }

    /** Runs a command on a host as root over ssh (test plumbing); rejects when it exits non-zero. */
    ssh(host: string, command: string, stdin = ""): Promise<string> {
        return new Promise((resolve, reject) => {
            const child = execFile("ssh", ["-F", path.join(this.dir, "ssh_config"), "-o", "BatchMode=yes", host, command], { maxBuffer: 16 << 20, timeout: 600_000 }, (err, stdout, stderr) =>
                err ? reject(new Error(`ssh ${host} ${command}: ${err.message}\n${stderr}`)) : resolve(stdout),
            );
            child.stdin?.end(stdin);
        });
    }
}
