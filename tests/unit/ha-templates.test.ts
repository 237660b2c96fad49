/**
 * What the high-availability templates render: the HAProxy configuration
 * (API health check, the agents' port, the stats socket verify reads), the
 * Galera membership, keepalived's virtual address, and the management
 * server scripts' HA sections, which a single server never gets.
 */
import { galeraSteps, loadBalancerSteps, managementSteps } from "../../components/steps";
import { embedded } from "../../components/steps/render";
import { spawnSync } from "child_process";
import { galeraRejoinView } from "../../ops/repairs/galeraRejoin";
import { renderTemplate } from "../../providers/remote/templates";
import { seedSettings } from "./steps-fixture";

const settings = seedSettings();

describe("the HAProxy configuration", () => {
    const cfg = embedded("haproxy.cfg", { uiPort: 8080, apiPath: "/client/api", agentPort: 8250, statsSocket: "/run/haproxy/admin.sock" });

    test("the UI/API port is balanced over HTTP with a health check on the API", () => {
        expect(cfg).toMatch(/frontend cloudstack-api\n\s+mode http\n\s+option httplog\n\s+bind \*:8080\n/);
        expect(cfg).toContain("option httpchk GET /client/api?command=listCapabilities&response=json");
        // 401 to an unauthenticated call is a running API (templates/management-start.sh.mustache waits for the same).
        expect(cfg).toContain("http-check expect rstatus ^(200|401)$");
        expect(cfg).toContain("balance source");
    });

    test("the agents' port is TCP, each server tracked by its API health", () => {
        expect(cfg).toMatch(/frontend cloudstack-agents\n\s+mode tcp\n\s+option tcplog\n\s+bind \*:8250\n/);
        expect(cfg).toContain("default-server on-marked-down shutdown-sessions");
        const [step] = loadBalancerSteps({
            management: settings.management,
            loadBalancer: settings.loadBalancer,
            serverNames: ["mgmt-1", "mgmt-2"],
            serverAddresses: ["10.15.0.116", "10.15.0.119"],
            nodeAddress: "10.15.0.120",
            index: 0,
            prefixLength: 24,
        });
        expect(step.script).toContain('server_lines 8250 "track management-api/@NAME@"');
        expect(step.script).toContain("haproxy -c -f");
    });

    test("the stats socket verify reads is there", () => {
        expect(cfg).toContain("stats socket /run/haproxy/admin.sock mode 660 level admin");
    });

    test("keepalived comes only with a virtual address", () => {
        const args = {
            management: settings.management,
            serverNames: ["mgmt-1", "mgmt-2"],
            serverAddresses: ["10.15.0.116", "10.15.0.119"],
            nodeAddress: "10.15.0.120",
            index: 1,
            prefixLength: 24,
        };
        expect(loadBalancerSteps({ ...args, loadBalancer: settings.loadBalancer }).map((s) => s.name)).toEqual(["haproxy"]);
        const steps = loadBalancerSteps({ ...args, loadBalancer: { ...settings.loadBalancer, virtualAddress: "10.15.0.100" } });
        expect(steps.map((s) => s.name)).toEqual(["haproxy", "keepalived"]);
        expect(steps[1].script).toContain("10.15.0.100/24");
        expect(steps[1].script).toContain("virtual_router_id 51");
        expect(steps[1].script).toContain("PRIORITY=149");
    });
});

describe("a Galera member", () => {
    const member = (bootstrap: boolean) =>
        galeraSteps({
            database: settings.database,
            packages: { ...settings.packages, databaseEngine: "mariadb" },
            bindAddress: "10.15.0.121",
            managementAddresses: ["10.15.0.116"],
            destroyData: false,
            nodeName: "db-1",
            bootstrap,
            galeraAddresses: ["10.15.0.121", "10.15.0.122", "10.15.0.123"],
            clusterName: "cloudstack",
        });

    test("carries the Galera settings MariaDB needs", () => {
        const [server] = member(true);
        for (const line of ["wsrep_on = ON", "wsrep_provider = /usr/lib/galera/libgalera_smm.so", "wsrep_cluster_name = cloudstack", "wsrep_cluster_address = gcomm://@CLUSTER_ADDRESSES@", "binlog_format = ROW", "innodb_autoinc_lock_mode = 2", "wsrep_node_name = db-1"]) {
            expect(server.script).toContain(line);
        }
        expect(server.script).toContain("apt_install mariadb-server galera-4 rsync");
    });

    test("the first bootstraps and makes the accounts; the others only join", () => {
        expect(member(true).map((s) => s.name)).toEqual(["galera-server", "database-accounts"]);
        expect(member(false).map((s) => s.name)).toEqual(["galera-server"]);
        expect(member(true)[0].script).toContain("BOOTSTRAP=true");
        expect(member(false)[0].script).toContain("BOOTSTRAP=false");
    });

    test("MySQL cannot form one", () => {
        expect(() =>
            galeraSteps({
                database: settings.database,
                packages: settings.packages,
                bindAddress: "10.15.0.121",
                managementAddresses: ["10.15.0.116"],
                destroyData: false,
                nodeName: "db-1",
                bootstrap: true,
                galeraAddresses: ["10.15.0.121"],
                clusterName: "cloudstack",
            }),
        ).toThrow('packages.databaseEngine: "mysql" cannot form a Galera cluster; expected "mariadb"');
    });
});

describe("management server scripts", () => {
    const base = {
        management: settings.management,
        packages: settings.packages,
        nfs: settings.nfs,
        databaseHost: "10.15.0.121",
        databasePort: 3306,
        managementAddress: "10.15.0.119",
    };
    const script = (plan: ReturnType<typeof managementSteps>, name: string) => plan.steps.find((s) => s.name === name)!.script;

    test("a single server gets none of the HA sections", () => {
        const plan = managementSteps(base);
        expect(script(plan, "setup-databases")).not.toMatch(/joins an existing cloud|db\.ha\.enabled/);
        expect(script(plan, "management-start")).not.toContain("stop_and_disable cloudstack-usage");
        expect(plan.steps.map((s) => s.name)).toContain("systemvm-template");
    });

    test("a joining server never creates the schema, never seeds the template, and writes the replicas", () => {
        const plan = managementSteps({ ...base, joining: true, usage: false, databaseReplicas: ["10.15.0.122", "10.15.0.123"] });
        const setup = script(plan, "setup-databases");
        expect(setup).toContain("joins an existing cloud");
        // The --deploy-as branch is not in its script at all.
        expect(setup).not.toMatch(/^\s+run_setup_databases yes$/m);
        expect(setup).toContain("db.ha.enabled=true");
        expect(plan.steps.find((s) => s.name === "setup-databases")!.env).toMatchObject({ DB_REPLICAS: "10.15.0.122,10.15.0.123" });
        expect(plan.steps.map((s) => s.name)).not.toContain("systemvm-template");
        expect(script(plan, "management-start")).toContain("stop_and_disable cloudstack-usage");
    });
});

describe("repair galera-rejoin's script", () => {
    // Found on the lab: rendered without the engine's flags, the root-login helper had an empty body (a bash syntax error).
    test("renders valid bash with the view the repair gives it", () => {
        const script = renderTemplate("ops-repair-galera-rejoin.sh", galeraRejoinView({ ...settings.packages, databaseEngine: "mariadb" }));
        const result = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
        expect(script).toContain("SERVICE='mariadb'");
    });
});
