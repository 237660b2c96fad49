/**
 * Upgrading CloudStack through `pulumi up`, end to end on five lab hosts
 * (NFS, database, management, two KVM hosts) with the stand-in packages in
 * two releases (tests/lab/standin-packages): deploy 4.19.3.0, change
 * cloudstackVersion to 4.20.1.0 and the repository to the 4.20 line, and run
 * `pulumi up`, killed with -9 while the first KVM host's agent is upgraded,
 * then again. The management stand-in is told that its own template cannot be
 * registered (as a package without its template files): the upgrade completes
 * because the program registers the template the documented way.
 *
 * Shown: the backup taken before any package changed; every node's packages
 * at 4.20.1.0, the management server's before the first agent's and one
 * agent after the other (dpkg's logs; the lab hosts share one clock); the
 * schema's version row; the template SYSTEM and Ready; both hosts Up with
 * agent 4.20.1.0; verify passing (the update's last step); a second `up`
 * changing nothing; a downgrade refused at preview naming the key.
 *
 * A long suite: `npm run test:long` only (tests/support/gate.ts describeLongOnly).
 */
import * as fs from "fs";
import * as path from "path";
import { CloudStackClient, Credentials } from "../../providers/cloudstack/client";
import { createTestProject, engineAvailable, TestProject } from "../support/engine";
import { LabInventory, labUnavailableReason, standInRepository, TestLab } from "../support/lab";
import { describeLongOnly } from "../support/gate";
import { labStackConfig, LabRoles } from "./labStack";
import { runUntilKilled, stateReadable } from "./faultMatrix";

const describeLong = describeLongOnly(labUnavailableReason() ?? (engineAvailable() ? undefined : "the Pulumi engine is not built (scripts/install-pulumi.sh)"));

const FROM = "4.19.3.0";
const TO = "4.20.1.0";
const TEMPLATE = "systemvm-kvm-4.20.1-x86_64";

describeLong("upgrading CloudStack 4.19.3.0 → 4.20.1.0 through pulumi up, on lab hosts", () => {
    const roles: LabRoles = { nfs: "nfs1", database: "db1", management: "mgmt1", kvm: ["kvm1", "kvm2"] };
    const output: string[] = [];
    const record = (text: string) => output.push(text);
    let lab: TestLab;
    let inventory: LabInventory;
    let project: TestProject;
    let upgradeStarted = 0;

    const targetConfig = () => {
        const local = `${inventory.aptProxy}/local`;
        const base = labStackConfig(inventory, roles);
        return {
            ...base,
            "cloudstack:cloudstackVersion": TO,
            "cloudstack:packages": { ...(base["cloudstack:packages"] as object), cloudstackRepo: `${local}/cloudstack lab 4.20` },
            "cloudstack:upgrade": { systemVmTemplateUrl: `${local}/systemvm/systemvmtemplate-4.20.1-x86_64-kvm.qcow2.bz2`, waitSeconds: 300 },
        };
    };

    async function api(): Promise<CloudStackClient> {
        const outputs = await project.stack.outputs();
        return new CloudStackClient({ apiUrl: outputs.apiUrl.value as string, credentials: outputs.apiKeys.value as Credentials });
    }

    /** Epoch seconds at which dpkg on `host` upgraded `pkg` to `version` (its dpkg.log "status installed" line). */
    async function installedAt(host: string, pkg: string, version: string): Promise<number> {
        const line = (await lab.ssh(host, `grep -h ' status installed ${pkg}:all ${version}$' /var/log/dpkg.log | tail -n 1`)).trim();
        expect({ host, pkg, line }).toEqual({ host, pkg, line: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /) });
        return Date.parse(`${line.slice(0, 19).replace(" ", "T")}Z`) / 1000;
    }

    beforeAll(async () => {
        const localDir = await standInRepository();
        lab = new TestLab({ prefix: "labupg", managementPrefix: "10.77.0", publicPrefix: "10.78.0", sshPortBase: 30500, localDir });
        await lab.down();
        inventory = await lab.up(roles.nfs, roles.database, roles.management, ...roles.kvm);
        project = await createTestProject({ stackName: "lab", config: labStackConfig(inventory, roles) });
        const up = await project.stack.up({ onOutput: record });
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.cloudstackVersion.value).toBe(FROM);
    }, 1_800_000);

    afterAll(async () => {
        if (lab) fs.writeFileSync(path.join(lab.dir, "logs", "pulumi-output.log"), output.join(""), { mode: 0o600 });
        await project?.remove();
        await lab?.down();
    }, 300_000);

    test("the upgrade is planned as the guide's steps; killed with -9 during the first agent's upgrade, the next up completes it", async () => {
        for (const [key, value] of Object.entries(targetConfig())) await project.stack.setConfig(key, { value: typeof value === "string" ? value : JSON.stringify(value) });
        // The stand-in's own (bundled) template cannot be registered, as with a package without its template files.
        await lab.ssh(roles.management, "touch /etc/cloudstack/management/standin-no-bundled-template");
        const planned: string[] = [];
        await project.stack.preview({ onEvent: (e) => e.resourcePreEvent && planned.push(`${e.resourcePreEvent.metadata.op} ${e.resourcePreEvent.metadata.urn.split("::").pop()}`) });
        for (const step of ["upgrade-preflight", "upgrade-backup", "upgrade-register-template", "mgmt1-upgrade-stop", "mgmt1-upgrade-packages", "mgmt1-upgrade-start", "upgrade-template-ready", "kvm1-upgrade-agent", "upgrade-host-N1", "kvm2-upgrade-agent", "upgrade-host-N2", "upgrade-system-vms"]) {
            expect(planned).toContain(`create ${step}`);
        }
        upgradeStarted = Date.now() / 1000;
        const killed = await runUntilKilled(project, lab, ["up"], { name: "agent upgrade", line: /kvm1-upgrade-agent creating/, node: "kvm1", check: "pgrep -f '[a]pt-get .*install' >/dev/null" }, record);
        expect(killed.killed).toBe(true);
        expect(await stateReadable(project)).toEqual({ readable: true, why: "" });
        await project.stack.cancel();
        const up = await project.stack.up({ onOutput: record });
        expect(up.summary.result).toBe("succeeded");
        expect(up.outputs.cloudstackVersion.value).toBe(TO);
        expect(up.outputs.cloudstackUpgrade.value).toMatchObject({ from: FROM, to: TO, routersToRestart: [] });
    }, 3_600_000);

    test("the backup was taken and checked before any package changed", async () => {
        const dir = path.join(project.dir, "backups", "lab");
        const dumps = fs.readdirSync(dir).filter((f) => f.startsWith(`lab-db-before-upgrade-${FROM}-to-${TO}-`) && f.endsWith(".sql.gz"));
        expect(dumps).toHaveLength(1);
        expect(fs.existsSync(path.join(dir, `${dumps[0]}.sha256`))).toBe(true);
        const dumpedAt = fs.statSync(path.join(dir, dumps[0])).mtimeMs / 1000;
        expect(dumpedAt).toBeGreaterThan(upgradeStarted);
        expect(dumpedAt).toBeLessThanOrEqual(await installedAt(roles.management, "cloudstack-common", TO));
    });

    test("every node at 4.20.1.0: the management server first, then one agent after the other", async () => {
        for (const pkg of ["cloudstack-common", "cloudstack-management", "cloudstack-usage"]) {
            expect((await lab.ssh(roles.management, `dpkg-query -W -f='\${Version}' ${pkg}`)).trim()).toBe(TO);
        }
        for (const host of roles.kvm) expect((await lab.ssh(host, "dpkg-query -W -f='${Version}' cloudstack-agent")).trim()).toBe(TO);
        const management = await installedAt(roles.management, "cloudstack-management", TO);
        const kvm1 = await installedAt("kvm1", "cloudstack-agent", TO);
        const kvm2 = await installedAt("kvm2", "cloudstack-agent", TO);
        expect(management).toBeLessThanOrEqual(kvm1);
        expect(kvm1).toBeLessThanOrEqual(kvm2);
        expect((await lab.ssh(roles.management, "systemctl is-active cloudstack-management cloudstack-usage")).trim().split("\n")).toEqual(["active", "active"]);
    });

    test("the schema is at 4.20.1.0, the template SYSTEM and Ready, both hosts Up with agent 4.20.1.0", async () => {
        const cloudPassword = await cloudDbPassword(project);
        const databaseIp = inventory.hosts.find((h) => h.name === roles.database)!.managementIp;
        const versions = await lab.ssh(roles.management, `mysql -h ${databaseIp} -u cloud --password='${cloudPassword}' -N -e 'SELECT version, step FROM cloud.version ORDER BY id'`);
        expect(versions.trim().split("\n").map((l) => l.split("\t"))).toEqual([
            ["4.0.0", "Complete"],
            [FROM, "Complete"],
            [TO, "Complete"],
        ]);
        const client = await api();
        const templates = await client.list<{ name: string; templatetype: string; isready: boolean }>("listTemplates", { templatefilter: "all", name: TEMPLATE });
        expect(templates.map((t) => [t.name, t.templatetype, t.isready])).toEqual([[TEMPLATE, "SYSTEM", true]]);
        const hosts = await client.list<{ name: string; state: string; version: string }>("listHosts", { type: "Routing" });
        expect(hosts.map((h) => [h.state, h.version])).toEqual([
            ["Up", TO],
            ["Up", TO],
        ]);
        const vms = await client.list<{ templateid: string; state: string }>("listSystemVms", {});
        const templateId = (await client.list<{ id: string }>("listTemplates", { templatefilter: "all", name: TEMPLATE }))[0].id;
        expect(vms.map((vm) => [vm.templateid === templateId, vm.state])).toEqual([
            [true, "Running"],
            [true, "Running"],
        ]);
    });

    test("a second preview and up change nothing", async () => {
        const preview = await project.stack.preview();
        expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
        const up = await project.stack.up({ onOutput: record });
        expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    }, 1_800_000);

    test("a downgrade is refused at preview, naming the key", async () => {
        await project.stack.setConfig("cloudstack:cloudstackVersion", { value: FROM });
        const refused = await project.stack.preview().then(
            () => "the preview succeeded",
            (err: Error) => err.message,
        );
        expect(refused).toContain(`cloudstack:cloudstackVersion: "${FROM}" is older than the deployed ${TO}: a downgrade is refused`);
        await project.stack.setConfig("cloudstack:cloudstackVersion", { value: TO });
    }, 600_000);
});

/** The generated cloud database password, from the decrypted state (test plumbing). */
async function cloudDbPassword(project: TestProject): Promise<string> {
    const deployment = (await project.stack.exportStack()).deployment as { resources: { urn: string; outputs?: { value?: unknown } }[] };
    const value = deployment.resources.find((r) => r.urn.endsWith("::cloud-db-password"))?.outputs?.value as string | { plaintext?: string } | undefined;
    if (typeof value === "string") return value;
    if (value && typeof value.plaintext === "string") return JSON.parse(value.plaintext) as string;
    throw new Error("no cloud-db-password in the state");
}

