/**
 * The parts of ops that need no lab: the command line, masking, the report,
 * bundle sections, dump files and their retention, secrets read from a
 * state, rendered scripts (bash -n), the exporter settings, the change
 * fingerprint, the topology picture, and a node that cannot be reached
 * (a real sshd on loopback that refuses the key).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { changeFingerprint } from "../../components/PreChangeBackup";
import { prometheusGlobalSettings } from "../../components/Monitoring";
import { describeTopology } from "../../config/topology";
import { parseArgs, UsageError } from "../../ops/args";
import { checkDumpFile, pruneCopies } from "../../ops/backup/dump";
import { splitSections } from "../../ops/bundle";
import { NODE_CHECKS } from "../../ops/checks/nodeChecks";
import { checksView, parseCheckLines, runNodeChecks } from "../../ops/checks/runNodeChecks";
import { CheckResult } from "../../ops/checks/types";
import { buildContext, OpsContext, OpsNode } from "../../ops/context";
import { maskText, MASK } from "../../ops/mask";
import { shellSafe } from "../../ops/nodeScript";
import { secretsInState } from "../../ops/stackReader";
import { failed, renderVerifyReport } from "../../ops/verify";
import { renderTemplate, TEMPLATE_DIR } from "../../providers/remote/templates";
import { check, clone, readStackFile, REPO } from "../support/stackConfig";
import { sshdAvailable, startLocalSshd } from "../support/localSshd";
import { describeUnless } from "../support/gate";
import { seedSettings } from "../unit/steps-fixture";

describe("the ops command line", () => {
    test("parses a command, its action, the stack and its flags", () => {
        expect(parseArgs(["repair", "kvm-host", "--stack", "dev", "--node=kvm1", "--timeout", "60"])).toEqual({
            command: "repair",
            action: "kvm-host",
            stack: "dev",
            flags: { node: "kvm1", timeout: "60" },
        });
        expect(parseArgs(["restore", "--stack", "dev", "--file", "b.sql.gz", "--yes"]).flags).toEqual({ file: "b.sql.gz", yes: "true" });
    });

    test.each([
        [["nonsense", "--stack", "dev"], /command: "nonsense" is not a command; expected one of verify, diagnose, repair/],
        [["verify"], /--stack: is required/],
        [["verify", "--stack", "dev;rm"], /--stack: "dev;rm" is not a stack name/],
        [["verify", "--stack", "dev", "--job", "1"], /--job: not an option of verify; its options are --stack, --node/],
        [["diagnose", "--stack", "dev", "--job"], /--job: needs a value/],
        [["restore", "--stack", "dev", "--yes=no"], /--yes: takes no value/],
        [["repair", "--stack", "dev"], /repair: needs an action/],
        [["backup", "--stack", "dev", "extra"], /backup: unexpected argument "extra"/],
    ])("refuses %j with a message naming what is wrong", (argv, message) => {
        expect(() => parseArgs(argv as string[])).toThrow(UsageError);
        expect(() => parseArgs(argv as string[])).toThrow(message);
    });
});

describe("masking", () => {
    test("hides the stack's secret values and every secret-shaped value, and keeps the rest readable", () => {
        const text = [
            "db.cloud.password=ENC(Zm9vYmFy) db.cloud.host=10.15.0.12",
            "GET /client/api?command=listZones&apikey=AbC123-_x&signature=q%2Bw%3D&response=json",
            "connecting as cloud:S3cret.pw@10.15.0.12 failed",
            "ALTER USER 'cloud'@'10.15.0.11' IDENTIFIED BY 'plain-pw'; hash *0123456789ABCDEF0123456789ABCDEF01234567",
            "mysqlRootPassword: hunter22 and a token=xyz987",
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "the generated value Zq8vK2mP4xR7 appears here",
        ].join("\n");
        const masked = maskText(text, ["Zq8vK2mP4xR7"]);
        for (const secret of ["Zm9vYmFy", "AbC123-_x", "q%2Bw%3D", "S3cret.pw", "plain-pw", "0123456789ABCDEF0123456789ABCDEF01234567", "hunter22", "xyz987", "b3BlbnNzaC1rZXktdjEAAAA", "Zq8vK2mP4xR7"]) {
            expect(masked).not.toContain(secret);
        }
        expect(masked).toContain(`db.cloud.password=${MASK}`);
        expect(masked).toContain("db.cloud.host=10.15.0.12");
        expect(masked).toContain("command=listZones");
        expect(masked).toContain(`cloud:${MASK}@10.15.0.12`);
    });

    test("the secrets of a stack are those of its config, outputs and state; the published default admin password is not one", async () => {
        const settings = seedSettings();
        const ctx = await buildContext(settings, { projectDir: REPO, api: { apiUrl: "http://x/client/api", apiKey: "api-key-1", secretKey: "secret-key-1" }, secrets: ["from-state-1"] });
        expect(ctx.secrets).toEqual(expect.arrayContaining(["api-key-1", "secret-key-1", "from-state-1"]));
        expect(ctx.secrets).not.toContain("password");
    });

    test("secrets in an exported state: the plaintext of secret values, only the secret fields of secret objects", () => {
        const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: JSON.stringify(value) });
        const deployment = {
            deployment: {
                resources: [
                    { urn: "a", outputs: { value: secret("Gen3ratedPw"), length: 20 } },
                    { urn: "b", outputs: { connection: secret({ host: "10.1.1.1", user: "root", password: "ssh-pw-1", hostKey: "ssh-ed25519 AAAA" }), step: "x" } },
                    { urn: "c", outputs: { secretEnv: secret({ CLOUD_DB_PASSWORD: "db-pw-1" }) } },
                ],
            },
        };
        expect(secretsInState(deployment).sort()).toEqual(["Gen3ratedPw", "db-pw-1", "ssh-pw-1"]);
    });

    test("values that reach an ops script unquoted must be plain", () => {
        expect(shellSafe("x", "10.15.0.1")).toBe("10.15.0.1");
        expect(() => shellSafe("check mysql-bind argument 2", "1.2.3.4; rm -rf /")).toThrow('check mysql-bind argument 2: "1.2.3.4; rm -rf /" cannot be passed to a node script');
    });
});

describe("the verify report", () => {
    test("a table with every check, a count, and the fix of each failure", () => {
        const report = renderVerifyReport([
            { check: "mysql-bind", where: "db", status: "fail", detail: "listens only on 127.0.0.1 (loopback)", fix: "npm run ops -- repair mysql-bind --stack dev" },
            { check: "mysql-service", where: "db", status: "pass", detail: "mariadb is active" },
            { check: "nfs-ports", where: "nfs", status: "skip", detail: "nfs.verifyServing is false" },
        ]);
        expect(report).toMatch(/^CHECK\s+WHERE\s+RESULT\s+DETAIL\n/);
        expect(report).toMatch(/mysql-bind\s+db\s+FAIL\s+listens only on 127\.0\.0\.1/);
        expect(report).toContain("1 passed, 1 failed, 1 skipped");
        expect(report).toContain("How to fix:\n  - mysql-bind on db: listens only on 127.0.0.1 (loopback)\n      fix: npm run ops -- repair mysql-bind --stack dev");
        expect(renderVerifyReport([{ check: "a", where: "b", status: "pass", detail: "ok" }])).not.toContain("How to fix");
    });

    test("a warning is reported with its detail and is not a failure", () => {
        const results: CheckResult[] = [
            { check: "kvm-settings", where: "kvm1", status: "warn", detail: "drifted: /etc/default/libvirtd: LIBVIRTD_ARGS is '\"\"', expected '\"--listen\"'" },
            { check: "agent-service", where: "kvm1", status: "pass", detail: "cloudstack-agent is active" },
        ];
        const report = renderVerifyReport(results);
        expect(report).toMatch(/kvm-settings\s+kvm1\s+WARN\s+drifted:/);
        expect(report).toContain("1 passed, 0 failed, 0 skipped, 1 with warnings");
        expect(report).toContain("Warnings (not failures):\n  - kvm-settings on kvm1: drifted: /etc/default/libvirtd");
        expect(report).not.toContain("How to fix");
        expect(failed(results)).toEqual([]);
    });
});

describe("verify's checks of a registered KVM host", () => {
    const settings = seedSettings();
    const kvmNode = settings.nodes.find((n) => n.roles.includes("kvm"))!;
    const ctx = { settings } as OpsContext;
    const opsNode = { name: kvmNode.name, roles: kvmNode.roles, settings: kvmNode } as OpsNode;
    const checkNamed = (name: string) => NODE_CHECKS.find((c) => c.name === name)!;

    test("apply to the hosts the zone registers only (addHost's setup writes what they look at)", () => {
        expect(checkNamed("libvirt-certificates").appliesTo(opsNode, ctx)).toBe(true);
        const unregistered = { settings: { ...settings, zone: { ...settings.zone, hosts: [] } } } as unknown as OpsContext;
        expect(checkNamed("libvirt-certificates").appliesTo(opsNode, unregistered)).toBe(false);
        expect(checkNamed("kvm-settings").appliesTo(opsNode, unregistered)).toBe(false);
    });

    test("the agent's network devices expected are the zone's KVM traffic labels", () => {
        expect(checkNamed("kvm-settings").probe(opsNode, ctx)).toEqual({
            fn: "check_kvm_settings",
            args: ["private.network.device=cloudbr0", "public.network.device=cloudbr1", "guest.network.device=cloudbr1"],
        });
    });

    test("a drifted setting is a warning line of the node script, a missing certificate a failure", () => {
        // Run here, read-only: this machine has no libvirt and no agent, so everything differs.
        const script = renderTemplate(
            "ops-checks.sh",
            checksView(ctx, [
                { name: "kvm-settings", fn: "check_kvm_settings", args: "private.network.device=cloudbr0" },
                { name: "libvirt-certificates", fn: "check_libvirt_certificates", args: "" },
            ]),
        );
        const lines = parseCheckLines(execFileSync("bash", ["-s"], { input: script, encoding: "utf8" }));
        expect(lines.get("kvm-settings")!.status).toBe("warn");
        expect(lines.get("kvm-settings")!.detail).toMatch(/^drifted: \/etc\/libvirt\/libvirtd.conf: listen_tcp is 'unset', expected '0'; /);
        expect(lines.get("libvirt-certificates")).toEqual({
            status: "fail",
            detail: "CloudStack's TLS files for libvirt are missing (/etc/pki/CA/cacert.pem /etc/pki/libvirt/servercert.pem /etc/pki/libvirt/private/serverkey.pem): host registration did not provision them",
        });
    });

    describeUnless(sshdAvailable() ? undefined : "needs root and /usr/sbin/sshd")("over a local sshd", () => {
        test("a node that refuses the login: every check of it fails with the way to a new address", async () => {
            const sshd = await startLocalSshd();
            try {
                const settings = seedSettings();
                const other = fs.mkdtempSync(path.join(os.tmpdir(), "ops-key-"));
                execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(other, "key")]);
                settings.nodes[1] = { ...settings.nodes[1], address: sshd.host, ssh: { user: "root", port: sshd.port, privateKeyFile: path.join(other, "key"), hostKey: sshd.hostKey } };
                const ctx = await buildContext(settings, { projectDir: REPO });
                const results = await runNodeChecks(ctx, ctx.nodes[1]);
                expect(results.map((r) => r.check)).toEqual(["bridge-management", "bridge-public", "mysql-isolated", "kvm-device", "libvirtd-service", "libvirt-listening", "libvirt-certificates", "kvm-settings", "agent-service", "agent-connected"]);
                for (const result of results) {
                    expect(result).toMatchObject({ where: "kvm-host-01", status: "fail", detail: expect.stringContaining("cannot reach the node") });
                    expect(result.fix).toContain("npm run ops -- repair host-address --stack dev --node kvm-host-01 --address NEW");
                }
                fs.rmSync(other, { recursive: true, force: true });
            } finally {
                await sshd.stop();
            }
        });
    });
});

describe("diagnostics bundle sections", () => {
    test("a node's output splits into files at its boundary lines only", () => {
        const out = ["noise before", "::b1 system/ss.txt", "LISTEN 0 128", "::b1 agent/agent.log", "line ::b1 inside", "", "::b2 not/a/file", "::b1 system/ss.txt", "more"].join("\n");
        const files = splitSections(out, "::b1");
        expect([...files.keys()]).toEqual(["system/ss.txt", "agent/agent.log"]);
        expect(files.get("agent/agent.log")).toBe("line ::b1 inside\n\n::b2 not/a/file");
        expect(files.get("system/ss.txt")).toBe("LISTEN 0 128more");
    });
});

describe("dump files", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-dump-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("only a complete gzip'd mysqldump passes the check", async () => {
        const good = path.join(dir, "good.sql.gz");
        fs.writeFileSync(good, zlib.gzipSync("CREATE TABLE t (id INT);\n-- Dump completed on 2026-01-01  0:00:00\n"));
        await expect(checkDumpFile(good)).resolves.toBeUndefined();
        const cut = path.join(dir, "cut.sql.gz");
        fs.writeFileSync(cut, zlib.gzipSync("CREATE TABLE t (id INT);\nINSERT INTO t VALUES (1"));
        await expect(checkDumpFile(cut)).rejects.toThrow(/does not end with mysqldump's "-- Dump completed" line/);
        const truncated = path.join(dir, "truncated.sql.gz");
        fs.writeFileSync(truncated, fs.readFileSync(good).subarray(0, 20));
        await expect(checkDumpFile(truncated)).rejects.toThrow(/is not an intact gzip file/);
    });

    test("retention keeps the newest copies of one prefix and their checksums, nothing else", () => {
        const names = ["dev-db-20260101T000000Z.sql.gz", "dev-db-20260102T000000Z.sql.gz", "dev-db-20260103T000000Z.sql.gz", "dev-db-before-up-20260101T000000Z.sql.gz", "prod-db-20250101T000000Z.sql.gz", "notes.txt"];
        for (const name of names) {
            fs.writeFileSync(path.join(dir, name), "x");
            fs.writeFileSync(path.join(dir, `${name}.sha256`), "x");
        }
        expect(pruneCopies(dir, "dev-db", ".sql.gz", 2)).toEqual(["dev-db-20260101T000000Z.sql.gz"]);
        expect(fs.readdirSync(dir).filter((n) => !n.endsWith(".sha256")).sort()).toEqual(names.slice(1).sort());
        expect(fs.existsSync(path.join(dir, "dev-db-20260101T000000Z.sql.gz.sha256"))).toBe(false);
    });
});

describe("the ops scripts", () => {
    const views = [{ mysql: true, mariadb: false }, { mysql: false, mariadb: true }];
    const templates = fs.readdirSync(TEMPLATE_DIR).filter((name) => name.startsWith("ops-") && name.endsWith(".sh.mustache"));

    test.each(templates)("%s renders to valid bash for MySQL and MariaDB", (file) => {
        for (const engine of views) {
            const script = renderTemplate(file.replace(/\.mustache$/, ""), {
                ...engine,
                calls: [{ name: "mysql-bind", fn: "check_mysql_bind", args: "3306 10.15.0.12" }],
                management: true,
                database: true,
                nfs: true,
                kvm: true,
                port: 3306,
                uiPort: 8080,
                apiPath: "/client/api",
                startTimeoutSeconds: 600,
                maxLines: 100,
            });
            expect(script).not.toMatch(/\{\{|\}\}/);
            execFileSync("bash", ["-n"], { input: script });
        }
    });
});

describe("monitoring hooks", () => {
    test("the exporter settings when asked for, none otherwise; CIDRs are refused as CloudStack compares addresses literally", () => {
        const monitoring = { prometheus: true, prometheusPort: 9595, prometheusAllowedIps: ["10.15.0.5", "127.0.0.1"] };
        expect(prometheusGlobalSettings(monitoring)).toEqual({
            "prometheus.exporter.enable": "true",
            "prometheus.exporter.port": "9595",
            "prometheus.exporter.allowed.ips": "10.15.0.5,127.0.0.1",
        });
        expect(prometheusGlobalSettings({ ...monitoring, prometheus: false })).toEqual({});
        const raw = clone(readStackFile("dev")) as Record<string, any>;
        raw.monitoring = { prometheus: true, prometheusAllowedIps: ["10.15.0.5", "10.15.0.0/24"] };
        expect(check(raw).problems).toEqual([
            expect.stringMatching(/^cloudstack:monitoring\.prometheusAllowedIps\[1\]: "10\.15\.0\.0\/24" .*expected an IPv4 address \(CloudStack's prometheus\.exporter\.allowed\.ips takes no CIDR\)/),
        ]);
    });
});

describe("the dump before a change", () => {
    test("its fingerprint follows the database and management nodes, not how the controller reaches them", () => {
        const base = check(readStackFile("dev")).settings;
        const fingerprint = changeFingerprint(base);
        const upgraded = clone(readStackFile("dev")) as Record<string, any>;
        upgraded.packages = { ...upgraded.packages, javaPackage: "openjdk-17-jre-headless" };
        expect(changeFingerprint(check(upgraded).settings)).not.toBe(fingerprint);
        const raw = clone(readStackFile("dev")) as Record<string, any>;
        raw.nodes[0].ssh = { port: 2222 };
        raw.nodes[0].address = "10.10.0.200";
        expect(changeFingerprint(check(raw).settings)).toBe(fingerprint);
        const bigger = clone(readStackFile("dev")) as Record<string, any>;
        bigger.database.maxConnections = 500;
        expect(changeFingerprint(check(bigger).settings)).not.toBe(fingerprint);
        const kvmOnly = clone(readStackFile("dev")) as Record<string, any>;
        kvmOnly.nodes[1].fqdn = "other.example";
        expect(changeFingerprint(check(kvmOnly).settings)).toBe(fingerprint);
    });
});

describe("the topology picture", () => {
    test("the dev stack: nodes with their bridges and addresses, the zone's layout, registrations and NFS", () => {
        const diagram = describeTopology(check(readStackFile("dev")).settings);
        for (const line of [
            'node_cloudstack_mgmt ---|"cloudbr0 10.15.0.116"| mgmtnet',
            'node_cloudstack_mgmt ---|"cloudbr1 10.10.0.116"| pubnet',
            'node_kvm_host_01 ---|"cloudbr0 10.15.0.117"| mgmtnet',
            'node_nfs_storage ---|"10.10.0.118"| pubnet',
            'node_cloudstack_mgmt -->|"API :8080"| zone_TEST',
            'subgraph cluster_testbed["cluster testbed (KVM)"]',
            "node_kvm_host_01 -. registered as .-> host_N12",
            "node_nfs_storage -. NFS .-> primary_banana_primary",
            "node_nfs_storage -. NFS .-> secondary_banana_secondary",
        ]) {
            expect(diagram).toContain(line);
        }
        // The NFS node has no bridges and no management address: no edge to the management network.
        expect(diagram).not.toContain("node_nfs_storage ---|\"cloudbr0");
        // The README shows this very picture.
        const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
        expect(readme).toContain("```mermaid\n" + diagram.trimEnd() + "\n```");
    });

    test("a separate database node gets the management server's MySQL edge; a zone-only stack draws no nodes", () => {
        const raw = clone(readStackFile("dev")) as Record<string, any>;
        raw.nodes[0].roles = ["management"];
        raw.nodes.push({ name: "db1", address: "10.10.0.119", roles: ["database"], managementAddress: "10.15.0.119", publicAddress: "10.10.0.119" });
        expect(describeTopology(check(raw).settings)).toContain('node_cloudstack_mgmt -->|"MySQL :3306"| node_db1');
        const zoneOnly = clone(readStackFile("dev")) as Record<string, any>;
        zoneOnly.nodes = [];
        zoneOnly.zone.apiUrl = "http://10.15.0.116:8080/client/api";
        delete zoneOnly.zone.hosts[0].node;
        Object.assign(zoneOnly, { apiKey: "key-1", secretKey: "secret-1" });
        const { settings, problems } = check(zoneOnly, ["apiKey", "secretKey"]);
        expect(problems).toEqual([]);
        const diagram = describeTopology(settings);
        expect(diagram).not.toContain("node_");
        expect(diagram).toContain('subgraph zone_TEST["zone TEST');
    });
});
