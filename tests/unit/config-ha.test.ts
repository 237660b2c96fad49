/**
 * The high-availability shapes of the config: several management servers, a
 * load balancer and a Galera database. Each rule rejects a bad shape with the
 * key, the value and what is allowed; the valid HA stack has no problem.
 */
import * as fs from "fs";
import * as path from "path";
import { describeTopology } from "../../config/topology";
import { check, clone, readStackFile, REPO } from "../support/stackConfig";
import { haStackConfig } from "../support/haStack";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRaw = any;

function problemsAfter(change: (raw: AnyRaw) => void, start: () => AnyRaw = haStackConfig): string[] {
    const raw = start();
    change(raw);
    return check(raw).problems;
}

describe("the HA stack", () => {
    test("two management servers, a balancer and three Galera nodes are valid", () => {
        const { settings, problems } = check(haStackConfig());
        expect(problems).toEqual([]);
        expect(settings.nodes.filter((n) => n.roles.includes("management")).map((n) => n.name)).toEqual(["mgmt-1", "mgmt-2"]);
        expect(settings.loadBalancer).toEqual({ virtualAddress: undefined, virtualRouterId: 51, agents: "balancer" });
        expect(settings.management.agentLbAlgorithm).toBe("static");
        // Each management server's pools (CloudStack's db.cloud.maxActive + db.usage.maxActive) fit on every Galera node.
        expect(settings.database.maxConnections).toBe(700);
    });

    test("two management servers without a balancer are valid (agents get the list of servers)", () => {
        expect(problemsAfter((raw) => (raw.nodes = raw.nodes.filter((n: { name: string }) => n.name !== "lb-1")))).toEqual([]);
    });

    test("the topology shows the balancer, both servers and the Galera members, and the README shows that picture", () => {
        const diagram = describeTopology(check(haStackConfig()).settings);
        for (const line of [
            'node_mgmt_1 -->|"MySQL :3306"| node_db_1',
            'node_mgmt_2 -->|"MySQL :3306"| node_db_1',
            'node_db_1 <-->|"Galera"| node_db_2',
            'node_db_1 <-->|"Galera"| node_db_3',
            'node_lb_1 -->|":8080 :8250"| node_mgmt_2',
            'node_lb_1 -->|"API :8080"| zone_TEST',
        ]) {
            expect(diagram).toContain(line);
        }
        expect(diagram).not.toContain('node_mgmt_1 -->|"API :8080"|');
        const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
        expect(readme).toContain("```mermaid\n" + diagram.trimEnd() + "\n```");
    });

    test("a virtual address is drawn on the balancers", () => {
        const raw = haStackConfig() as AnyRaw;
        raw.loadBalancer = { virtualAddress: "10.15.0.100" };
        const diagram = describeTopology(check(raw).settings);
        expect(diagram).toContain('vip(["virtual address 10.15.0.100"])');
        expect(diagram).toContain("node_lb_1 -.- vip");
    });

    test("a single node stack has no new rule to pass", () => {
        expect(check(clone(readStackFile("dev"))).problems).toEqual([]);
    });
});

describe("rejected HA shapes", () => {
    test("a balancer with one management server", () => {
        expect(problemsAfter((raw) => (raw.nodes = raw.nodes.filter((n: { name: string }) => n.name !== "mgmt-2")))).toEqual([
            'cloudstack:nodes: ["lb-1"] is invalid: have the role "loadbalancer", which needs at least two management nodes behind it (found 1: mgmt-1)',
        ]);
    });

    test("an even number of database nodes", () => {
        expect(problemsAfter((raw) => (raw.nodes = raw.nodes.filter((n: { name: string }) => n.name !== "db-3")))).toEqual([
            'cloudstack:nodes: ["db-1","db-2"] is invalid: have the role "database": a Galera cluster needs an odd number of nodes, at least 3 (a majority must survive the loss of one), or exactly one node for a single server',
        ]);
    });

    test("Galera with MySQL", () => {
        expect(problemsAfter((raw) => (raw.packages.databaseEngine = "mysql"))).toEqual([
            'cloudstack:packages.databaseEngine: "mysql" is invalid: 3 database nodes form a MariaDB Galera cluster; set "mariadb"',
        ]);
    });

    test("one bind address for several database nodes", () => {
        expect(problemsAfter((raw) => (raw.database.bindAddress = "10.15.0.121"))).toEqual([
            'cloudstack:database.bindAddress: "10.15.0.121" is invalid: cannot be one address for several database nodes; leave it out (each node binds its own management-network address)',
        ]);
    });

    test("a virtual address outside the management network", () => {
        expect(problemsAfter((raw) => (raw.loadBalancer = { virtualAddress: "10.10.0.200" }))).toEqual([
            'cloudstack:loadBalancer.virtualAddress: "10.10.0.200" is invalid: must lie inside the management network 10.15.0.0/24, where the agents and system VMs reach the management servers',
        ]);
    });

    test("a virtual address that is a node's own", () => {
        expect(problemsAfter((raw) => (raw.loadBalancer = { virtualAddress: "10.15.0.116" }))).toEqual([
            'cloudstack:loadBalancer.virtualAddress: "10.15.0.116" is invalid: is node mgmt-1\'s own address; the virtual address must be a free one',
        ]);
    });

    test("two balancers without a virtual address", () => {
        const problems = problemsAfter((raw) => raw.nodes.push({ name: "lb-2", address: "10.10.0.124", roles: ["loadbalancer"], managementAddress: "10.15.0.124" }));
        expect(problems).toEqual([expect.stringMatching(/^cloudstack:loadBalancer\.virtualAddress: is missing: 2 nodes have the role "loadbalancer" \(lb-1, lb-2\)/)]);
    });

    test("a balancer on a management server", () => {
        const problems = problemsAfter((raw) => {
            raw.nodes[0].roles = ["management", "loadbalancer"];
            raw.nodes = raw.nodes.filter((n: { name: string }) => n.name !== "lb-1");
        });
        expect(problems).toEqual([
            'cloudstack:nodes[0].roles: ["management","loadbalancer"] is invalid: loadbalancer and management on one machine is not allowed: both listen on ports 8080 and 8250; use separate machines',
        ]);
    });

    test("a balancer without any address on the management network", () => {
        const problems = problemsAfter((raw) => {
            delete raw.nodes[2].managementAddress;
            raw.nodes[2].bridges = false;
        });
        expect(problems).toEqual([expect.stringMatching(/^cloudstack:nodes\[2\]\.managementAddress: the balancer lb-1 needs an address on the management network 10\.15\.0\.0\/24/)]);
    });

    test("the usage server on a node that is not a management server", () => {
        expect(problemsAfter((raw) => (raw.management = { usageNode: "db-1" }))).toEqual([
            'cloudstack:management.usageNode: "db-1" is invalid: expected the name of a management node (mgmt-1, mgmt-2); the usage server runs on exactly one of them',
        ]);
    });

    test("an unknown agent balancing algorithm", () => {
        expect(problemsAfter((raw) => (raw.management = { agentLbAlgorithm: "random" }))).toEqual([expect.stringMatching(/^cloudstack:management\.agentLbAlgorithm: "random" is invalid: .*static.*roundrobin.*shuffle/)]);
    });

    test("a virtual address without a balancer", () => {
        expect(problemsAfter((raw) => (raw.loadBalancer = { virtualAddress: "10.15.0.100" }), () => clone(readStackFile("dev")))).toEqual([
            'cloudstack:loadBalancer.virtualAddress: "10.15.0.100" is invalid: is set but no node has the role "loadbalancer"; add one or remove the key',
        ]);
    });
});
