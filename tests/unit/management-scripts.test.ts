/**
 * The management node's rendered scripts run for real with bash, against
 * stub commands (systemctl, curl, apt-get, ...) that record what the script
 * asked for: the usage server starts only once the management server's
 * first start is over, a failed cloudstack-setup-management stops the step
 * with the log 4.19 writes, and the SystemVM seeding has wget for
 * cloud-install-sys-tmplt.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { managementSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

const PRELUDE_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MARKER = "/var/lib/cloudstack-infra/setup-management.done";
const STANDIN_INSTALL_TOOL = path.join(__dirname, "..", "lab", "standin-packages", "cloudstack-common", "usr", "share", "cloudstack-common", "scripts", "storage", "secondary", "cloud-install-sys-tmplt");

interface Sandbox {
    dir: string;
    stubs: string;
    events: string;
}

/** A temporary directory with bin/ for stubs and a PATH of the system's commands minus `hidden`. */
function sandbox(hidden: string[]): Sandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mgmt-script-"));
    const stubs = path.join(dir, "stubs");
    const system = path.join(dir, "system");
    fs.mkdirSync(stubs);
    fs.mkdirSync(system);
    for (const bin of ["/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]) {
        if (!fs.existsSync(bin)) continue;
        for (const name of fs.readdirSync(bin)) {
            const link = path.join(system, name);
            if (!hidden.includes(name) && !fs.existsSync(link)) fs.symlinkSync(path.join(bin, name), link);
        }
    }
    const events = path.join(dir, "events");
    fs.writeFileSync(events, "");
    return { dir, stubs, events };
}

function stub(box: Sandbox, name: string, body: string): void {
    fs.writeFileSync(path.join(box.stubs, name), `#!/bin/bash\nEVENTS='${box.events}'\n${body}\n`, { mode: 0o755 });
}

/** Runs `script` with the stubs first on its PATH and `replace` applied to its text. */
function run(box: Sandbox, script: string, replace: Record<string, string>, env: Record<string, string> = {}) {
    expect(script).toContain(PRELUDE_PATH);
    const sandboxPath = `${box.stubs}:${path.join(box.dir, "system")}`;
    let text = script.replace(PRELUDE_PATH, `PATH=${sandboxPath}`);
    for (const [from, to] of Object.entries(replace)) {
        expect(text).toContain(from);
        text = text.split(from).join(to);
    }
    const result = spawnSync("bash", ["-s"], { input: text, encoding: "utf8", env: { HOME: box.dir, PATH: sandboxPath, ...env } });
    const events = fs.readFileSync(box.events, "utf8").trim().split("\n").filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, events };
}

const { management, packages, nfs } = seedSettings();
// Loopback only: the template URL is never fetched for real (the wget stub writes the file).
const templateUrl = "http://127.0.0.1:9/systemvmtemplate-4.19.1-kvm.qcow2.bz2";
const plan = () => managementSteps({ management, packages: { ...packages, systemVmTemplateUrl: templateUrl }, nfs, databaseHost: "10.15.0.116", databasePort: 3306, managementAddress: "10.15.0.116" });
const stepScript = (name: string) => plan().steps.find((s) => s.name === name)!.script as string;

/** systemctl that records each call; units are neither enabled nor running unless `running` says so. */
function systemctlStub(box: Sandbox, running: boolean): void {
    const state = running ? 0 : 1;
    stub(box, "systemctl", `echo "systemctl $*" >>"$EVENTS"\ncase $1 in is-enabled|is-active) exit ${state} ;; show) echo ;; esac\nexit 0`);
}

describe("management-start, run", () => {
    let box: Sandbox;
    beforeEach(() => {
        box = sandbox([]);
        systemctlStub(box, false);
        stub(box, "sleep", "exit 0");
        // The API answers only from the second poll on, as while a first start upgrades the schema.
        stub(box, "curl", `n=$(( $(cat "$EVENTS.curl" 2>/dev/null || echo 0) + 1 )); echo $n >"$EVENTS.curl"\nif [ $n -lt 2 ]; then echo -n 000; exit 7; fi\necho "API answered" >>"$EVENTS"; echo -n 401`);
        fs.mkdirSync(path.join(box.dir, "home", ".ssh"), { recursive: true });
        fs.writeFileSync(path.join(box.dir, "home", ".ssh", "id_rsa.pub"), "ssh-rsa AAAA cloud@management\n");
        stub(box, "getent", `echo "cloud:x:999:999::${box.dir}/home:/bin/sh"`);
    });
    afterEach(() => { if (!process.env.KEEP_BOX) fs.rmSync(box.dir, { recursive: true, force: true }); });

    const start = () => run(box, stepScript("management-start"), { [MARKER]: path.join(box.dir, "setup.done") });

    test("the usage server starts only after the API answers (the first start has upgraded the schema)", () => {
        stub(box, "cloudstack-setup-management", `echo "cloudstack-setup-management" >>"$EVENTS"\necho "CloudStack Management Server setup is Done!"`);
        const result = start();
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        const answered = result.events.indexOf("API answered");
        const firstUsage = result.events.findIndex((e) => e.includes("cloudstack-usage"));
        expect(result.events.indexOf("cloudstack-setup-management")).toBeLessThan(answered);
        expect(answered).toBeGreaterThan(-1);
        expect(firstUsage).toBeGreaterThan(answered);
        expect(result.events).toContain("systemctl start cloudstack-usage");
        expect(result.stdout).toContain("::output publicKey=ssh-rsa AAAA cloud@management");
    });

    test("cloudstack-setup-management reporting a failure (it still exits 0) stops the step, naming setupManagement.log", () => {
        stub(box, "cloudstack-setup-management", [
            `echo "cloudstack-setup-management" >>"$EVENTS"`,
            `echo "Failed to configure CloudStack Management Server, please see the /var/log/cloudstack/management/setupManagement.log for detail"`,
            `echo "Try to restore your system:"`,
        ].join("\n"));
        const result = start();
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("see /var/log/cloudstack/management/setupManagement.log");
        expect(result.stderr).not.toContain("management/setup.log");
        expect(result.events.filter((e) => e.includes("cloudstack-usage"))).toEqual([]);
        expect(fs.existsSync(path.join(box.dir, "setup.done"))).toBe(false);
    });
});

describe("management-packages, run", () => {
    let box: Sandbox;
    beforeEach(() => {
        box = sandbox([]);
        systemctlStub(box, true);
        stub(box, "dpkg-query", `echo -n "ii |4.19.3.0-1"`);
    });
    afterEach(() => { if (!process.env.KEEP_BOX) fs.rmSync(box.dir, { recursive: true, force: true }); });

    test("before the first management start, the usage server the package started is stopped and disabled", () => {
        const result = run(box, stepScript("management-packages"), { [MARKER]: path.join(box.dir, "setup.done") });
        expect(result.status).toBe(0);
        expect(result.events).toEqual(expect.arrayContaining(["systemctl stop cloudstack-usage", "systemctl disable --quiet cloudstack-usage"]));
    });

    test("after it, a re-run leaves the usage server alone", () => {
        fs.writeFileSync(path.join(box.dir, "setup.done"), "x\n");
        const result = run(box, stepScript("management-packages"), { [MARKER]: path.join(box.dir, "setup.done") });
        expect(result.status).toBe(0);
        expect(result.events.filter((e) => e.includes("cloudstack-usage"))).toEqual([]);
    });
});

describe("systemvm-template, run with the stand-in cloud-install-sys-tmplt", () => {
    let box: Sandbox;
    beforeEach(() => {
        // A minimal image: no wget until apt-get installs it.
        box = sandbox(["wget"]);
        const installed = path.join(box.dir, "installed");
        fs.writeFileSync(installed, "nfs-common\n");
        stub(box, "dpkg-query", `grep -qx "\${@: -1}" '${installed}' || exit 1; echo -n "ii |1"`);
        stub(box, "apt-get", [
            `echo "apt-get $*" >>"$EVENTS"`,
            `[ "\${*: -1}" != update ] || exit 0`,
            `for p in "$@"; do case $p in -*|install|update) ;; *) echo "$p" >>'${installed}' ;; esac; done`,
            `if grep -qx wget '${installed}'; then printf '#!/bin/bash\\n[ "$1" = -O ] && echo template >"$2"\\n' >'${box.stubs}/wget'; chmod +x '${box.stubs}/wget'; fi`,
        ].join("\n"));
        stub(box, "mysql", `echo 3`);
        stub(box, "findmnt", "exit 0");
        stub(box, "umount", "exit 0");
        fs.writeFileSync(path.join(box.dir, "db.properties"), "db.cloud.host=10.15.0.116\ndb.cloud.port=3306\n");
        fs.mkdirSync(path.join(box.dir, "mnt"));
    });
    afterEach(() => { if (!process.env.KEEP_BOX) fs.rmSync(box.dir, { recursive: true, force: true }); });

    test("wget is installed before cloud-install-sys-tmplt fetches the template with it", () => {
        const result = run(
            box,
            stepScript("systemvm-template"),
            {
                "TOOL=/usr/share/cloudstack-common/scripts/storage/secondary/cloud-install-sys-tmplt": `TOOL=${STANDIN_INSTALL_TOOL}`,
                "DB_PROPERTIES=/etc/cloudstack/management/db.properties": `DB_PROPERTIES=${path.join(box.dir, "db.properties")}`,
                "MOUNT=/mnt/cloudstack-infra-secondary": `MOUNT=${path.join(box.dir, "mnt")}`,
            },
            { CLOUD_DB_PASSWORD: "db-secret", CLOUD_INSTALL_SYS_TMPLT_ALLOW_UNMOUNTED: "1" },
        );
        expect(result.stderr).not.toContain("error:");
        expect(result.status).toBe(0);
        expect(result.events.some((e) => /^apt-get .*install .*\bwget\b/.test(e))).toBe(true);
        expect(fs.readFileSync(path.join(box.dir, "mnt", "template", "tmpl", "1", "3", "template.properties"), "utf8")).toContain("qcow2.filename=");
    });

    test("the stand-in cloud-install-sys-tmplt fails as the real one does when wget is missing", () => {
        const result = spawnSync(STANDIN_INSTALL_TOOL, ["-m", path.join(box.dir, "mnt"), "-u", "http://127.0.0.1:9/t.qcow2.bz2", "-h", "kvm", "-F"], {
            encoding: "utf8",
            env: { PATH: `${box.stubs}:${path.join(box.dir, "system")}`, CLOUD_INSTALL_SYS_TMPLT_ALLOW_UNMOUNTED: "1" },
        });
        expect(result.status).toBe(2);
        expect(result.stdout).toContain("Failed to fetch system vm template from http://127.0.0.1:9/t.qcow2.bz2\nInstallation failed");
    });
});

describe("setup-databases, run", () => {
    let box: Sandbox;
    let conf: string;
    beforeEach(() => {
        box = sandbox([]);
        conf = path.join(box.dir, "conf");
        fs.mkdirSync(conf);
        // The schema exists and this node already points at it: what a run killed right after the tool leaves behind.
        stub(box, "mysql", `echo "mysql $*" >>"$EVENTS"\necho 3`);
        stub(box, "chown", `echo "chown $*" >>"$EVENTS"`);
        stub(box, "cloudstack-setup-databases", `echo "cloudstack-setup-databases" >>"$EVENTS"`);
        fs.writeFileSync(path.join(conf, "db.properties"), "db.cloud.host=10.15.0.116\ndb.cloud.port=3306\ndb.cloud.encryption.type=file\n", { mode: 0o600 });
        fs.writeFileSync(path.join(conf, "key"), "database-key\n", { mode: 0o600 });
    });
    afterEach(() => { if (!process.env.KEEP_BOX) fs.rmSync(box.dir, { recursive: true, force: true }); });

    test("a run killed between the tool and the permissions: the next run gives the cloud group its key and db.properties, without running the tool", () => {
        const env = { DB_HOST: "10.15.0.116", DB_PORT: "3306", MANAGEMENT_ADDRESS: "10.15.0.116", CLOUD_DB_PASSWORD: "c", DEPLOY_ADMIN_PASSWORD: "d", MANAGEMENT_SERVER_KEY: "m", DATABASE_KEY: "k" };
        const result = run(box, stepScript("setup-databases"), { "CONF_DIR=/etc/cloudstack/management": `CONF_DIR=${conf}`, "TOOL=/usr/bin/cloudstack-setup-databases": `TOOL=${path.join(box.stubs, "cloudstack-setup-databases")}` }, env);
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        expect(result.stdout).toContain("nothing to do");
        expect(result.events).not.toContain("cloudstack-setup-databases");
        expect(result.stdout).toContain(`::changed ${path.join(conf, "key")} readable by root and the cloud group only (0640)`);
        for (const file of ["key", "db.properties"]) {
            expect(result.events).toContain(`chown root:cloud ${path.join(conf, file)}`);
            expect(fs.statSync(path.join(conf, file)).mode & 0o777).toBe(0o640);
        }
    });
});
