/**
 * The lab end to end through its real script: `up 2`, `selftest`, `add`,
 * a crash of one host's supervisor and another's nspawn, `down`, `check`.
 * It uses a prefix, subnets and ports of its own, so it never meets a lab
 * somebody is working with. Booting hosts needs root (namespaces, mounts,
 * cgroups); without root only the input checks run, and that is logged.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { describeUnless } from "../support/gate";

const LAB_SH = path.join(__dirname, "lab.sh");
const PREFIX = "labt";
const LAB_DIR = path.join(__dirname, "..", "..", ".lab", PREFIX);
const SETTINGS = { LAB_PREFIX: PREFIX, LAB_MGMT_PREFIX: "10.35.0", LAB_PUB_PREFIX: "10.36.0", LAB_SSH_PORT_BASE: "24000" };
const IS_ROOT = process.getuid?.() === 0;
const MINUTES = 60_000;

interface LabRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

function lab(args: string[], extraEnv: Record<string, string> = {}): LabRun {
    const run = spawnSync(LAB_SH, args, {
        env: { ...process.env, ...SETTINGS, ...extraEnv },
        encoding: "utf8",
        timeout: 10 * MINUTES,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** On failure jest shows the command's output along with its status. */
function expectSuccess(run: LabRun): void {
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
}

function lastLine(text: string): string {
    return text.trim().split("\n").pop() ?? "";
}

interface InventoryHost {
    name: string;
    sshHost: string;
    sshPort: number;
    managementIp: string;
    publicIp: string;
    managementNic: string;
    publicNic: string;
    user: string;
    password: string;
    hostKey: string;
}

interface Inventory {
    prefix: string;
    managementCidr: string;
    managementGateway: string;
    publicCidr: string;
    publicGateway: string;
    aptProxy: string;
    privateKeyFile: string;
    knownHosts: string;
    hosts: InventoryHost[];
}

describe("lab.sh refuses bad input before touching anything", () => {
    const badLabDir = path.join(__dirname, "..", "..", ".lab", "labbad");
    const refused = (args: string[], env: Record<string, string>, message: string) => {
        const run = lab(args, { LAB_PREFIX: "labbad", ...env });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain(message);
        expect(fs.existsSync(badLabDir)).toBe(false);
    };

    test("a host count out of range", () => refused(["up", "0"], {}, "the number of hosts must be from 1 to 50"));
    test("a bad host name", () => refused(["up", "h1", "Bad_Name"], {}, "host name 'Bad_Name' is not allowed"));
    test("a reserved host name", () => refused(["up", "net"], {}, "host name 'net' is reserved"));
    test("a repeated host name", () => refused(["up", "h1", "h1"], {}, "host names repeat: h1"));
    test("a bad network prefix", () =>
        refused(["up", "2"], { LAB_MGMT_PREFIX: "10.15" }, "LAB_MGMT_PREFIX='10.15' is not allowed"));
    test("two networks on one /24", () =>
        refused(["up", "2"], { LAB_MGMT_PREFIX: "10.77.0", LAB_PUB_PREFIX: "10.77.0" }, "both '10.77.0'"));
    test("a port base out of range", () =>
        refused(["up", "2"], { LAB_SSH_PORT_BASE: "80" }, "LAB_SSH_PORT_BASE='80' is not allowed"));
    test("a bad prefix", () => {
        const run = lab(["status"], { LAB_PREFIX: "Lab-1" });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain("LAB_PREFIX='Lab-1' is not allowed");
    });
    test("a cable state other than up or down", () => refused(["link", "h1", "sideways"], {}, "usage: link NAME up|down (not: link h1 sideways)"));
    test("a reboot without exactly one host", () => refused(["reboot"], {}, "usage: reboot NAME"));
    test("an unknown command", () => {
        const run = lab(["upp"]);
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain("unknown command 'upp'");
    });
});

const describeAsRoot = describeUnless(IS_ROOT ? undefined : "the lab lifecycle test needs root (namespaces, mounts, cgroups)");

describeAsRoot("the lab, booted for real", () => {
    // Like an EXIT trap: whatever happens above, nothing of the lab stays.
    afterAll(() => {
        if (fs.existsSync(path.join(LAB_DIR, "state"))) lab(["down"]);
    }, 2 * MINUTES);

    test(
        "up 2, selftest, add, crash, down: works, then nothing is left",
        () => {
            const up = lab(["up", "2"]);
            expect(up.stderr).toMatch(/up: lab 'labt' with 2 hosts/);
            expectSuccess(up);

            const inventoryFile = path.join(LAB_DIR, "inventory.json");
            const inventory = JSON.parse(fs.readFileSync(inventoryFile, "utf8")) as Inventory;
            expect(inventory).toMatchObject({
                prefix: PREFIX,
                managementCidr: "10.35.0.0/24",
                managementGateway: "10.35.0.1",
                publicCidr: "10.36.0.0/24",
                publicGateway: "10.36.0.1",
                aptProxy: "http://10.35.0.1:3142",
                privateKeyFile: path.join(LAB_DIR, "ssh", "id_ed25519"),
                knownHosts: path.join(LAB_DIR, "known_hosts"),
            });
            expect(inventory.hosts.map((h) => [h.name, h.sshHost, h.sshPort, h.managementIp, h.publicIp])).toEqual([
                ["h1", "127.0.0.1", 24001, "10.35.0.11", "10.36.0.11"],
                ["h2", "127.0.0.1", 24002, "10.35.0.12", "10.36.0.12"],
            ]);
            const knownHosts = fs.readFileSync(inventory.knownHosts, "utf8");
            for (const host of inventory.hosts) {
                expect(host).toMatchObject({ managementNic: "eth0", publicNic: "eth1", user: "root", password: "labpass" });
                expect(host.hostKey).toMatch(/^ssh-ed25519 AAAA\S+$/);
                expect(knownHosts).toContain(`[127.0.0.1]:${host.sshPort} ${host.hostKey}`);
            }
            for (const secret of [inventoryFile, inventory.privateKeyFile, path.join(LAB_DIR, "ssh", "password")]) {
                expect(fs.statSync(secret).mode & 0o077).toBe(0);
            }

            const selftest = lab(["selftest"]);
            expect(lastLine(selftest.stdout)).toMatch(/^\d+ passed, 0 failed$/);
            expect(Number(lastLine(selftest.stdout).split(" ")[0])).toBeGreaterThanOrEqual(20);
            expectSuccess(selftest);

            const add = lab(["add", "kvm3"]);
            expectSuccess(add);
            expect(lab(["ssh", "kvm3", "hostname"]).stdout.trim()).toBe("kvm3");
            expect(lab(["ssh", "h1", "getent hosts kvm3"]).stdout).toContain("10.35.0.13");
            expect(lab(["exec", "kvm3", "ip", "-4", "-o", "addr", "show", "eth1"]).stdout).toContain("10.36.0.13/24");

            // A crashed supervisor leaves its host running; a killed nspawn leaves an orphaned container.
            process.kill(Number(fs.readFileSync(path.join(LAB_DIR, "hosts", "h1", "supervisor.pid"), "utf8")), "SIGKILL");
            process.kill(Number(fs.readFileSync(path.join(LAB_DIR, "hosts", "h2", "nspawn.pid"), "utf8")), "SIGKILL");

            const down = lab(["down"]);
            expect(down.stdout).toContain("check: nothing of lab 'labt' left");
            expectSuccess(down);
            const check = lab(["check"]);
            expect(check.stdout.trim()).toBe("check: nothing of lab 'labt' left");
            expectSuccess(check);
            const namespaces = fs.existsSync("/run/netns") ? fs.readdirSync("/run/netns") : [];
            expect(namespaces.filter((name) => name.startsWith(`${PREFIX}-`))).toEqual([]);
            expect(fs.existsSync(path.join(LAB_DIR, "hosts"))).toBe(false);
        },
        15 * MINUTES,
    );
});
