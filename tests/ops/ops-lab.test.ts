/**
 * Day-2 operations on a deployed lab cloud (support/opsLab.ts: real Debian
 * hosts, MariaDB, libvirt, the stand-in CloudStack packages, deployed by the
 * program's own steps and providers). Every check is broken the way clouds
 * break — MySQL stopped or bound to 127.0.0.1, the agent and libvirtd
 * stopped, a bridge down, the exports gone, the management server down — and
 * `verify` must name the failure and the fix; then the repair runs and the
 * check passes again. Backups are restored into an empty database and must
 * give back the same rows; the diagnostics bundle must hold no secret.
 *
 * Commands run through ops/cli.ts `execute` with a context built from the
 * lab's settings (the Automation API path is tested in ops-stack.test.ts).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { parseArgs } from "../../ops/args";
import { CheckResult } from "../../ops/checks/types";
import { execute } from "../../ops/cli";
import { OpsContext } from "../../ops/context";
import { runVerify } from "../../ops/verify";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { labUnavailableReason } from "../support/lab";
import { REPO } from "../support/stackConfig";
import { ADMIN_PASSWORD, LAB_SECRETS, labConfig, OpsLab, startOpsLab, stopOpsLab, systemVmTemplateUrl } from "./support/opsLab";
import { describeUnless } from "../support/gate";

const unavailable = labUnavailableReason() ?? (engineAvailable() ? undefined : "the Pulumi engine is not installed (scripts/install-pulumi.sh)");
const describeLab = describeUnless(unavailable);

jest.setTimeout(900_000);

let lab: OpsLab;

/** Runs an ops command line on a context; returns its exit code and everything it printed. */
async function ops(argv: string[], ctx: OpsContext = lab.ctx): Promise<{ code: number; out: string }> {
    const lines: string[] = [];
    const code = await execute(ctx, parseArgs([...argv, "--stack", ctx.settings.stack]), (line) => lines.push(line));
    return { code, out: lines.join("\n") };
}

async function sh(host: string, command: string): Promise<string> {
    const run = await lab.sh(host, command);
    if (run.code !== 0) throw new Error(`${host}: ${command} failed (${run.code}): ${run.stderr}`);
    return run.stdout;
}

/** Retries `check` for up to a minute: after a management restart hosts reconnect and system VMs report again. */
async function eventually(check: () => Promise<void>, seconds = 60): Promise<void> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        try {
            return await check();
        } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((resolve) => setTimeout(resolve, 2000));
        }
    }
}

const healthy = () => eventually(async () => expect(failed(await runVerify(lab.ctx))).toEqual([]));

const failing = (results: CheckResult[]) => results.filter((r) => r.status === "fail");
const failed = (results: CheckResult[]) => failing(results).map((r) => `${r.check}@${r.where}`).sort();
const result = (results: CheckResult[], check: string, where: string) => results.find((r) => r.check === check && r.where === where) as CheckResult;

describeLab("day-2 operations on a lab cloud", () => {
    beforeAll(async () => {
        lab = await startOpsLab();
    }, 1_800_000);
    afterAll(async () => {
        await lab?.project.remove();
        if (lab) await stopOpsLab(lab.lab);
    });

    test("a fresh deployment passes verify", async () => {
        const fresh = await runVerify(lab.ctx);
        expect(failed(fresh)).toEqual([]);
        // Issue 9, defects 3, 4 and 9: registered, libvirt is on TLS only, and host=...@static names the management server.
        expect(result(fresh, "libvirt-listening", "kvm1").detail).toBe("libvirt listens on TLS port 16514 only");
        expect(result(fresh, "agent-connected", "kvm1").detail).toMatch(/^connected to /);
        const { code, out } = await ops(["verify"]);
        expect(out).toMatch(/\n\d+ passed, 0 failed, 2 skipped$/);
        expect(code).toBe(0);
        for (const check of ["bridge-management", "mysql-bind", "mysql-accounts", "mysql-from-management", "mysql-isolated", "agent-connected", "libvirt-listening", "libvirt-certificates", "kvm-settings", "ssvm-running", "cpvm-running", "systemvm-template"]) {
            expect(out).toMatch(new RegExp(`\\n${check} .* PASS `));
        }
    });

    test("MySQL stopped: its checks fail, all pointing at repair mysql-bind, which starts it and re-checks", async () => {
        await sh("db", "systemctl stop mariadb");
        const broken = await runVerify(lab.ctx);
        expect(failed(broken)).toEqual(["mysql-accounts@db", "mysql-bind@db", "mysql-from-management@mgmt", "mysql-service@db"]);
        expect(result(broken, "mysql-service", "db").detail).toMatch(/^mariadb is inactive/);
        expect(result(broken, "mysql-bind", "db").detail).toBe("nothing listens on port 3306");
        expect(result(broken, "mysql-from-management", "mgmt").detail).toMatch(/10\.65\.0\.12:3306: Connection refused/);
        for (const check of ["mysql-service", "mysql-bind"]) expect(result(broken, check, "db").fix).toMatch(/^npm run ops -- repair mysql-bind --stack test /);
        const verify = await ops(["verify"]);
        expect(verify.code).toBe(1);
        const repair = await ops(["repair", "mysql-bind"]);
        expect(repair.out).toContain("db: started mariadb");
        expect(repair.out).toMatch(/re-check:\n[\s\S]*3 passed, 0 failed/);
        expect(repair.code).toBe(0);
        expect(failed(await runVerify(lab.ctx))).toEqual([]);
    });

    test("MySQL bound to 127.0.0.1 (error 2003): mysql-bind names it; the repair re-binds once and then changes nothing", async () => {
        await sh("db", "sed -i 's/^bind-address = .*/bind-address = 127.0.0.1/' /etc/mysql/mariadb.conf.d/zz-cloudstack.cnf && systemctl restart mariadb");
        const broken = await runVerify(lab.ctx);
        expect(failed(broken)).toEqual(["mysql-bind@db", "mysql-from-management@mgmt"]);
        expect(result(broken, "mysql-bind", "db").detail).toBe("listens only on 127.0.0.1 (loopback): other nodes get error 2003; expected 10.65.0.12");
        expect(result(broken, "mysql-bind", "db").fix).toBe("npm run ops -- repair mysql-bind --stack test (starts MySQL, binds it to 10.65.0.12, restarts and re-checks)");
        const repair = await ops(["repair", "mysql-bind"]);
        expect(repair.code).toBe(0);
        expect(repair.out).toContain("db: wrote /etc/mysql/mariadb.conf.d/zz-cloudstack.cnf");
        expect(repair.out).toContain("db: restarted mariadb");
        const again = await ops(["repair", "mysql-bind"]);
        expect(again.code).toBe(0);
        expect(again.out).toContain("db: nothing to change; mariadb already listens on 10.65.0.12");
        expect(failed(await runVerify(lab.ctx))).toEqual([]);
    });

    test("the agent and libvirtd stopped: verify names repair kvm-host for the node, which brings both back and the host Up", async () => {
        await sh("kvm1", "systemctl stop cloudstack-agent libvirtd");
        const broken = await runVerify(lab.ctx);
        // Without its agent the host is Disconnected in CloudStack too (the stand-in's agent port, tests/standin/agent-port.ts).
        expect(failed(broken)).toEqual(["agent-connected@kvm1", "agent-service@kvm1", "hosts-up@host kvm-10-65-0-13 (10.65.0.13)", "libvirt-listening@kvm1", "libvirtd-service@kvm1"]);
        // The agent wrote host=<list>@<algorithm> when it connected (Agent.java@4.19.3.0:811).
        expect(result(broken, "agent-connected", "kvm1").detail).toBe("no connection to port 8250 (agent.properties host=10.65.0.11@static, expected 10.65.0.11)");
        // Every failure, the node's and CloudStack's view of its host, points at the same repair.
        for (const r of failing(broken)) expect(r.fix).toMatch(/^npm run ops -- repair kvm-host --stack test --node kvm1($| \(restarts libvirtd and the agent, re-checks, reconnects the host\)$)/);
        const repair = await ops(["repair", "kvm-host", "--node", "kvm1"]);
        expect(repair.out).toContain("kvm1: restarted libvirtd");
        expect(repair.out).toContain("kvm1: restarted cloudstack-agent");
        expect(repair.out).toMatch(/host kvm-10-65-0-13 \(10\.65\.0\.13\) is Up/);
        expect(repair.out).toMatch(/re-check:\n[\s\S]*5 passed, 0 failed/);
        expect(repair.code).toBe(0);
        await expect(ops(["repair", "kvm-host", "--node", "db"])).rejects.toThrow("--node: db is not a KVM node (its roles: database, nfs)");
    });

    test("a bridge down, the exports withdrawn, the management server stopped: each caught with its fix", async () => {
        await sh("db", "ip link set cloudbr1 down && exportfs -ua");
        let results = await runVerify(lab.ctx);
        expect(failed(results)).toEqual(["bridge-public@db", "nfs-exports@db"]);
        expect(result(results, "bridge-public", "db").detail).toBe("cloudbr1 is down");
        expect(result(results, "bridge-public", "db").fix).toContain("run pulumi up --stack test");
        expect(result(results, "nfs-exports", "db").detail).toBe("/export is not in the export table (exportfs -v)");
        await sh("db", "ip link set cloudbr1 up && exportfs -ra");

        await sh("mgmt", "systemctl stop cloudstack-management");
        try {
            results = await runVerify(lab.ctx);
            // As with the real server, the agents lose their connection to port 8250 with it.
            expect(failed(results)).toEqual(["agent-connected@kvm1", "api-answers@http://127.0.0.1:27101/client/api", "management-api@mgmt", "management-service@mgmt"]);
            expect(results.filter((r) => r.status === "skip").map((r) => r.check)).toEqual(expect.arrayContaining(["ssvm-running", "hosts-up"]));
        } finally {
            await sh("mgmt", "systemctl start cloudstack-management");
            await lab.waitForApi();
        }
        await healthy();
    });

    test("checks the lab's configuration skips fail here for what they look for: no /dev/kvm, no kernel NFS server", async () => {
        const strict: OpsContext = {
            ...lab.ctx,
            settings: { ...lab.ctx.settings, kvm: { ...lab.ctx.settings.kvm, requireHardwareVirtualization: true }, nfs: { ...lab.ctx.settings.nfs, verifyServing: true } },
        };
        const results = await runVerify(strict, { only: ["kvm-device", "nfs-ports"] });
        expect(result(results, "kvm-device", "kvm1")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^\/dev\/kvm missing/) });
        expect(result(results, "kvm-device", "kvm1").fix).toContain("enable Intel VT-x / AMD-V in the BIOS/UEFI");
        expect(result(results, "nfs-ports", "db")).toMatchObject({ status: "fail", detail: expect.stringMatching(/^nothing listens on TCP port\(s\) .*2049/) });
    });

    test("repair systemvm-template: re-seeds the template where the store is mounted, recreates the SSVM and CPVM; without a mount it says why", async () => {
        // The stand-in schema has no vm_template table; the real one has, with the KVM SystemVM template's row.
        await sh("db", "mysql -e \"CREATE TABLE IF NOT EXISTS cloud.vm_template (id BIGINT PRIMARY KEY, type VARCHAR(32), hypervisor_type VARCHAR(32), removed DATETIME); REPLACE INTO cloud.vm_template VALUES (3, 'SYSTEM', 'KVM', NULL), (9, 'USER', 'KVM', NULL);\"");
        // No kernel NFS client in the lab: the NFS mount fails, and the repair stops there.
        const withTemplate = { ...lab.ctx, settings: { ...lab.ctx.settings, packages: { ...lab.ctx.settings.packages, systemVmTemplateUrl: systemVmTemplateUrl(lab.inventory) } } };
        await expect(ops(["repair", "systemvm-template"], withTemplate)).rejects.toThrow(/cannot mount 10\.65\.0\.12:\/export\/secondary; check nfs-exports and nfs-ports/);
        // What the mount would show: secondary storage, here a local directory bound at the mount point.
        await sh("mgmt", "mkdir -p /srv/secondary /mnt/cloudstack-infra-secondary && mount --bind /srv/secondary /mnt/cloudstack-infra-secondary");
        const before = await lab.systemVmNames();
        const repair = await ops(["repair", "systemvm-template", "--timeout", "120"], withTemplate);
        expect(repair.out).toContain("KVM SystemVM template record: 3");
        expect(repair.out).toMatch(/mgmt: re-seeded SystemVM template 3 from http:\/\/10\.65\.0\.1:3142\/local\/systemvm\/systemvmtemplate-4\.19\.1-kvm\.qcow2\.bz2/);
        expect(repair.out).toContain("secondarystoragevm and consoleproxy Running again");
        expect(repair.code).toBe(0);
        expect(await sh("mgmt", "grep -c '^qcow2.filename=' /srv/secondary/template/tmpl/1/3/template.properties")).toBe("1\n");
        const after = await lab.systemVmNames();
        expect(after.filter((name) => before.includes(name))).toEqual([]);
        await sh("mgmt", "umount /mnt/cloudstack-infra-secondary");
    });

    test("repair ssvm-certificate: use.https.to.upload=false, a management restart only when that changed it, a new SSVM", async () => {
        await lab.api().request("updateConfiguration", { name: "use.https.to.upload", value: "true" });
        const startedBefore = await sh("mgmt", "systemctl show -p ActiveEnterTimestampMonotonic --value cloudstack-management");
        const repair = await ops(["repair", "ssvm-certificate", "--timeout", "120"]);
        expect(repair.out).toContain("use.https.to.upload: true -> false; restarting the management server so it takes effect");
        expect(repair.out).toContain("mgmt: restarted cloudstack-management");
        expect(repair.out).toContain("secondarystoragevm Running again");
        expect(repair.code).toBe(0);
        const startedAfter = await sh("mgmt", "systemctl show -p ActiveEnterTimestampMonotonic --value cloudstack-management");
        expect(startedAfter).not.toBe(startedBefore);
        const again = await ops(["repair", "ssvm-certificate", "--timeout", "120"]);
        expect(again.out).toContain("use.https.to.upload is already false: no restart needed");
        expect(again.code).toBe(0);
        expect(await sh("mgmt", "systemctl show -p ActiveEnterTimestampMonotonic --value cloudstack-management")).toBe(startedAfter);
        await healthy();
    });

    test("repair host-address: a new address of the same machine (host key) gets the config change; another machine is refused", async () => {
        const same = await ops(["repair", "host-address", "--node", "mgmt", "--address", "localhost"]);
        expect(same.code).toBe(0);
        expect(same.out).toContain("localhost:27001 is mgmt: its host key matches the pinned ssh.hostKey");
        expect(same.out).toContain("pulumi config set --stack test --path 'cloudstack:nodes[0].address' localhost");
        const other = await ops(["repair", "host-address", "--node", "mgmt", "--address", "127.0.0.1", "--port", String(lab.host("db").sshPort)]);
        expect(other.code).toBe(1);
        expect(other.out).toContain(`127.0.0.1:${lab.host("db").sshPort} is NOT mgmt: its host key differs from the pinned ssh.hostKey`);
        expect(other.out).not.toContain("pulumi config set");
        await expect(ops(["repair", "host-address", "--node", "mgmt"])).rejects.toThrow("repair host-address needs --node NAME and --address NEW_ADDRESS");
    });

    describe("backups", () => {
        let ctx: OpsContext;
        let projectDir: string;
        beforeAll(() => {
            projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-backup-"));
            ctx = { ...lab.ctx, projectDir };
        });
        afterAll(() => fs.rmSync(projectDir, { recursive: true, force: true }));

        // Every table's rows as the database sees them: CHECKSUM TABLE and COUNT(*), in one string.
        const tableState = () =>
            sh(
                "db",
                `for t in $(mysql -N -e "SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables WHERE table_schema IN ('cloud', 'cloud_usage') ORDER BY 1"); do
                    echo "$t $(mysql -N -e "CHECKSUM TABLE $t" | cut -f2) $(mysql -N -e "SELECT COUNT(*) FROM $t")"
                done`,
            );

        test("a backup restored into an empty database gives back the same rows; restore refuses without --yes", async () => {
            await sh("db", "mysql -e \"INSERT INTO cloud_usage.usage_event (type, created) VALUES ('VM.CREATE', NOW()), ('VM.DESTROY', NOW())\"");
            const rows = await tableState();
            expect(rows.split("\n").filter(Boolean).length).toBeGreaterThanOrEqual(4);
            const backup = await ops(["backup"], ctx);
            expect(backup.code).toBe(0);
            const file = /backup: (\S+) \(/.exec(backup.out)![1];
            expect(path.dirname(file)).toBe(path.join(projectDir, "backups", "test"));
            expect(fs.statSync(file).mode & 0o777).toBe(0o600);
            expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
            expect(execFileSync("sha256sum", ["-c", `${path.basename(file)}.sha256`], { cwd: path.dirname(file), encoding: "utf8" })).toContain(": OK");

            await expect(ops(["restore", "--file", file], ctx)).rejects.toThrow("restore replaces the databases cloud and cloud_usage on db");
            expect(await sh("mgmt", "systemctl is-active cloudstack-management")).toBe("active\n");

            await sh("db", "mysql -e 'DROP DATABASE cloud; DROP DATABASE cloud_usage'");
            expect(await sh("db", "mysql -N -e \"SHOW DATABASES LIKE 'cloud%'\"")).toBe("");
            const restore = await ops(["restore", "--file", file, "--yes"], ctx);
            expect(restore.out).toContain("mgmt: stopped cloudstack-management");
            expect(restore.out).toMatch(/db: restored \(\d+ tables in cloud and cloud_usage\)/);
            expect(restore.out).toContain("mgmt: started cloudstack-management");
            expect(restore.code).toBe(0);
            expect(await tableState()).toBe(rows);
            expect(await sh("db", "ls /var/tmp | grep -c cloudstack-infra-restore || true")).toBe("0\n");
            await healthy();
        });

        test("a damaged dump is refused before anything stops", async () => {
            const damaged = path.join(projectDir, "damaged.sql.gz");
            const good = fs.readdirSync(path.join(projectDir, "backups", "test")).find((n) => n.endsWith(".sql.gz"))!;
            fs.writeFileSync(damaged, fs.readFileSync(path.join(projectDir, "backups", "test", good)).subarray(0, 200));
            await expect(ops(["restore", "--file", damaged, "--yes"], ctx)).rejects.toThrow(/is not an intact gzip file|does not end with mysqldump/);
            expect(await sh("mgmt", "systemctl is-active cloudstack-management")).toBe("active\n");
        });

        test("backup.keep copies are kept, and --exports mirrors primary and secondary storage", async () => {
            await sh("db", "echo template-bits > /export/secondary/marker && mkdir -p /export/primary/vm && echo disk > /export/primary/vm/disk.qcow2");
            for (let i = 0; i < 2; i++) {
                await new Promise((resolve) => setTimeout(resolve, 1100));
                expect((await ops(["backup", ...(i === 1 ? ["--exports"] : [])], ctx)).code).toBe(0);
            }
            const dumps = fs.readdirSync(path.join(projectDir, "backups", "test")).filter((n) => /^test-db-\d{8}T\d{6}Z\.sql\.gz$/.test(n));
            expect(dumps).toHaveLength(2);
            const exports = path.join(projectDir, "backups", "test", "exports");
            expect(fs.readFileSync(path.join(exports, "secondary", "marker"), "utf8")).toBe("template-bits\n");
            expect(fs.readFileSync(path.join(exports, "primary", "vm", "disk.qcow2"), "utf8")).toBe("disk\n");
        });
    });

    test("diagnose: a 0600 bundle with the job's log lines, every node's state, and no secret anywhere", async () => {
        const jobId = "3f9c2a1e-7b44-4c1d-9e2f-5a6b7c8d9e0f";
        const api = lab.ctx.api!;
        const secrets = [...Object.values(LAB_SECRETS), ADMIN_PASSWORD, api.apiKey, api.secretKey];
        // Lines as a real management server writes them, secrets included (the worst case for a bundle).
        const logLines = [
            `2026-11-24 08:00:01,000 DEBUG [c.c.a.ApiServlet] (qtp-1:ctx-1 logid:aaaa1111) ===START=== 10.65.0.1 -- GET command=addHost&apikey=${api.apiKey}&signature=Zm9vYmFyYmF6&password=${LAB_SECRETS.CLOUD_DB_PASSWORD}`,
            `2026-11-24 08:00:02,000 INFO  [o.a.c.f.j.i.AsyncJobManagerImpl] (qtp-1:ctx-1 logid:aaaa1111) Add job-77 into job monitoring, job uuid ${jobId}`,
            "2026-11-24 08:00:03,000 ERROR [c.c.r.ResourceManagerImpl] (API-Job-Executor-1:ctx-2 job-77 ctx-2 logid:bbbb2222) Unable to add the host",
            `2026-11-24 08:00:04,000 DEBUG [c.c.u.d.T] (main:null) connecting with cloud:${LAB_SECRETS.DEPLOY_ADMIN_PASSWORD}@10.65.0.12 key ${LAB_SECRETS.MANAGEMENT_SERVER_KEY} secret ${api.secretKey}`,
            "2026-11-24 08:00:05,000 INFO  [c.c.s.StatsCollector] (StatsCollector-1:null) unrelated line",
        ];
        await sh("mgmt", `printf '%s\\n' ${logLines.map((l) => `'${l.replace(/'/g, "'\\''")}'`).join(" ")} >> /var/log/cloudstack/management/management-server.log`);
        await sh("kvm1", `echo 'agent saw root password ${LAB_SECRETS.MYSQL_ROOT_PASSWORD} and key ${LAB_SECRETS.DATABASE_KEY}' >> /var/log/cloudstack/agent/agent.log`);
        const output = fs.mkdtempSync(path.join(os.tmpdir(), "ops-diagnose-"));
        try {
            const run = await ops(["diagnose", "--job", jobId, "--output", output]);
            expect(run.code).toBe(0);
            const bundle = /diagnostics bundle: (\S+)/.exec(run.out)![1];
            expect(path.dirname(bundle)).toBe(output);
            expect(fs.statSync(bundle).mode & 0o777).toBe(0o600);
            const unpacked = path.join(output, "unpacked");
            fs.mkdirSync(unpacked);
            execFileSync("tar", ["-xzf", bundle, "-C", unpacked]);
            const files = execFileSync("find", [unpacked, "-type", "f"], { encoding: "utf8" }).trim().split("\n");
            for (const expected of ["verify.txt", "mgmt/management/management-server-job.log", "mgmt/usage/usage.log", "mgmt/system/ss-ltnp.txt", "kvm1/agent/agent.log", "kvm1/agent/setup.log", "kvm1/libvirt/libvirtd.log", "kvm1/system/bridge-link.txt", "db/system/ip-d-link.txt", "db/system/netplan-status.txt", "db/netplan/01-cloudstack-network.yaml", "db/database/error.log", "db/nfs/exportfs.txt", "api/hosts.json", `api/job-${jobId}.json`]) {
                expect(files).toContain(path.join(unpacked, expected));
            }
            const jobLog = fs.readFileSync(path.join(unpacked, "mgmt/management/management-server-job.log"), "utf8");
            expect(jobLog).toContain("Add job-77 into job monitoring");
            expect(jobLog).toContain("Unable to add the host");
            expect(jobLog).toContain("command=addHost");
            expect(jobLog).not.toContain("unrelated line");
            for (const file of files) {
                const content = fs.readFileSync(file, "utf8");
                for (const secret of secrets) expect({ file, leaked: content.includes(secret) }).toEqual({ file, leaked: false });
                expect({ file, leaked: /ENC\((?!\*)/.test(content) }).toEqual({ file, leaked: false });
            }
        } finally {
            fs.rmSync(output, { recursive: true, force: true });
        }
    });

    describe("through the Pulumi engine", () => {
        /** A project on the lab cloud's config whose program is `program` (with ops/ beside it, as the wired program will have). */
        async function labProject(stackName: string, program: string, extra: Record<string, unknown> = {}, secrets: Record<string, string> = {}): Promise<TestProject> {
            const programDir = fs.mkdtempSync(path.join(os.tmpdir(), "ops-program-"));
            fs.writeFileSync(path.join(programDir, "index.ts"), program);
            fs.cpSync(path.join(REPO, "ops"), path.join(programDir, "ops"), { recursive: true });
            const config = Object.fromEntries(Object.entries({ ...labConfig(lab.inventory), ...extra }).map(([key, value]) => [`cloudstack:${key}`, value]));
            try {
                return await createTestProject({ stackName, config, secrets, programDir });
            } finally {
                fs.rmSync(programDir, { recursive: true, force: true });
            }
        }

        test("backup.beforeChange: a dump before an up that changes the database or management nodes, none when nothing changes", async () => {
            const project = await labProject(
                "prechange",
                `
import { loadSettings } from "./config/readSettings";
import { connectionFor } from "./providers/remote/connection";
import { PreChangeBackup } from "./components/PreChangeBackup";
const settings = loadSettings();
const database = settings.nodes.find((node) => node.roles.includes("database"))!;
export const lastBackup = new PreChangeBackup("pre-change-backup", { settings, connection: connectionFor(database) }).lastBackup;
`,
            );
            try {
                const dumps = () => fs.readdirSync(path.join(project.dir, "backups", "prechange")).filter((n) => n.endsWith(".sql.gz")).sort();
                const first = await project.stack.up();
                const firstFile = first.outputs.lastBackup.value as string;
                expect(path.basename(firstFile)).toMatch(/^prechange-db-before-up-\d{8}T\d{6}Z\.sql\.gz$/);
                expect(dumps()).toEqual([path.basename(firstFile)]);
                expect(fs.statSync(firstFile).mode & 0o777).toBe(0o600);

                await project.stack.preview({ expectNoChanges: true });
                expect((await project.stack.up()).outputs.lastBackup.value).toBe(firstFile);
                expect(dumps()).toHaveLength(1);

                await new Promise((resolve) => setTimeout(resolve, 1100));
                await project.stack.setConfig("cloudstack:database", { value: JSON.stringify({ maxConnections: 400 }) });
                const changed = await project.stack.up();
                expect(changed.outputs.lastBackup.value).not.toBe(firstFile);
                expect(dumps()).toHaveLength(2);
            } finally {
                await project.remove();
            }
        });

        test("verify as the last step of pulumi up: passes on a healthy cloud, fails the update with the fix when a check fails", async () => {
            const api = lab.ctx.api!;
            const project = await labProject(
                "verifystep",
                `
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./config/readSettings";
import { connectionFor } from "./providers/remote/connection";
import { Verification } from "./components/Verification";
const settings = loadSettings();
const api = pulumi.secret(pulumi.all([settings.secrets.apiKey!, settings.secrets.secretKey!]).apply(([apiKey, secretKey]) => ({ apiUrl: settings.zone.apiUrl!, apiKey, secretKey })));
export const summary = new Verification("verify", {
    settings,
    connections: Object.fromEntries(settings.nodes.map((node) => [node.name, connectionFor(node)])),
    managementAddresses: Object.fromEntries(settings.nodes.map((node) => [node.name, node.managementAddress!])),
    api,
    zoneId: new pulumi.Config("test").require("zoneId"),
}).summary;
`,
                {},
                { "cloudstack:apiKey": api.apiKey, "cloudstack:secretKey": api.secretKey },
            );
            try {
                await project.stack.setConfig("test:zoneId", { value: lab.ctx.zoneId! });
                expect((await project.stack.up()).outputs.summary.value).toMatch(/^\d+ passed, 0 failed, 2 skipped$/);
                await sh("kvm1", "systemctl stop cloudstack-agent");
                await project.stack.setConfig("cloudstack:backup", { value: JSON.stringify({ keep: 3 }) });
                const failure = await project.stack.up().then(() => "no error", (err: Error) => err.message);
                expect(failure).toContain("the deployment does not pass verify");
                expect(failure).toMatch(/agent-service on kvm1: cloudstack-agent is inactive[^\n]*\n\s+fix: npm run ops -- repair kvm-host --stack verifystep --node kvm1/);
                for (const secret of [api.apiKey, api.secretKey]) expect(failure).not.toContain(secret);
                await sh("kvm1", "systemctl start cloudstack-agent");
                await eventually(async () => expect((await project.stack.up()).outputs.summary.value).toMatch(/ 0 failed/));
            } finally {
                await project.remove();
            }
        });

        test("monitoring.prometheus: the exporter settings through the API, and a management restart only when enable or port changed", async () => {
            // The stand-in management server has no exporter; a listener on each port plays it.
            for (const port of [9595, 9596]) {
                await sh("mgmt", `systemd-run --unit=standin-exporter-${port} --quiet python3 -m http.server ${port} --directory /tmp`);
            }
            const api = lab.ctx.api!;
            const monitoring = (port: number, ips: string[]) => ({ monitoring: { prometheus: true, prometheusPort: port, prometheusAllowedIps: ips } });
            const project = await labProject(
                "monitoring",
                `
import * as pulumi from "@pulumi/pulumi";
import { loadSettings } from "./config/readSettings";
import { connectionFor } from "./providers/remote/connection";
import { prometheusGlobalSettings, PrometheusRestart } from "./components/Monitoring";
import { GlobalSetting } from "./providers/cloudstack/objects/globalSetting";
const settings = loadSettings();
const management = settings.nodes.find((node) => node.roles.includes("management"))!;
// As the Zone component applies its globalSettings.
const connection = pulumi.secret(pulumi.all([settings.secrets.apiKey!, settings.secrets.secretKey!]).apply(([apiKey, secretKey]) => ({ apiUrl: settings.zone.apiUrl!, apiKey, secretKey })));
const globals = Object.entries(prometheusGlobalSettings(settings.monitoring)).map(([name, value]) => new GlobalSetting("setting-" + name, { connection, name, value }));
new PrometheusRestart("prometheus", { node: management, connection: connectionFor(management), monitoring: settings.monitoring, management: settings.management, after: globals });
`,
                monitoring(9595, ["10.65.0.1"]),
                { "cloudstack:apiKey": api.apiKey, "cloudstack:secretKey": api.secretKey },
            );
            const started = () => sh("mgmt", "systemctl show -p ActiveEnterTimestampMonotonic --value cloudstack-management");
            const setting = async (name: string) => (await lab.api().list<{ name: string; value: string }>("listConfigurations", { name })).find((c) => c.name === name)?.value;
            try {
                let before = await started();
                await project.stack.up();
                expect([await setting("prometheus.exporter.enable"), await setting("prometheus.exporter.port"), await setting("prometheus.exporter.allowed.ips")]).toEqual(["true", "9595", "10.65.0.1"]);
                expect(await started()).not.toBe(before);
                expect(await sh("mgmt", "cat /var/lib/cloudstack-infra/prometheus-exporter.applied")).toBe("enable=true port=9595\n");
                const withExporter: OpsContext = { ...lab.ctx, settings: { ...lab.ctx.settings, ...monitoring(9595, ["10.65.0.1"]) } };
                expect(result(await runVerify(withExporter, { only: ["prometheus-exporter"] }), "prometheus-exporter", "mgmt").status).toBe("pass");

                await lab.waitForApi();
                before = await started();
                await project.stack.preview({ expectNoChanges: true });
                await project.stack.setConfig("cloudstack:monitoring", { value: JSON.stringify(monitoring(9595, ["10.65.0.1", "10.65.0.2"]).monitoring) });
                await project.stack.up();
                expect(await setting("prometheus.exporter.allowed.ips")).toBe("10.65.0.1,10.65.0.2");
                expect(await started()).toBe(before);

                await project.stack.setConfig("cloudstack:monitoring", { value: JSON.stringify(monitoring(9596, ["10.65.0.1"]).monitoring) });
                await project.stack.up();
                expect(await setting("prometheus.exporter.port")).toBe("9596");
                expect(await started()).not.toBe(before);
                // Destroying puts the settings back as they were.
                await project.stack.destroy();
                expect(await setting("prometheus.exporter.enable")).toBe("false");
            } finally {
                await project.remove();
                await sh("mgmt", "systemctl stop standin-exporter-9595 standin-exporter-9596");
            }
            await lab.waitForApi();
            await healthy();
        });
    });
});
