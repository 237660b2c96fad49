/**
 * verify on an HA stack: which node checks apply where (the usage server on
 * one management server, the Galera state on every member, the balancer's
 * backends), and the shell functions of templates/ops-checks.sh.mustache
 * that probe them, run with stub commands.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NODE_CHECKS } from "../../ops/checks/nodeChecks";
import { buildContext, OpsContext } from "../../ops/context";
import { renderTemplate } from "../../providers/remote/templates";
import { haStackConfig } from "../support/haStack";
import { check } from "../support/stackConfig";

describe("which checks run where on an HA stack", () => {
    let ctx: OpsContext;

    beforeAll(async () => {
        const { settings, problems } = check(haStackConfig());
        expect(problems).toEqual([]);
        ctx = await buildContext(settings, { projectDir: os.tmpdir() });
    });

    const checksOn = (name: string) => NODE_CHECKS.filter((c) => c.appliesTo(ctx.nodes.find((n) => n.name === name)!, ctx)).map((c) => c.name);
    const probeOn = (name: string, checkName: string) => NODE_CHECKS.find((c) => c.name === checkName)!.probe(ctx.nodes.find((n) => n.name === name)!, ctx);

    test("the usage server is checked on exactly one management server", () => {
        expect(checksOn("mgmt-1")).toContain("usage-service");
        expect(checksOn("mgmt-2")).not.toContain("usage-service");
        expect(checksOn("mgmt-2")).toEqual(expect.arrayContaining(["management-service", "management-api", "mysql-from-management"]));
    });

    test("every Galera member is checked for the cluster state and its own bind address", () => {
        for (const [member, address] of [["db-1", "10.15.0.121"], ["db-2", "10.15.0.122"], ["db-3", "10.15.0.123"]]) {
            expect(checksOn(member)).toEqual(expect.arrayContaining(["galera-cluster", "mysql-bind", "mysql-accounts"]));
            expect(probeOn(member, "galera-cluster")).toEqual({ fn: "check_galera", args: [3] });
            expect(probeOn(member, "mysql-bind")).toEqual({ fn: "check_mysql_bind", args: [3306, address] });
        }
    });

    test("the balancer is checked for its service, every backend and the API through it", () => {
        expect(checksOn("lb-1")).toEqual(expect.arrayContaining(["balancer-service", "balancer-backends", "balancer-api", "mysql-isolated"]));
        expect(probeOn("lb-1", "balancer-backends")).toEqual({ fn: "check_balancer_backends", args: ["/run/haproxy/admin.sock", "mgmt-1,mgmt-2"] });
    });

    test("an agent is expected to name the balancer", () => {
        expect(probeOn("kvm-host-01", "agent-connected")).toEqual({ fn: "check_agent_connected", args: ["10.15.0.120", 8250] });
    });

    test("a failing Galera member points at the rejoin repair", () => {
        const galera = NODE_CHECKS.find((c) => c.name === "galera-cluster")!;
        expect(galera.fix(ctx.nodes.find((n) => n.name === "db-2")!, ctx, "")).toContain("repair galera-rejoin --stack test --node db-2");
    });
});

describe("the HA check functions", () => {
    let dir: string;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ha-checks-"));
        fs.mkdirSync(path.join(dir, "bin"));
        // mysql answers SHOW GLOBAL STATUS LIKE 'name' from the environment variable of that name.
        stub("mysql", "sql=$(cat); name=$(sed -n \"s/.*LIKE '\\([a-z_]*\\)'.*/\\1/p\" <<<\"$sql\"); printf '%s\\t%s\\n' \"$name\" \"${!name}\"");
        stub("socat", 'cat >/dev/null; printf "%s\\n" "$HAPROXY_STAT"');
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function stub(name: string, body: string): void {
        fs.writeFileSync(path.join(dir, "bin", name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    }

    function run(fn: string, args: string, env: Record<string, string>): string {
        const script = renderTemplate("ops-checks.sh", { calls: [{ name: "probe", fn, args }], mariadb: true }).replace("\nPATH=/usr/local/sbin", `\nPATH=${dir}/bin:/usr/local/sbin`);
        expect(script).toContain(`PATH=${dir}/bin:`);
        return spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, ...env } }).stdout;
    }

    const synced = { wsrep_ready: "ON", wsrep_cluster_status: "Primary", wsrep_local_state_comment: "Synced", wsrep_cluster_size: "3" };

    test("check_galera passes for a Synced member of a full primary component", () => {
        expect(run("check_galera", "3", synced)).toBe("::check probe pass wsrep_ready=ON wsrep_cluster_status=Primary wsrep_local_state_comment=Synced wsrep_cluster_size=3 (expected ON, Primary, Synced, 3)\n");
    });

    test("check_galera fails while a member is missing or this one is not Synced", () => {
        expect(run("check_galera", "3", { ...synced, wsrep_cluster_size: "2" })).toMatch(/^::check probe fail .*wsrep_cluster_size=2 /);
        expect(run("check_galera", "3", { ...synced, wsrep_local_state_comment: "Joining: receiving State Transfer" })).toMatch(/^::check probe fail /);
        expect(run("check_galera", "3", { ...synced, wsrep_cluster_status: "non-Primary" })).toMatch(/^::check probe fail /);
    });

    /** `show stat` CSV: pxname, svname, then status in the 18th field. */
    const stat = (rows: [string, string, string][]) => rows.map(([px, sv, status]) => [px, sv, ...Array(15).fill(""), status, ""].join(",")).join("\n");

    test("check_balancer_backends passes when every server is UP behind both ports", () => {
        const all = stat([
            ["management-api", "mgmt-1", "UP"],
            ["management-api", "mgmt-2", "UP"],
            ["management-agents", "mgmt-1", "UP"],
            ["management-agents", "mgmt-2", "UP"],
        ]);
        expect(run("check_balancer_backends", "/run/haproxy/admin.sock mgmt-1,mgmt-2", { HAPROXY_STAT: all })).toBe(
            "::check probe pass every management server is UP behind the API and the agents' port: mgmt-1 mgmt-2\n",
        );
    });

    test("check_balancer_backends names a server that is down, or missing from the configuration", () => {
        const down = stat([
            ["management-api", "mgmt-1", "UP"],
            ["management-api", "mgmt-2", "DOWN"],
            ["management-agents", "mgmt-1", "UP"],
            ["management-agents", "mgmt-2", "DOWN"],
        ]);
        expect(run("check_balancer_backends", "/run/haproxy/admin.sock mgmt-1,mgmt-2", { HAPROXY_STAT: down })).toBe(
            "::check probe fail DOWN: mgmt-2(management-api DOWN) mgmt-2(management-agents DOWN)\n",
        );
        expect(run("check_balancer_backends", "/run/haproxy/admin.sock mgmt-1,mgmt-3", { HAPROXY_STAT: down })).toBe("::check probe fail management-api has no server mgmt-3\n");
    });
});
