/**
 * The shared shell helpers (templates/partials), run for real with bash on
 * files in a temporary directory: idempotent file writes, key editing,
 * managed blocks, waiting out a real fcntl lock, the password hash and the
 * tool wrappers that keep secrets off command lines.
 */
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { withHelpers } from "./steps-partials";

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

function bash(body: string, env: Record<string, string> = {}): Run {
    const result = spawnSync("bash", ["-s"], { input: withHelpers(body), encoding: "utf8", env: { ...process.env, ...env } });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const changes = (run: Run) => run.stdout.split("\n").filter((l) => l.startsWith("::changed "));

describe("shell helpers", () => {
    let dir: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "helpers-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("install_file writes only on a difference in content, mode or owner, also at the end of a pipe", () => {
        const file = path.join(dir, "sub", "a.conf");
        const write = (mode: string) => bash(`printf 'x = 1\\n' | install_file "$F" ${mode}; any_changed "$F" && echo "seen in this shell"`, { F: file });
        const first = write("0644");
        expect(changes(first)).toEqual([`::changed wrote ${file}`]);
        expect(first.stdout).toContain("seen in this shell");
        expect(changes(write("0644"))).toEqual([]);
        expect(changes(write("0600"))).toEqual([`::changed wrote ${file}`]);
        expect(fs.statSync(file).mode & 0o777).toBe(0o600);
        expect(fs.readFileSync(file, "utf8")).toBe("x = 1\n");
        expect(fs.readdirSync(path.dirname(file))).toEqual(["a.conf"]);
    });

    test("set_keys replaces the active line, drops duplicates, keeps commented examples and appends what is missing", () => {
        const file = path.join(dir, "libvirtd.conf");
        fs.writeFileSync(file, '#listen_tcp = 1\nlisten_tls = 1\nlisten_tls = 1\n#tcp_port = "16509"\n');
        const set = () => bash(`set_keys "$F" " = " listen_tls=0 listen_tcp=1 'tcp_port="16509"'`, { F: file });
        expect(changes(set())).toEqual([`::changed wrote ${file}`]);
        expect(fs.readFileSync(file, "utf8")).toBe('#listen_tcp = 1\nlisten_tls = 0\n#tcp_port = "16509"\nlisten_tcp = 1\ntcp_port = "16509"\n');
        expect(changes(set())).toEqual([]);
    });

    test("managed blocks go first or last and come out again byte for byte", () => {
        const hosts = path.join(dir, "hosts");
        const original = "127.0.0.1 localhost\n127.0.1.1 h1\n";
        fs.writeFileSync(hosts, original);
        expect(changes(bash(`echo '10.0.0.1 h1.lab h1' | put_block "$F" nodes first`, { F: hosts }))).toHaveLength(1);
        expect(fs.readFileSync(hosts, "utf8")).toBe(`# BEGIN cloudstack-infra nodes\n10.0.0.1 h1.lab h1\n# END cloudstack-infra nodes\n${original}`);
        expect(changes(bash(`echo '10.0.0.1 h1.lab h1' | put_block "$F" nodes first`, { F: hosts }))).toEqual([]);
        expect(changes(bash(`echo 'UUID=x /export ext4 defaults 0 2' | put_block "$F" disk last`, { F: hosts }))).toHaveLength(1);
        expect(fs.readFileSync(hosts, "utf8").endsWith("# BEGIN cloudstack-infra disk\nUUID=x /export ext4 defaults 0 2\n# END cloudstack-infra disk\n")).toBe(true);
        bash(`remove_block "$F" nodes; remove_block "$F" disk`, { F: hosts });
        expect(fs.readFileSync(hosts, "utf8")).toBe(original);
        expect(changes(bash(`remove_block "$F" nodes`, { F: hosts }))).toEqual([]);
    });

    describe("apt lock waiting", () => {
        /** Holds a real fcntl write lock on `file` (as dpkg does) for `seconds`. */
        function holdLock(file: string, seconds: number): Promise<void> {
            // Before it lets go it leaves "<file>.released", so a waiter can tell it ran after the release.
            const code = `import fcntl, sys, time\nf = open(sys.argv[1], "w")\nfcntl.lockf(f, fcntl.LOCK_EX)\nprint("locked", flush=True)\ntime.sleep(float(sys.argv[2]))\nopen(sys.argv[1] + ".released", "w").close()`;
            const child = spawn("python3", ["-c", code, file, String(seconds)]);
            return new Promise((resolve) => child.stdout.once("data", () => resolve()));
        }

        test("waits while another process holds the lock, then goes on", async () => {
            const lock = path.join(dir, "lock-frontend");
            await holdLock(lock, 2);
            const run = bash(`APT_LOCK_FILES=("$F"); wait_for_apt_locks; [ -e "$F.released" ] && echo "free after the release"`, { F: lock });
            expect(run.status).toBe(0);
            expect(run.stdout).toContain(`waiting for another apt/dpkg run to release ${lock}`);
            expect(run.stdout).toContain("free after the release");
        });

        test("gives up after its deadline with a message naming the lock", async () => {
            const lock = path.join(dir, "lock");
            await holdLock(lock, 6);
            const run = bash(`APT_LOCK_FILES=("$F"); APT_LOCK_WAIT_SECONDS=1; wait_for_apt_locks`, { F: lock });
            expect(run.status).toBe(1);
            expect(run.stderr).toContain(`${lock} is still locked after 1s by another apt/dpkg run`);
        });

        test("two steps on one node run their apt-get one at a time (apt-get update does not wait for the lists lock)", () => {
            // A fake apt-get that, like the real update, fails at once when another one holds the lists lock.
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            const lock = path.join(dir, "lists-lock");
            fs.writeFileSync(
                path.join(bin, "apt-get"),
                `#!/usr/bin/python3\nimport fcntl, sys, time\nf = open("${lock}", "w")\ntry:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    print("E: Could not get lock ${lock}", file=sys.stderr)\n    sys.exit(100)\ntime.sleep(1)\n`,
                { mode: 0o755 },
            );
            // After the prelude, which resets PATH: the fake, never the machine's own apt-get.
            const run = bash(
                `PATH="$D/bin:$PATH"; [ "$(command -v apt-get)" = "$D/bin/apt-get" ] || exit 99; APT_STEPS_LOCK="$D/steps-lock"; apt_get update & first=$!; apt_get update; second=$?; wait $first; echo "exits $? $second"`,
                { D: dir },
            );
            expect(run.stderr).not.toContain("Could not get lock");
            expect(run.stdout).toContain("exits 0 0");
        });

        test("an unlocked or missing lock file does not wait", () => {
            fs.writeFileSync(path.join(dir, "free"), "");
            const run = bash(`APT_LOCK_FILES=("$D/free" "$D/missing"); wait_for_apt_locks; echo ok`, { D: dir });
            expect(run.stdout).toBe("ok\n");
        });
    });

    describe("apt package lists shared by a node's steps", () => {
        /**
         * Fake apt-get and dpkg-query: apt-get logs each call to calls.log; `install` fails while
         * $D/stale exists (lists that no longer match the mirror) and `update` removes it.
         */
        function fakeApt(): Record<string, string> {
            const bin = path.join(dir, "bin");
            fs.mkdirSync(bin);
            fs.mkdirSync(path.join(dir, "etc-apt"));
            fs.writeFileSync(
                path.join(bin, "apt-get"),
                `#!/bin/bash\nD='${dir}'\nargs=("$@"); for a in "$@"; do case $a in update|install) cmd=$a ;; esac; done\n` +
                    `echo "$cmd" >>"$D/calls.log"\n` +
                    `if [ "$cmd" = update ]; then rm -f "$D/stale"; exit 0; fi\n` +
                    `[ ! -e "$D/stale" ] || { echo "E: 404 Not Found" >&2; exit 100; }\n` +
                    `for a in "\${args[@]}"; do case $a in -*|install) ;; *) echo "$a" >>"$D/installed" ;; esac; done\n`,
                { mode: 0o755 },
            );
            fs.writeFileSync(path.join(bin, "dpkg-query"), `#!/bin/bash\ngrep -qx "\${@: -1}" '${dir}/installed' 2>/dev/null && printf 'ii |1.0'\n`, { mode: 0o755 });
            return { D: dir };
        }
        // The prelude resets PATH, so the fakes go first after it; a script that would reach the real apt-get stops.
        const step = (body: string, env: Record<string, string>) =>
            bash(
                `PATH="$D/bin:$PATH"; [ "$(command -v apt-get)" = "$D/bin/apt-get" ] || exit 99; ` +
                    `APT_LOCK_FILES=(); APT_STEPS_LOCK="$D/steps-lock"; APT_UPDATED_STAMP="$D/run/updated"; APT_CONFIG_PATHS=("$D/etc-apt"); ${body}`,
                env,
            );
        const calls = () => fs.readFileSync(path.join(dir, "calls.log"), "utf8").trim().split("\n");

        test("a step installing right after another step's update does not update again", () => {
            const env = fakeApt();
            expect(step("apt_install chrony curl", env).status).toBe(0);
            const second = step("apt_install libvirt-clients", env);
            expect(second.status).toBe(0);
            expect(changes(second)).toEqual(["::changed installed libvirt-clients"]);
            expect(calls()).toEqual(["update", "install", "install"]);
        });

        test("an apt source or option changed after the update brings a new update", () => {
            const env = fakeApt();
            expect(step("apt_install chrony", env).status).toBe(0);
            // A file written after the update (mtime one second later, as a repository step's write would be).
            const source = path.join(dir, "etc-apt", "cloudstack.list");
            fs.writeFileSync(source, "deb http://repo lab 4.19\n");
            const later = new Date(fs.statSync(path.join(dir, "run", "updated")).mtimeMs + 1000);
            fs.utimesSync(source, later, later);
            expect(step("apt_install cloudstack-agent", env).status).toBe(0);
            expect(calls()).toEqual(["update", "install", "update", "install"]);
        });

        test("lists older than APT_LISTS_FRESH_SECONDS are updated", () => {
            const env = fakeApt();
            expect(step("apt_install chrony", env).status).toBe(0);
            expect(step("APT_LISTS_FRESH_SECONDS=0; apt_install curl", env).status).toBe(0);
            expect(calls()).toEqual(["update", "install", "update", "install"]);
        });

        test("an install that fails on an earlier step's lists updates them and tries once more", () => {
            const env = fakeApt();
            expect(step("apt_install chrony", env).status).toBe(0);
            fs.writeFileSync(path.join(dir, "stale"), "");
            const run = step("apt_install nfs-kernel-server", env);
            expect(run.status).toBe(0);
            expect(run.stdout).toContain("apt-get install failed on the package lists of an earlier step: updating them and trying again");
            expect(calls()).toEqual(["update", "install", "install", "update", "install"]);
        });
    });

    test("an apt transaction whose SSH session is lost still finishes (no write to the closed pipe stops it)", async () => {
        // A fake apt-get that announces it started, waits until the test closed the script's output
        // (the lost session), then writes as apt and dpkg do, and marks the transaction finished.
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "apt-get"),
            `#!/bin/bash\nD='${dir}'\ncase " $* " in *" install "*) ;; *) exit 0 ;; esac\ntouch "$D/started"\n` +
                `while [ ! -e "$D/session-lost" ]; do sleep 0.05; done\necho "Setting up cloudstack-agent"\necho "Setting up cloudstack-agent" >&2\n` +
                `echo cloudstack-agent >"$D/installed"\ntouch "$D/finished"\n`,
            { mode: 0o755 },
        );
        fs.writeFileSync(path.join(bin, "dpkg-query"), `#!/bin/bash\ngrep -qx "\${@: -1}" '${dir}/installed' 2>/dev/null && printf 'ii |1.0'\n`, { mode: 0o755 });
        const script = withHelpers(
            `PATH="$D/bin:$PATH"; [ "$(command -v apt-get)" = "$D/bin/apt-get" ] || exit 99; ` +
                `APT_LOCK_FILES=(); APT_STEPS_LOCK="$D/steps-lock"; APT_UPDATED_STAMP="$D/run/updated"; APT_CONFIG_PATHS=("$D/etc-apt"); APT_LOG_DIR="$D/log"; ` +
                "apt_install cloudstack-agent",
        );
        const child = spawn("bash", ["-s"], { env: { ...process.env, D: dir }, stdio: ["pipe", "pipe", "pipe"] });
        const exited = new Promise((resolve) => child.on("exit", resolve));
        child.stdin.end(script);
        const deadline = Date.now() + 20_000;
        while (!fs.existsSync(path.join(dir, "started"))) {
            if (Date.now() > deadline) throw new Error("the fake apt-get never started");
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // The session is lost: nobody reads the script's output any more.
        child.stdout.destroy();
        child.stderr.destroy();
        fs.writeFileSync(path.join(dir, "session-lost"), "");
        await exited;
        expect(fs.existsSync(path.join(dir, "finished"))).toBe(true);
    }, 30_000);

    test("native_password_hash is MySQL's SHA1(SHA1()) for any password", () => {
        for (const password of ["password", `R'oot"pw\\$x#1`, "ünïcødé pw", "a".repeat(200)]) {
            const expected = "*" + crypto.createHash("sha1").update(crypto.createHash("sha1").update(password, "utf8").digest()).digest("hex").toUpperCase();
            expect(bash('native_password_hash "$P"', { P: password }).stdout).toBe(expected);
        }
    });

    test("addresses from the environment are checked", () => {
        expect(bash('ADDRS="10.15.0.1 192.168.0.255"; require_ipv4_list ADDRS; echo ok').stdout).toBe("ok\n");
        expect(bash('ADDRS="10.15.0.1 10.15.0.256"; require_ipv4_list ADDRS').stderr).toContain("ADDRS contains '10.15.0.256', which is not an IPv4 address");
        expect(bash("require_env NOT_SET_ANYWHERE").stderr).toContain("environment variable NOT_SET_ANYWHERE is empty");
    });

    test("the java wrapper hands every argument to java through an argfile: intact, and not on its command line", () => {
        const program = path.join(dir, "Echo.java");
        fs.writeFileSync(program, 'public class Echo { public static void main(String[] a) throws Exception { Thread.sleep(1500); System.out.println(String.join("|", a)); } }\n');
        const secret = `S3cr"et \\ with $pace`;
        // As CloudStack's tools call it: a bash child that inherits the exported function and holds the value in a variable.
        const run = bash(`export PROGRAM SECRET; bash -c 'java "$PROGRAM" -i "$SECRET" -p key' & sleep 1; ps -eo args >"$D/ps"; wait`, { PROGRAM: program, SECRET: secret, D: dir });
        expect(run.stderr).toBe("");
        expect(run.stdout).toBe(`-i|${secret}|-p|key\n`);
        const ps = fs.readFileSync(path.join(dir, "ps"), "utf8");
        expect(ps).toMatch(/java @\/dev\/fd\/\d+/);
        expect(ps).not.toContain("S3cr");
    });
});
