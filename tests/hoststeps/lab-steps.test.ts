/**
 * The node scripts, run for real on a three-host lab (tests/lab: Debian 12
 * hosts booted with systemd in network namespaces) over real SSH, the way
 * RemoteScript runs them. h1 is the management node, h2 the database and NFS
 * node, h3 a KVM host and the "somebody else" for the database checks.
 *
 * Boundaries of the lab, each said where it applies: no CloudStack packages
 * (the lab's apt proxy serves Debian only), no kernel NFS server, no
 * /dev/kvm. cloudstack-setup-databases is replaced by the stand-in in
 * standin/ (its header says what it keeps of the real tool).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { NodeSettings, Settings } from "../../config/settings";
import { commonSteps, databaseFinalizeSteps, databaseSteps, kvmAuthorizeKeySteps, kvmSteps, managementSteps, nfsSteps } from "../../components/steps";
import { NODE_CHECKS } from "../../ops/checks/nodeChecks";
import { checkCall, checksView, parseCheckLines } from "../../ops/checks/runNodeChecks";
import { CheckStatus } from "../../ops/checks/types";
import { OpsContext, OpsNode } from "../../ops/context";
import { renderTemplate } from "../../providers/remote/templates";
import { RemoteStep } from "../../providers/remote/step";
import { LabInventory, labUnavailableReason } from "../support/lab";
import { labSettings } from "./labSettings";
import { sshConnector } from "../standin/agents";
import { StandInCa } from "../standin/ca";
import { withHelpers } from "../unit/steps-partials";
import { describeRun, onHost, runStep, StepRun, STEPS_LAB, untilOnHost } from "./support/lab";
import { describeUnless } from "../support/gate";

const unavailable = labUnavailableReason();
const describeLab = describeUnless(unavailable);

jest.setTimeout(900_000);

// Characters that need care in shell, SQL and option files; the passwords that
// go through cloudstack-setup-databases keep to what that tool can take.
const SECRETS = {
    MYSQL_ROOT_PASSWORD: `R'oot"pw\\$x#1`,
    DEPLOY_ADMIN_PASSWORD: "Deploy.Admin-pw=7",
    CLOUD_DB_PASSWORD: "Cloud.Db_pw+3",
    MANAGEMENT_SERVER_KEY: "Mgmt%key,5",
    DATABASE_KEY: "Db^key@9",
};
const STANDIN = path.join(__dirname, "standin");
const SAMPLER = path.join(__dirname, "support", "ps-sampler.py");
const STANDIN_PACKAGES = path.join(__dirname, "..", "lab", "standin-packages");

function step(steps: RemoteStep[], name: string): RemoteStep {
    const found = steps.find((s) => s.name === name);
    if (!found) throw new Error(`no step ${name} in ${steps.map((s) => s.name).join(", ")}`);
    return found;
}

function expectOk(run: StepRun): void {
    if (run.code !== 0) throw new Error(`expected success, got ${describeRun(run)}`);
}

/** The checks `verify` runs on a registered KVM host, as it renders them (ops/checks/runNodeChecks.ts), run on `host`. */
async function kvmHostChecks(host: string, settings: Settings): Promise<Map<string, { status: CheckStatus; detail: string }>> {
    const ctx = { settings } as OpsContext;
    const node = { name: host, roles: ["kvm"], settings: settings.nodes.find((n) => n.roles.includes("kvm")) } as OpsNode;
    const calls = ["libvirt-certificates", "libvirt-listening", "agent-service", "kvm-settings"].map((name) => {
        const call = checkCall(NODE_CHECKS.find((c) => c.name === name)!, node, ctx);
        if ("skip" in call) throw new Error(`${name} skipped: ${call.skip}`);
        return call;
    });
    const run = await onHost(host, "bash -s", renderTemplate("ops-checks.sh", checksView(ctx, calls)));
    expectOk(run);
    return parseCheckLines(run.stdout);
}

/** Runs a step twice: the first run succeeds, the second succeeds and changes nothing. */
/** A node's common steps install its roles' packages too; these tests run the common part alone. */
const withoutRoles = (node: NodeSettings): NodeSettings => ({ ...node, roles: [] });

async function twice(host: string, s: RemoteStep, values: Record<string, string> = {}): Promise<StepRun> {
    const first = await runStep(host, s, values);
    expectOk(first);
    const second = await runStep(host, s, values);
    expectOk(second);
    expect({ step: s.name, host, changedOnSecondRun: second.changed }).toEqual({ step: s.name, host, changedOnSecondRun: [] });
    return first;
}

async function sql(host: string, query: string, login = "mysql -N -B"): Promise<string> {
    const run = await onHost(host, login, `${query}\n`);
    expectOk(run);
    return run.stdout.trim();
}

describeLab("node scripts on a real lab", () => {
    let inventory: LabInventory;
    let settings: Settings;
    let h1: { name: string; ip: string };
    let h2: { name: string; ip: string };
    let h3: { name: string; ip: string };
    let kvmInstall: Promise<StepRun>;

    beforeAll(async () => {
        await STEPS_LAB.down();
        inventory = await STEPS_LAB.up("3");
        settings = labSettings(inventory, [["management"], ["database", "nfs"], ["kvm"]]);
        // The lab has no bridges: VXLAN runs over the public NIC, management over the management NIC.
        settings.zone.physicalNetworks[0].trafficTypes = [
            { type: "Management", kvmLabel: inventory.hosts[2].managementNic },
            { type: "Guest", kvmLabel: inventory.hosts[2].publicNic },
            { type: "Public", kvmLabel: inventory.hosts[2].publicNic },
            { type: "Storage", kvmLabel: inventory.hosts[2].managementNic },
        ];
        [h1, h2, h3] = inventory.hosts.map((h) => ({ name: h.name, ip: h.managementIp }));
        // KVM packages take minutes: they install on h3 while the other tests run (and their apt runs wait for its lock).
        kvmInstall = runStep(h3.name, step(kvmSteps(kvmArgs()), "kvm-packages"));
    });
    afterAll(async () => {
        await STEPS_LAB.down();
    });

    test("common steps on every host, twice: apt proxy and base packages, FQDN in /etc/hosts, time zone and chrony", async () => {
        for (const node of settings.nodes) {
            // Without roles: their packages come from the CloudStack repository, which this lab cannot reach (the boundary test below).
            const steps = commonSteps(withoutRoles(node), settings.network, settings.packages, settings.nodes);
            for (const s of steps) await twice(node.name, s);
        }
        const facts = await onHost(h2.name, "hostname --fqdn; readlink /etc/localtime; cat /etc/chrony/sources.d/cloudstack-infra.sources; grep -c '^pool' /etc/chrony/chrony.conf || true; sed -n 1,5p /etc/hosts");
        expect(facts.stdout).toContain("h2.lab.test\n/usr/share/zoneinfo/Asia/Seoul\n");
        expect(facts.stdout).toContain("server time.bora.net iburst");
        expect(facts.stdout).toMatch(/\n0\n/);
        expect(facts.stdout).toContain(`${h2.ip} h2.lab.test h2\n${h1.ip} h1.lab.test h1\n${h3.ip} h3.lab.test h3`);
    });

    test("the common steps' delete scripts take back exactly what they added", async () => {
        const steps = commonSteps(withoutRoles(settings.nodes[0]), settings.network, settings.packages, settings.nodes);
        const before = await onHost(h1.name, "md5sum /etc/hosts /etc/chrony/chrony.conf");
        // The base packages stay installed (the base step has no delete script); the apt proxy, identity and clock are taken back.
        const undoable = steps.filter((s) => s.deleteScript !== undefined);
        expect(undoable.map((s) => s.name)).toEqual(["identity", "apt-proxy", "clock"]);
        for (const s of undoable) expectOk(await runStep(h1.name, s, {}, "delete"));
        const after = await onHost(h1.name, "grep -c cloudstack-infra /etc/hosts || true; grep -c '^pool' /etc/chrony/chrony.conf; ls /etc/apt/apt.conf.d /etc/chrony/sources.d");
        expect(after.stdout).toMatch(/^0\n1\n/);
        expect(after.stdout).not.toContain("cloudstack-infra");
        for (const s of steps) expectOk(await runStep(h1.name, s));
        expect((await onHost(h1.name, "md5sum /etc/hosts /etc/chrony/chrony.conf")).stdout).toBe(before.stdout);
    });

    test("package steps wait out a held dpkg lock instead of failing", async () => {
        const withExtraPackage = { ...settings.packages, basePackages: [...settings.packages.basePackages, "tree"] };
        const base = step(commonSteps(withoutRoles(settings.nodes[0]), settings.network, withExtraPackage, settings.nodes), "base");
        // A real fcntl lock on dpkg's frontend lock, held for 8 s, as apt and unattended-upgrades take it.
        const holder = onHost(h1.name, `rm -f /run/lock-held; python3 -c 'import fcntl, time; f = open("/var/lib/dpkg/lock-frontend", "w"); fcntl.lockf(f, fcntl.LOCK_EX); open("/run/lock-held", "w").close(); time.sleep(8)'`);
        await untilOnHost(h1.name, "test -e /run/lock-held");
        const run = await runStep(h1.name, base);
        expectOk(run);
        expectOk(await holder);
        expect(run.stdout).toContain("waiting for another apt/dpkg run to release /var/lib/dpkg/lock-frontend");
        expect(run.changed).toContain("installed tree");
    });

    test("database: MariaDB bound to the node's management address with CloudStack's settings, accounts set, twice", async () => {
        const [server, accounts] = databaseSteps(databaseArgs());
        await twice(h2.name, server);
        await twice(h2.name, accounts, SECRETS);
        const sockets = await onHost(h2.name, "ss -Hltn 'sport = :3306'");
        expect(sockets.stdout).toContain(`${h2.ip}:3306`);
        expect(sockets.stdout).not.toContain("127.0.0.1:3306");
        const variables = await sql(h2.name, "SELECT @@server_id, @@innodb_rollback_on_timeout, @@innodb_lock_wait_timeout, @@max_connections, @@log_bin, @@binlog_format, @@sql_mode;");
        expect(variables.split("\t")).toEqual(["1", "1", "600", "350", "1", "ROW", expect.not.stringContaining("ONLY_FULL_GROUP_BY")]);
        expect(await sql(h2.name, "SELECT COUNT(*) FROM mysql.user WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1')); SHOW DATABASES LIKE 'test';")).toBe("0");
        // Root keeps socket login for the OS root and accepts the password from anyone else on the node.
        const asNobody = await onHost(
            h2.name,
            "IFS= read -r MYSQL_PWD; export MYSQL_PWD; setpriv --reuid=nobody --regid=nogroup --clear-groups mysql -u root -N -e 'SELECT CURRENT_USER()'",
            `${SECRETS.MYSQL_ROOT_PASSWORD}\n`,
        );
        expect(asNobody.stdout.trim()).toBe("root@localhost");
    });

    test("management: Java the default, and the database reachable with the deploy admin before initialisation; twice", async () => {
        const plan = managementSteps(managementArgs());
        await twice(h1.name, step(plan.steps, "java"));
        const alternatives = await onHost(h1.name, "update-alternatives --query java | grep -E '^(Status|Value):'");
        expect(alternatives.stdout).toBe(`Status: manual\nValue: ${settings.packages.javaBinary}\n`);
        const connection = await twice(h1.name, step(plan.steps, "database-connection"), SECRETS);
        expect(connection.stdout).toContain(`as cloudstack_deploy@${h1.ip}`);
    });

    test("a host without an account gets a clear refusal from the connection check", async () => {
        const run = await runStep(h3.name, step(managementSteps(managementArgs()).steps, "database-connection"), SECRETS);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain(`the server refuses cloudstack_deploy from ${h3.ip}`);
    });

    describe("cloudstack-setup-databases (stand-in) through the guarded step", () => {
        beforeAll(async () => {
            // What installing cloudstack-management would provide: the tool, db.properties and the cloud user.
            expectOk(await onHost(h1.name, "install -D -m 0755 /dev/stdin /usr/bin/cloudstack-setup-databases", fs.readFileSync(path.join(STANDIN, "cloudstack-setup-databases"), "utf8")));
            expectOk(await onHost(h1.name, "install -D -m 0644 /dev/stdin /usr/share/cloudstack-standin/EncryptionCLI.java", fs.readFileSync(path.join(STANDIN, "EncryptionCLI.java"), "utf8")));
            expectOk(await onHost(h1.name, "install -D -m 0640 /dev/stdin /usr/share/cloudstack-standin/db.properties", fs.readFileSync(path.join(STANDIN, "db.properties"), "utf8")));
            expectOk(await onHost(h1.name, "install -D -m 0644 /dev/stdin /usr/share/cloudstack-standin/ps-sampler.py", fs.readFileSync(SAMPLER, "utf8")));
            expectOk(await onHost(h1.name, "id cloud || useradd --system --home-dir /var/lib/cloudstack/management cloud; install -D -m 0640 /usr/share/cloudstack-standin/db.properties /etc/cloudstack/management/db.properties"));
        });

        /** Runs `action` while a sampler on h1 watches every command line for the secrets; returns what it saw. */
        async function watchingCommandLines(action: () => Promise<void>): Promise<string> {
            const secrets = `${Object.values(SECRETS).join("\n")}\n`;
            const sampler = onHost(h1.name, "rm -f /run/sampler.stop /run/sampler.stop.started; python3 /usr/share/cloudstack-standin/ps-sampler.py /run/sampler.stop", secrets);
            // Until it watches: its first sample is taken before the action starts.
            await untilOnHost(h1.name, "test -e /run/sampler.stop.started");
            try {
                await action();
            } finally {
                expectOk(await onHost(h1.name, "touch /run/sampler.stop"));
            }
            const seen = await sampler;
            expectOk(seen);
            expect(seen.stdout).toMatch(/samples [1-9]\d+/);
            return seen.stdout;
        }

        test("the sampler does see secrets when the tool is run the ordinary way (control)", async () => {
            const seen = await watchingCommandLines(async () => {
                const naive = `cloudstack-setup-databases cloud:${SECRETS.CLOUD_DB_PASSWORD}@${h2.ip}:3306 -e file -m ${SECRETS.MANAGEMENT_SERVER_KEY} -k ${SECRETS.DATABASE_KEY} -i ${h1.ip}`;
                await onHost(h1.name, naive);
            });
            expect(seen).toMatch(/showed secret #2/);
            expectOk(await onHost(h1.name, "install -m 0640 /usr/share/cloudstack-standin/db.properties /etc/cloudstack/management/db.properties; rm -f /etc/cloudstack/management/key"));
        });

        test("creates the schema once with --deploy-as, with no secret on any command line, and changes nothing the second time", async () => {
            const plan = managementSteps(managementArgs());
            const setup = step(plan.steps, plan.schemaStep);
            let first: StepRun | undefined;
            const seen = await watchingCommandLines(async () => {
                first = await runStep(h1.name, setup, SECRETS);
            });
            expectOk(first!);
            expect(seen).not.toContain("showed secret");
            expect(first!.changed).toEqual(["initialised the CloudStack database configuration (deploy-as: yes)"]);
            const second = await runStep(h1.name, setup, SECRETS);
            expectOk(second);
            expect(second.changed).toEqual([]);
            expect(second.stdout).toContain("nothing to do");
            // The stand-in's "encryption" shows what reached java through the argfile: the key and the value, intact.
            const properties = await onHost(h1.name, "cat /etc/cloudstack/management/db.properties; stat -c '%a %U:%G' /etc/cloudstack/management/key /etc/cloudstack/management/db.properties");
            const encoded = (value: string) => Buffer.from(`${SECRETS.MANAGEMENT_SERVER_KEY}/${value}`).toString("base64");
            expect(properties.stdout).toContain(`db.cloud.password=ENC(${encoded(SECRETS.CLOUD_DB_PASSWORD)})`);
            expect(properties.stdout).toContain(`db.cloud.encrypt.secret=ENC(${encoded(SECRETS.DATABASE_KEY)})`);
            expect(properties.stdout).toContain(`db.cloud.host=${h2.ip}\n`);
            expect(properties.stdout).toContain("640 root:cloud\n640 root:cloud\n");
        });

        test("a fresh management node joins the existing schema without --deploy-as (nothing is dropped)", async () => {
            await sql(h2.name, "INSERT INTO cloud.version (version, updated, step) VALUES ('marker', NOW(), 'Complete');");
            expectOk(await onHost(h1.name, "install -m 0640 /usr/share/cloudstack-standin/db.properties /etc/cloudstack/management/db.properties; rm -f /etc/cloudstack/management/key"));
            const plan = managementSteps(managementArgs());
            const run = await runStep(h1.name, step(plan.steps, plan.schemaStep), SECRETS);
            expectOk(run);
            expect(run.changed).toEqual(["initialised the CloudStack database configuration (deploy-as: no)"]);
            expect(await sql(h2.name, "SELECT COUNT(*) FROM cloud.version WHERE version = 'marker';")).toBe("1");
        });

        test("refuses --deploy-as when a cloud database exists that the cloud user cannot read", async () => {
            const plan = managementSteps(managementArgs());
            const wrongCloudPassword = { ...SECRETS, CLOUD_DB_PASSWORD: "Not.The-Password1" };
            expectOk(await onHost(h1.name, "install -m 0640 /usr/share/cloudstack-standin/db.properties /etc/cloudstack/management/db.properties"));
            const run = await runStep(h1.name, step(plan.steps, plan.schemaStep), wrongCloudPassword);
            expect(run.code).not.toBe(0);
            expect(run.stderr).toMatch(/database cloud on .* already has \d+ tables, .* refusing to run --deploy-as/);
            expect(await sql(h2.name, "SELECT COUNT(*) FROM cloud.version WHERE version = 'marker';")).toBe("1");
            expectOk(await runStep(h1.name, step(plan.steps, plan.schemaStep), SECRETS));
        });

        test("finalize: the deploy admin is gone and only the management host reaches the database as cloud; twice", async () => {
            for (const s of databaseFinalizeSteps(databaseArgs())) await twice(h2.name, s, SECRETS);
            expect(await sql(h2.name, "SELECT CONCAT(User, '@', Host) FROM mysql.user WHERE User IN ('cloud', 'cloudstack_deploy') ORDER BY 1;")).toBe(`cloud@${h1.ip}`);
            const login = (user: string, password: string) => `mysql --defaults-extra-file=/dev/stdin -h ${h2.ip} -u ${user} -N -e 'SELECT COUNT(*) FROM cloud.version'`;
            const option = (password: string) => `[client]\npassword="${password}"\n`;
            const fromManagement = await onHost(h1.name, login("cloud", SECRETS.CLOUD_DB_PASSWORD), option(SECRETS.CLOUD_DB_PASSWORD));
            expect(fromManagement.stdout.trim()).toBe("2");
            // h3 has the same client (installed by the connection check above).
            for (const [user, password] of [["cloud", SECRETS.CLOUD_DB_PASSWORD], ["cloudstack_deploy", SECRETS.DEPLOY_ADMIN_PASSWORD], ["root", "x"]]) {
                const fromElsewhere = await onHost(h3.name, login(user, password), option(password));
                expect({ user, code: fromElsewhere.code, refused: /\b(1130|1045)\b/.test(fromElsewhere.stderr) }).toEqual({ user, code: 1, refused: true });
            }
            // The accounts step, run again later, does not bring the deploy admin back.
            const accounts = await runStep(h2.name, databaseSteps(databaseArgs())[1], SECRETS);
            expectOk(accounts);
            expect(accounts.changed).toEqual([]);
            const connection = await runStep(h1.name, step(managementSteps(managementArgs()).steps, "database-connection"), SECRETS);
            expectOk(connection);
            expect(connection.stdout).toContain("as cloud@");
        });

        test("the mysql wrapper given to CloudStack's shell tools logs in with a --password argument that never shows in ps", async () => {
            // As cloud-install-sys-tmplt calls it: a bash child with the exported functions, the password in a variable.
            const body = `bash -c 'mysql -P 3306 -h ${h2.ip} --user=cloud --password="$PW" --skip-column-names -e "SELECT SLEEP(1), CURRENT_USER()"'`;
            let run: StepRun | undefined;
            const seen = await watchingCommandLines(async () => {
                run = await onHost(h1.name, "IFS= read -r PW; export PW; bash -s", `${SECRETS.CLOUD_DB_PASSWORD}\n${withHelpers(body)}`);
            });
            expectOk(run!);
            expect(run!.stdout).toBe(`0\tcloud@${h1.ip}\n`);
            expect(seen).not.toContain("showed secret");
        });
    });

    test("boundary: the CloudStack repository step writes the source and pin, then fails clearly because the lab cannot reach it", async () => {
        console.info("lab boundary: CloudStack packages (cloudstack-management, -usage, -agent) cannot be installed: the lab's apt proxy serves deb.debian.org only; the management-packages, systemvm-template, management-start, cloudmonkey and cloudstack-agent steps stop there");
        const repo = step(managementSteps(managementArgs()).steps, "cloudstack-repo");
        const run = await runStep(h1.name, repo);
        expect(run.code).not.toBe(0);
        expect(run.changed).toEqual(expect.arrayContaining(["wrote /etc/apt/sources.list.d/cloudstack.list", "wrote /etc/apt/preferences.d/cloudstack-infra-pin"]));
        // apt only warns about a repository it cannot fetch; the step's own check names it.
        expect(run.stderr).toContain("the repository https://download.cloudstack.org/ubuntu noble 4.19 does not offer cloudstack-common 4.19.3.0");
        const removed = await runStep(h1.name, repo, {}, "delete");
        expectOk(removed);
        expect(removed.changed).toEqual(expect.arrayContaining(["removed /etc/apt/sources.list.d/cloudstack.list"]));
    });

    // Issue 9, defects 10 and 6: each client that mounts gets the export, nobody else; every
    // storage path of the zone on this server exists.
    test("NFS: exports to each allowed client only, every zone storage path created, fixed ports, checked with exportfs; twice; delete keeps the data", async () => {
        console.info("lab boundary: no kernel NFS server, so nfs.verifyServing is false and showmount -e is skipped");
        const nfs = { ...settings.nfs, allowedCidrs: [h1.ip, h3.ip] };
        const zone = {
            ...settings.zone,
            primaryStorages: [...settings.zone.primaryStorages, { name: "cluster-a", scope: "cluster" as const, cluster: "c1", pod: "p1", server: nfs.server, path: "/export/primary/cluster-a" }],
        };
        const [server] = nfsSteps(nfs, settings.packages, false, zone);
        const first = await twice(h2.name, server);
        expect(first.warnings.join("\n")).toContain("showmount -e was skipped");
        expect(first.changed).toContain("created /export/primary/cluster-a");
        const table = await onHost(h2.name, "exportfs -v; cat /etc/nfs.conf.d/cloudstack-infra.conf");
        const exported = [...table.stdout.matchAll(/^\/export\s+(\S+?)\((.*)\)$/gm)].map((m) => [m[1], /\brw\b/.test(m[2]) && /no_root_squash/.test(m[2])]);
        expect(exported).toEqual([
            [h1.ip, true],
            [h3.ip, true],
        ]);
        expect(table.stdout).not.toContain("*(");
        expect(table.stdout).toContain("[mountd]\nport=892");
        const removed = await runStep(h2.name, server, {}, "delete");
        expectOk(removed);
        const after = await onHost(h2.name, "exportfs -v; ls /export /export/primary");
        expect(after.stdout).toBe("/export:\nprimary\nsecondary\n\n/export/primary:\ncluster-a\n");
    });

    describe("KVM host", () => {
        beforeAll(async () => {
            expectOk(await kvmInstall);
        });

        test("pre-flight: without /dev/kvm it warns when allowed, and fails with the BIOS hint when required", async () => {
            console.info("lab boundary: no /dev/kvm and no vmx/svm in the lab");
            const allowed = await runStep(h3.name, step(kvmSteps(kvmArgs()), "kvm-preflight"));
            expectOk(allowed);
            expect(allowed.warnings.join("\n")).toContain("enable Intel VT-x or AMD-V in the BIOS");
            const required = await runStep(h3.name, step(kvmSteps({ ...kvmArgs(), kvm: { ...settings.kvm, requireHardwareVirtualization: true } }), "kvm-preflight"));
            expect(required.code).not.toBe(0);
            expect(required.stderr).toContain("enable Intel VT-x or AMD-V in the BIOS");
        });

        // Issue 9, defect 9: before registration libvirt listened on 16509 with auth_tcp "none".
        test("packages and libvirt before registration: libvirtd runs, nothing listens on 16509 or 16514, sockets masked; twice", async () => {
            const steps = kvmSteps(kvmArgs());
            const packagesAgain = await runStep(h3.name, step(steps, "kvm-packages"));
            expectOk(packagesAgain);
            expect(packagesAgain.changed).toEqual([]);
            await twice(h3.name, step(steps, "kvm-libvirt"));
            expect(await libvirtState()).toBe(`active\nlisteners:\nmasked\nmasked\nlisten_tcp = 0\nauth_tcp = "none"\nlisten_tls = 0\nLIBVIRTD_ARGS="--listen"\nremote_mode = "legacy"\n`);
        });

        test("VXLAN readiness: a label device below MTU 1550 is an error; at 1550 the multicast limit is raised persistently; twice", async () => {
            const vxlan = step(kvmSteps(kvmArgs()), "vxlan-readiness");
            const nic = inventory.hosts[2].publicNic;
            expectOk(await onHost(h3.name, `ip link set ${nic} mtu 1500`));
            const small = await runStep(h3.name, vxlan);
            expect(small.code).not.toBe(0);
            expect(small.stderr).toContain(`${nic} has MTU 1500; VXLAN needs at least 1550`);
            expectOk(await onHost(h3.name, `ip link set ${nic} mtu 1550`));
            await twice(h3.name, vxlan);
            const sysctl = await onHost(h3.name, "sysctl -n net.ipv4.igmp_max_memberships; cat /etc/sysctl.d/60-cloudstack-infra-vxlan.conf");
            expect(sysctl.stdout).toBe(`${settings.network.igmpMaxMemberships}\nnet.ipv4.igmp_max_memberships = ${settings.network.igmpMaxMemberships}\n`);
        });

        test("the management server's key is authorised for root once, and delete removes exactly that line", async () => {
            const key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7labtestkey+/= cloud@h1";
            const [authorize] = kvmAuthorizeKeySteps(key);
            const keysBefore = await onHost(h3.name, "cat /root/.ssh/authorized_keys");
            await twice(h3.name, authorize);
            expect((await onHost(h3.name, "cat /root/.ssh/authorized_keys")).stdout).toBe(`${keysBefore.stdout}${key}\n`);
            expectOk(await runStep(h3.name, authorize, {}, "delete"));
            expect((await onHost(h3.name, "cat /root/.ssh/authorized_keys")).stdout).toBe(keysBefore.stdout);
        });

        // Issue 9, defects 3, 4 and 9: addHost's cloudstack-setup-agent -a -s and keystore scripts
        // (the stand-ins of tests/lab/standin-packages, run over SSH the way the server runs them)
        // switch libvirt to TLS; the check after registration expects exactly that, and a re-run
        // of the libvirt step leaves it so.
        test("registration as addHost does it: TLS on 16514 only; the libvirt step again changes nothing; verify's host checks pass and report drift", async () => {
            console.info("lab boundary: the CloudStack agent and its setup are the stand-ins of tests/lab/standin-packages; the agent has no management server to connect to here");
            for (const pkg of ["cloudstack-common", "cloudstack-agent"]) await installStandinPackage(h3.name, pkg);
            const labHost = inventory.hosts[2];
            const caDir = fs.mkdtempSync(path.join(os.tmpdir(), "hoststeps-ca-"));
            try {
                const connector = sshConnector({
                    keyFile: inventory.privateKeyFile,
                    ca: new StandInCa(caDir),
                    port: labHost.sshPort,
                    sudo: "",
                    // lab boundary: no /dev/kvm; LibvirtServerDiscoverer only runs `ls` on it.
                    kvmDevice: "/dev/null",
                });
                await connector.setup({
                    ip: labHost.sshHost,
                    hostname: "h3.lab.test",
                    username: "root",
                    password: "",
                    managementServers: h1.ip,
                    zoneDbId: 1,
                    podDbId: 1,
                    clusterDbId: 1,
                    guid: "5a1b2c3d-0000-4000-8000-000000000003",
                    publicLabel: labHost.publicNic,
                    managementLabel: labHost.managementNic,
                    guestLabel: labHost.publicNic,
                    certValidityDays: 1,
                });
            } finally {
                fs.rmSync(caDir, { recursive: true, force: true });
            }
            const registered = `active\nlisteners: 16514\nmasked\nmasked\nlisten_tcp=0\nauth_tcp="none"\nlisten_tls=1\nLIBVIRTD_ARGS="--listen"\nremote_mode = "legacy"\n`;
            expect(await waitForLibvirtState(registered)).toBe(registered);
            const tls = await onHost(h3.name, "openssl s_client -connect 127.0.0.1:16514 -CAfile /etc/pki/CA/cacert.pem -verify_return_error </dev/null 2>&1 | grep -o 'Verify return code: [0-9]* ([a-z]*)' | head -n 1");
            expect(tls.stdout).toBe("Verify return code: 0 (ok)\n");

            const again = await runStep(h3.name, step(kvmSteps(kvmArgs()), "kvm-libvirt"));
            expectOk(again);
            expect(again.changed).toEqual([]);
            expect(await libvirtState()).toBe(registered);

            const clean = await kvmHostChecks(h3.name, settings);
            expect(Object.fromEntries([...clean].map(([name, r]) => [name, r.status]))).toEqual({
                "libvirt-certificates": "pass",
                "libvirt-listening": "pass",
                "agent-service": "pass",
                "kvm-settings": "pass",
            });
            expect(clean.get("libvirt-listening")!.detail).toBe("libvirt listens on TLS port 16514 only");
            // What cloudstack-setup-agent does on Ubuntu 24.04 when LIBVIRTD_ARGS is lost (apache/cloudstack#9802), and a device it names differently.
            expectOk(await onHost(h3.name, "sed -i 's/^LIBVIRTD_ARGS=.*/LIBVIRTD_ARGS=\"\"/' /etc/default/libvirtd"));
            expectOk(await onHost(h3.name, "sed -i 's/^guest.network.device=.*/guest.network.device=eth9/' /etc/cloudstack/agent/agent.properties"));
            const drifted = (await kvmHostChecks(h3.name, settings)).get("kvm-settings")!;
            expect(drifted.status).toBe("warn");
            expect(drifted.detail).toBe(
                `drifted: /etc/default/libvirtd: LIBVIRTD_ARGS is '""', expected '"--listen"'; /etc/cloudstack/agent/agent.properties: guest.network.device is 'eth9', expected '${inventory.hosts[2].publicNic}'`,
            );
            expectOk(await onHost(h3.name, `sed -i 's/^guest.network.device=.*/guest.network.device=${inventory.hosts[2].publicNic}/' /etc/cloudstack/agent/agent.properties`));
            expectOk(await runStep(h3.name, step(kvmSteps(kvmArgs()), "kvm-libvirt")));
            expect(await libvirtState()).toBe(registered);
        });

        test("after registration, plain TCP turned on is a failure of verify's host checks", async () => {
            expectOk(await onHost(h3.name, "sed -i 's/^listen_tcp=0/listen_tcp=1/' /etc/libvirt/libvirtd.conf && systemctl restart libvirtd"));
            await untilOnHost(h3.name, "ss -Hltn '( sport = :16509 )' | grep -q .");
            const open = await kvmHostChecks(h3.name, settings);
            expect(open.get("libvirt-listening")).toEqual({ status: "fail", detail: "something listens on plain TCP port 16509 (unauthenticated libvirt; listen_tcp must be 0)" });
            expect(open.get("kvm-settings")!.detail).toContain("/etc/libvirt/libvirtd.conf: listen_tcp is '1', expected '0'");
            // The libvirt step closes it again and keeps TLS.
            expectOk(await runStep(h3.name, step(kvmSteps(kvmArgs()), "kvm-libvirt")));
            expect(await libvirtState()).toContain("listeners: 16514\n");
            const closed = await kvmHostChecks(h3.name, settings);
            expect([...closed.values()].map((r) => r.status)).toEqual(["pass", "pass", "pass", "pass"]);
        });
    });

    /** libvirtd's state, its TCP listeners among 16509/16514, two sockets, and the settings that decide what it listens on. */
    async function libvirtState(): Promise<string> {
        const run = await onHost(
            h3.name,
            "systemctl is-active libvirtd || true; echo \"listeners:$(ss -Hltn '( sport = :16509 or sport = :16514 )' | awk '{print $4}' | sed 's/.*://' | sort -u | sed 's/^/ /' | tr -d '\\n')\"; " +
                "systemctl is-enabled libvirtd.socket libvirtd-tcp.socket || true; grep -E '^(listen_tcp|listen_tls|auth_tcp)' /etc/libvirt/libvirtd.conf; grep ^LIBVIRTD_ARGS /etc/default/libvirtd; grep ^remote_mode /etc/libvirt/libvirt.conf",
        );
        return run.stdout;
    }

    /** The state once it equals `expected` (libvirtd may still be binding after a restart), or the last one after 30 s. */
    async function waitForLibvirtState(expected: string): Promise<string> {
        const deadline = Date.now() + 30_000;
        let state = await libvirtState();
        while (state !== expected && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 1000));
            state = await libvirtState();
        }
        return state;
    }

    /** Installs a stand-in package's files (tests/lab/standin-packages) and runs its postinst, as dpkg would. */
    async function installStandinPackage(host: string, pkg: string): Promise<void> {
        const root = path.join(STANDIN_PACKAGES, pkg);
        const files = (dir: string): string[] =>
            fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === "DEBIAN" && dir === root ? [] : files(path.join(dir, e.name))) : [path.join(dir, e.name)]));
        for (const file of files(root)) {
            const mode = (fs.statSync(file).mode & 0o111) !== 0 ? "0755" : "0644";
            expectOk(await onHost(host, `install -D -m ${mode} /dev/stdin /${path.relative(root, file)}`, fs.readFileSync(file, "utf8")));
        }
        const postinst = path.join(root, "DEBIAN", "postinst");
        if (fs.existsSync(postinst)) expectOk(await onHost(host, "sh -s configure", fs.readFileSync(postinst, "utf8")));
    }

    function kvmArgs() {
        return { kvm: settings.kvm, network: settings.network, packages: settings.packages, physicalNetworks: settings.zone.physicalNetworks };
    }

    function databaseArgs() {
        return { database: settings.database, packages: settings.packages, bindAddress: h2.ip, managementAddresses: [h1.ip], destroyData: false };
    }

    function managementArgs() {
        return { management: settings.management, packages: settings.packages, nfs: settings.nfs, databaseHost: h2.ip, databasePort: 3306, managementAddress: h1.ip };
    }
});
