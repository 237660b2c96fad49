/**
 * The high-availability building blocks on real lab hosts (Debian 12 in
 * systemd-nspawn, tests/lab), run over SSH exactly as RemoteScript runs them:
 * a real MariaDB Galera cluster on three hosts (the program's galera steps:
 * the first bootstraps, the others join), real HAProxy from the distribution
 * (the program's balancer step) in front of two management hosts, and the
 * ops scripts `verify` and `repair galera-rejoin` run.
 *
 * Shown: the cluster forms and a re-run changes nothing; with one member
 * stopped the others keep serving writes, and the rejoin repair brings it
 * back Synced with what it missed; with one management host stopped the API
 * through the balancer still answers and an agent connection lands on the
 * other one; with both back every backend is UP.
 *
 * Here the management hosts run a minimal API answer (401 to an
 * unauthenticated call, server/src/main/java/com/cloud/api/ApiServlet.java@4.19.3.0:356-360)
 * and hold connections on 8250, to test the balancer step alone. The whole
 * `pulumi up` of the HA stack, with two CloudStack stand-in servers sharing
 * the cloud through the Galera database, is ha-up.test.ts beside this file.
 *
 * Long suite only (npm run test:long).
 */
import { galeraSteps, loadBalancerSteps } from "../../components/steps";
import { PackageSettings } from "../../config/settings";
import { galeraRejoinView } from "../../ops/repairs/galeraRejoin";
import { scriptPayload } from "../../providers/remote/ssh";
import { RemoteStep } from "../../providers/remote/step";
import { renderTemplate } from "../../providers/remote/templates";
import { describeLongOnly } from "../support/gate";
import { LabInventory, labUnavailableReason, TestLab } from "../support/lab";
import { seedSettings } from "../unit/steps-fixture";
import { sshOnLab, StepRun } from "../hoststeps/support/lab";

const describeLab = describeLongOnly(labUnavailableReason());

jest.setTimeout(1_800_000);

const LAB = new TestLab({ prefix: "labha", managementPrefix: "10.85.0", publicPrefix: "10.86.0", sshPortBase: 29000 });
const DATABASE = ["db1", "db2", "db3"];
const MANAGEMENT = ["ms1", "ms2"];
const BALANCER = "lb1";
const SECRETS = { MYSQL_ROOT_PASSWORD: `Ha'root"pw\\$1`, DEPLOY_ADMIN_PASSWORD: "Ha.Deploy-pw=2" };

type Run = StepRun;

const ssh = (host: string, command: string, stdin = ""): Promise<Run> => sshOnLab(LAB, host, command, stdin);

function ok(run: Run, what: string): Run {
    if (run.code !== 0) throw new Error(`${what}: exit ${run.code}\n${run.stdout.split("\n").slice(-25).join("\n")}\n${run.stderr.split("\n").slice(-10).join("\n")}`);
    return run;
}

/** A step's script with its environment and secrets on stdin, as RemoteScript sends it. */
function runStep(host: string, step: RemoteStep): Promise<Run> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) env[name] = value as string;
    for (const name of step.secretEnv ?? []) env[name] = SECRETS[name as keyof typeof SECRETS];
    return ssh(host, "bash -s", scriptPayload(step.script, env));
}

/** Until a shell condition holds on a host (checked there every 0.2 s), or fail after `seconds`. */
async function until(host: string, condition: string, seconds: number): Promise<void> {
    if (!(await LAB.waitUntil(host, condition, seconds))) throw new Error(`${host}: "${condition}" did not hold within ${seconds}s`);
}

const sql = async (host: string, query: string) => ok(await ssh(host, "mysql -N -B", `${query}\n`), `${host}: ${query}`).stdout.trim();
const wsrep = (host: string, name: string) => sql(host, `SHOW GLOBAL STATUS LIKE '${name}'`).then((line) => line.split("\t")[1]);

/** verify's node check functions (templates/ops-checks.sh.mustache), one call on one host. */
async function verifyCheck(host: string, fn: string, args: string): Promise<string> {
    const script = renderTemplate("ops-checks.sh", { calls: [{ name: fn, fn, args }], mariadb: true });
    return ok(await ssh(host, "bash -s", scriptPayload(script, {})), `${host}: ${fn}`).stdout.trim();
}

describeLab("HA building blocks on lab hosts: Galera and HAProxy", () => {
    let inventory: LabInventory;
    const ip = (name: string) => inventory.hosts.find((h) => h.name === name)!.managementIp;
    const settings = seedSettings();

    const galera = (member: string) =>
        galeraSteps({
            database: settings.database,
            packages: { ...settings.packages, databaseEngine: "mariadb" },
            bindAddress: ip(member),
            managementAddresses: MANAGEMENT.map(ip),
            destroyData: false,
            nodeName: member,
            bootstrap: member === DATABASE[0],
            galeraAddresses: DATABASE.map(ip),
            clusterName: "cloudstack",
        });
    const balancer = () =>
        loadBalancerSteps({
            management: settings.management,
            loadBalancer: settings.loadBalancer,
            serverNames: MANAGEMENT,
            serverAddresses: MANAGEMENT.map(ip),
            nodeAddress: ip(BALANCER),
            index: 0,
            prefixLength: 24,
        });

    beforeAll(async () => {
        await LAB.down();
        inventory = await LAB.up(...DATABASE, ...MANAGEMENT, BALANCER);
    }, 1_800_000);

    afterAll(async () => {
        await LAB.down();
    }, 300_000);

    test("the first member bootstraps the cluster, the others join; a second run changes nothing", async () => {
        const [first, ...others] = DATABASE;
        for (const step of galera(first)) ok(await runStep(first, step), `${first}: ${step.name}`);
        const joins = await Promise.all(others.map((member) => runStep(member, galera(member)[0])));
        joins.forEach((run, i) => ok(run, `${others[i]}: galera-server`));
        for (const member of DATABASE) {
            expect(await wsrep(member, "wsrep_cluster_size")).toBe("3");
            expect(await wsrep(member, "wsrep_local_state_comment")).toBe("Synced");
            const again = ok(await runStep(member, galera(member)[0]), `${member}: galera-server again`);
            expect({ member, changed: again.changed }).toEqual({ member, changed: [] });
        }
        // The accounts made on the first member reached the others (account statements replicate).
        expect(await sql(DATABASE[2], "SELECT COUNT(*) FROM mysql.user WHERE User = 'cloudstack_deploy'")).toBe(String(MANAGEMENT.length));
        expect(await verifyCheck(DATABASE[1], "check_galera", "3")).toMatch(/^::check check_galera pass /);
    });

    test("with one member stopped the others keep serving writes; the rejoin repair brings it back Synced with what it missed", async () => {
        ok(await ssh(DATABASE[0], "mysql", "CREATE DATABASE IF NOT EXISTS hatest; CREATE TABLE IF NOT EXISTS hatest.t (id INT PRIMARY KEY, v VARCHAR(20));\n"), "create table");
        ok(await ssh(DATABASE[1], "systemctl stop mariadb"), "stop db2");
        await until(DATABASE[0], "[ \"$(mysql -N -B -e \"SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'\" | cut -f2)\" = 2 ]", 60);
        ok(await ssh(DATABASE[0], "mysql", "INSERT INTO hatest.t VALUES (1, 'while-db2-down');\n"), "write with db2 down");
        expect(await sql(DATABASE[2], "SELECT v FROM hatest.t WHERE id = 1")).toBe("while-db2-down");
        expect(await verifyCheck(DATABASE[0], "check_galera", "3")).toMatch(/^::check check_galera fail .*wsrep_cluster_size=2 /);

        const repair = renderTemplate("ops-repair-galera-rejoin.sh", galeraRejoinView({ databaseEngine: "mariadb" } as PackageSettings));
        const rejoin = ok(await ssh(DATABASE[1], "bash -s", scriptPayload(repair, { DB_BIND_ADDRESS: ip(DATABASE[1]), GALERA_ADDRESSES: DATABASE.map(ip).join(" ") })), "repair galera-rejoin");
        expect(rejoin.changed).toEqual(["restarted mariadb, which rejoined the Galera cluster"]);
        expect(rejoin.outputs.clusterSize).toBe("3");
        expect(await sql(DATABASE[1], "SELECT v FROM hatest.t WHERE id = 1")).toBe("while-db2-down");
        for (const member of DATABASE) expect(await verifyCheck(member, "check_galera", "3")).toMatch(/^::check check_galera pass /);
    });

    test("HAProxy sends the API and the agents' port to the live management host, and every backend is UP with both", async () => {
        // Each management host: 401 to an unauthenticated API call, and a greeting naming it on the agents' port.
        for (const host of MANAGEMENT) {
            const server = [
                "import http.server, socketserver, threading",
                "class Api(http.server.BaseHTTPRequestHandler):",
                "    def do_GET(self):",
                "        self.send_response(401); self.end_headers()",
                "    def log_message(self, *args): pass",
                "threading.Thread(target=http.server.ThreadingHTTPServer(('0.0.0.0', 8080), Api).serve_forever, daemon=True).start()",
                "class Agents(socketserver.BaseRequestHandler):",
                "    def handle(self):",
                `        self.request.sendall(b'${host}\\n')`,
                "        while self.request.recv(1024): pass",
                "socketserver.ThreadingTCPServer.allow_reuse_address = True",
                "socketserver.ThreadingTCPServer(('0.0.0.0', 8250), Agents).serve_forever()",
            ].join("\n");
            ok(await ssh(host, "bash -s", `cat > /root/management-answer.py <<'EOF'\n${server}\nEOF\nsystemd-run --unit=management-answer python3 /root/management-answer.py\n`), `${host}: start`);
        }
        for (const step of balancer()) {
            ok(await runStep(BALANCER, step), `${BALANCER}: ${step.name}`);
            const again = ok(await runStep(BALANCER, step), `${BALANCER}: ${step.name} again`);
            expect(again.changed).toEqual([]);
        }
        const backends = `/run/haproxy/admin.sock ${MANAGEMENT.join(",")}`;
        await until(BALANCER, `echo 'show stat' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock | grep -c '^management-api,ms[12],.*,UP,' | grep -qx 2`, 60);
        expect(await verifyCheck(BALANCER, "check_balancer_backends", backends)).toMatch(/^::check check_balancer_backends pass /);

        // An agent's connection through the balancer, from another host; then its server stops.
        const agentGreeting = (from: string) => ssh(from, `exec 3<>/dev/tcp/${ip(BALANCER)}/8250 && timeout 5 head -n 1 <&3`).then((run) => ok(run, "agent connection").stdout.trim());
        const served = await agentGreeting(DATABASE[0]);
        expect(MANAGEMENT).toContain(served);
        const other = MANAGEMENT.find((h) => h !== served)!;
        ok(await ssh(served, "systemctl stop management-answer"), `${served}: stop`);
        await until(BALANCER, `echo 'show stat' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock | grep -q '^management-api,${served},.*,DOWN'`, 60);
        expect(await verifyCheck(BALANCER, "check_balancer_backends", backends)).toMatch(new RegExp(`^::check check_balancer_backends fail DOWN: ${served}\\(management-api DOWN`));
        expect(await verifyCheck(DATABASE[0], "check_api", `http://${ip(BALANCER)}:8080/client/api`)).toBe(`::check check_api pass the API answers on http://${ip(BALANCER)}:8080/client/api (HTTP 401)`);
        expect(await agentGreeting(DATABASE[0])).toBe(other);

        ok(await ssh(served, "systemctl reset-failed management-answer; systemd-run --unit=management-answer python3 /root/management-answer.py"), `${served}: start again`);
        await until(BALANCER, `echo 'show stat' | socat stdio UNIX-CONNECT:/run/haproxy/admin.sock | grep -c '^management-api,ms[12],.*,UP,' | grep -qx 2`, 60);
        expect(await verifyCheck(BALANCER, "check_balancer_backends", backends)).toMatch(/^::check check_balancer_backends pass /);
    });
});
