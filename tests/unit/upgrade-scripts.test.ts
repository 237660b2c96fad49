/**
 * The upgrade's node scripts run for real with bash against stub commands
 * (systemctl, mysql, curl, dpkg-query, apt-get) that record what they were
 * asked: each checks the node before it changes it, so a rerun after a kill
 * does nothing twice; the start step waits for the target's `version` row
 * and fails with the management server's own log lines when the schema
 * upgrade fails; the usage server starts only after the schema is upgraded.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { agentUpgradeSteps, managementUpgradeMarker, managementUpgradeSteps } from "../../components/steps/upgrade";
import { seedSettings } from "./steps-fixture";

const PRELUDE_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const VERSIONS = { from: "4.19.3.0", to: "4.20.1.0" };
const MARKER = managementUpgradeMarker(VERSIONS);

interface Box {
    dir: string;
    stubs: string;
    events: string;
}

function box(): Box {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "upgrade-script-"));
    const stubs = path.join(dir, "stubs");
    fs.mkdirSync(stubs);
    const events = path.join(dir, "events");
    fs.writeFileSync(events, "");
    return { dir, stubs, events };
}

function stub(b: Box, name: string, body: string): void {
    fs.writeFileSync(path.join(b.stubs, name), `#!/bin/bash\nEVENTS='${b.events}'\n${body}\n`, { mode: 0o755 });
}

function run(b: Box, script: string, replace: Record<string, string>, env: Record<string, string> = {}) {
    expect(script).toContain(PRELUDE_PATH);
    const sandboxPath = `${b.stubs}:/usr/sbin:/usr/bin:/sbin:/bin`;
    let text = script.replace(PRELUDE_PATH, `PATH=${sandboxPath}`);
    for (const [from, to] of Object.entries(replace)) {
        expect(text).toContain(from);
        text = text.split(from).join(to);
    }
    const result = spawnSync("bash", ["-s"], { input: text, encoding: "utf8", env: { HOME: b.dir, PATH: sandboxPath, ...env } });
    const events = fs.readFileSync(b.events, "utf8").trim().split("\n").filter(Boolean);
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, events };
}

const { packages, management } = seedSettings();
const step = (name: string) => managementUpgradeSteps(VERSIONS, packages, { ...management, startTimeoutSeconds: 60 }).find((s) => s.name === name)!.script;
const agentScript = () => agentUpgradeSteps(VERSIONS, packages).find((s) => s.name === "upgrade-agent-package")!.script;

describe("upgrade-start", () => {
    let b: Box;
    let replace: Record<string, string>;
    beforeEach(() => {
        b = box();
        const log = path.join(b.dir, "management-server.log");
        fs.writeFileSync(log, "2026-12-03 old lines of the 4.19 server\nERROR an old error that is not this start's\n");
        fs.writeFileSync(path.join(b.dir, "db.properties"), "db.cloud.host=10.15.0.116\ndb.cloud.port=3306\n");
        replace = {
            [MARKER]: path.join(b.dir, "upgrade.done"),
            "LOG=/var/log/cloudstack/management/management-server.log": `LOG=${log}`,
            "DB_PROPERTIES=/etc/cloudstack/management/db.properties": `DB_PROPERTIES=${path.join(b.dir, "db.properties")}`,
        };
        stub(b, "sleep", "exit 0");
        stub(b, "curl", `echo "API answered" >>"$EVENTS"; echo -n 401`);
        // Units enabled, not running until started.
        stub(b, "systemctl", [
            `echo "systemctl $*" >>"$EVENTS"`,
            `case $1 in is-enabled) exit 0 ;; is-active) grep -qx "started \${@: -1}" "$EVENTS" ;; start) echo "started $2" >>"$EVENTS" ;; esac`,
        ].join("\n"));
    });
    afterEach(() => fs.rmSync(b.dir, { recursive: true, force: true }));

    test("waits for the target's version row, then the API, then starts the usage server; a rerun does nothing", () => {
        // The row appears on the third look, as while the server upgrades the schema.
        stub(b, "mysql", `n=$(( $(cat "$EVENTS.sql" 2>/dev/null || echo 0) + 1 )); echo $n >"$EVENTS.sql"\ncase "$*" in *COUNT*) [ $n -ge 3 ] && echo 1 || echo 0 ;; *) echo "2026-12-03 10:00:00" ;; esac`);
        const first = run(b, step("upgrade-start"), replace, { CLOUD_DB_PASSWORD: "db-secret" });
        expect(first.stderr).toBe("");
        expect(first.status).toBe(0);
        const started = first.events.indexOf("started cloudstack-management");
        const api = first.events.indexOf("API answered");
        const usage = first.events.indexOf("started cloudstack-usage");
        expect(started).toBeGreaterThan(-1);
        expect(api).toBeGreaterThan(started);
        expect(usage).toBeGreaterThan(api);
        expect(fs.existsSync(path.join(b.dir, "upgrade.done"))).toBe(true);
        expect(first.stdout).toContain("::changed the management server runs 4.20.1.0");

        fs.writeFileSync(b.events, "");
        const again = run(b, step("upgrade-start"), replace, { CLOUD_DB_PASSWORD: "db-secret" });
        expect(again.status).toBe(0);
        expect(again.events).toEqual([]);
        expect(again.stdout).not.toContain("::changed");
    });

    test("a schema upgrade the server refuses fails the step with this start's log lines; the usage server stays stopped", () => {
        stub(b, "mysql", `echo 0`);
        const log = replace["LOG=/var/log/cloudstack/management/management-server.log"].slice(4);
        stub(b, "systemctl", [
            `echo "systemctl $*" >>"$EVENTS"`,
            `case $1 in is-enabled) exit 0 ;; is-active) exit 3 ;; start) echo "ERROR [c.c.u.DatabaseUpgradeChecker] Database version 4.20.1.0 is higher than management software version 4.19.3.0" >>'${log}' ;; esac`,
        ].join("\n"));
        const result = run(b, step("upgrade-start"), replace, { CLOUD_DB_PASSWORD: "db-secret" });
        expect(result.status).toBe(1);
        expect(result.stderr).toContain("the management server could not upgrade the database to 4.20.1.0");
        expect(result.stderr).toContain("Database version 4.20.1.0 is higher than management software version 4.19.3.0");
        expect(result.stderr).not.toContain("an old error");
        expect(result.events).not.toContain("systemctl start cloudstack-usage");
        expect(fs.existsSync(path.join(b.dir, "upgrade.done"))).toBe(false);
    });
});

describe("upgrade-stop", () => {
    let b: Box;
    beforeEach(() => {
        b = box();
        stub(b, "systemctl", `echo "systemctl $*" >>"$EVENTS"\ncase $1 in is-active) exit 0 ;; esac`);
    });
    afterEach(() => fs.rmSync(b.dir, { recursive: true, force: true }));

    test("stops the usage server, then the management server; once the upgrade is done it touches nothing", () => {
        const replace = { [MARKER]: path.join(b.dir, "upgrade.done") };
        const first = run(b, step("upgrade-stop"), replace);
        expect(first.status).toBe(0);
        expect(first.events.filter((e) => e.startsWith("systemctl stop"))).toEqual(["systemctl stop cloudstack-usage", "systemctl stop cloudstack-management"]);
        fs.writeFileSync(path.join(b.dir, "upgrade.done"), "2026-12-03T10:00:00Z\n");
        fs.writeFileSync(b.events, "");
        const done = run(b, step("upgrade-stop"), replace);
        expect(done.status).toBe(0);
        expect(done.events).toEqual([]);
    });
});

describe("upgrade-agent", () => {
    let b: Box;
    let properties: string;
    beforeEach(() => {
        b = box();
        properties = path.join(b.dir, "agent.properties");
        fs.writeFileSync(properties, "host=10.15.0.116@static\n");
        stub(b, "dpkg", "exit 0");
        stub(b, "apt-get", `echo "apt-get $*" >>"$EVENTS"`);
    });
    afterEach(() => fs.rmSync(b.dir, { recursive: true, force: true }));

    test("an agent already at the target is not stopped or reinstalled; a registered host's agent is started if it is not running", () => {
        stub(b, "dpkg-query", `echo -n "ii |4.20.1.0"`);
        stub(b, "systemctl", `echo "systemctl $*" >>"$EVENTS"\ncase $1 in is-enabled) exit 0 ;; is-active) exit 3 ;; esac`);
        const result = run(b, agentScript(), { "/etc/cloudstack/agent/agent.properties": properties });
        expect(result.status).toBe(0);
        expect(result.events.filter((e) => /stop|apt-get/.test(e))).toEqual([]);
        expect(result.events).toContain("systemctl start cloudstack-agent");
    });

    test("an older agent is stopped before the packages change", () => {
        stub(b, "dpkg-query", `if grep -q "apt-get" "$EVENTS"; then echo -n "ii |4.20.1.0"; else echo -n "ii |4.19.3.0"; fi`);
        stub(b, "systemctl", `echo "systemctl $*" >>"$EVENTS"\ncase $1 in is-enabled) exit 0 ;; is-active) ! grep -q "systemctl stop" "$EVENTS" ;; esac`);
        const result = run(b, agentScript(), { "/etc/cloudstack/agent/agent.properties": properties });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        const stop = result.events.indexOf("systemctl stop cloudstack-agent");
        const install = result.events.findIndex((e) => /^apt-get .*install/.test(e));
        expect(stop).toBeGreaterThan(-1);
        expect(install).toBeGreaterThan(stop);
        expect(result.events.find((e) => /^apt-get .*install/.test(e))).toMatch(/install -y --no-install-recommends cloudstack-common cloudstack-agent$/);
    });
});
