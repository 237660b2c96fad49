/**
 * One deployed cloud on a private lab, for the ops suites: three Debian hosts
 * (tests/lab) on which the program itself — `pulumi up` of the repository's
 * index.ts through the real engine, as the lab e2e does — builds the cloud:
 *
 *   mgmt  management server (stand-in cloudstack-management and -usage from
 *         the lab's signed repository: the CloudStack API stand-in as a service)
 *   db    MariaDB with the cloud databases, and the NFS export table
 *   kvm1  libvirt and the stand-in agent, registered in zone TEST by addHost
 *
 * The ops commands then read that stack the way `npm run ops` does
 * (ops/stackReader.ts: its config, outputs and state).
 *
 * What the lab cannot have (tests/lab/README.md): no kernel NFS server or
 * client, no /dev/kvm, no real CloudStack.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ApiConnection, clientFor } from "../../../providers/cloudstack/resource";
import { CloudStackClient } from "../../../providers/cloudstack/client";
import { runScript, SshTarget } from "../../../providers/remote/ssh";
import { SecretName } from "../../../providers/remote/step";
import { Settings } from "../../../config/settings";
import { buildContext, OpsContext, OpsNode } from "../../../ops/context";
import { readStack } from "../../../ops/stackReader";
import { createTestProject, TestProject, TOOLS_ROOT } from "../../support/engine";
import { LabHost, LabInventory, TestLab } from "../../support/lab";
import { labNode, labZone } from "../../lab-e2e/labStack";
import { REPO } from "../../support/stackConfig";

/** Secrets with characters that need care, recognisable when grepping for leaks. */
export const LAB_SECRETS: Record<Exclude<SecretName, "CLOUDSTACK_API_KEY" | "CLOUDSTACK_SECRET_KEY" | "KVM_HOST_PASSWORD">, string> = {
    MYSQL_ROOT_PASSWORD: "Root.Pw-ops7",
    DEPLOY_ADMIN_PASSWORD: "Deploy.Pw-ops3",
    CLOUD_DB_PASSWORD: "CloudDb.Pw-ops5",
    MANAGEMENT_SERVER_KEY: "MgmtKey-ops9",
    DATABASE_KEY: "DbKey-ops4",
};
export const ADMIN_PASSWORD = "Admin.Pw-ops8";

export const LAB_OPTIONS = { prefix: "labops", managementPrefix: "10.65.0", publicPrefix: "10.66.0", sshPortBase: 27000 };
export const HOSTS = ["mgmt", "db", "kvm1"] as const;

export interface OpsLab {
    lab: TestLab;
    /** The stack the cloud was deployed from. */
    project: TestProject;
    inventory: LabInventory;
    settings: Settings;
    ctx: OpsContext;
    host(name: string): LabHost;
    node(name: string): OpsNode;
    /** Runs a shell command on a host as root (test plumbing). */
    sh(name: string, command: string, env?: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }>;
    /** The admin's API client. */
    api(): CloudStackClient;
    /** Resolves once the API answers again (after a management server restart). */
    waitForApi(): Promise<void>;
    /** Names of the zone's live system VMs. */
    systemVmNames(): Promise<string[]>;
}

export function targetOf(inventory: LabInventory, host: LabHost): SshTarget {
    return { host: host.sshHost, port: host.sshPort, user: "root", privateKeyFile: inventory.privateKeyFile, hostKey: host.hostKey };
}

/** The lab cloud as a user would configure it (Pulumi.<stack>.yaml), read by the real config code. */
export function labConfig(inventory: LabInventory): Record<string, unknown> {
    const host = (name: string) => inventory.hosts.find((h) => h.name === name) as LabHost;
    const node = (name: string, roles: string[]) => labNode(inventory, name, roles);
    const local = `${inventory.localUrl}`;
    const nfsIp = host("db").managementIp;
    return {
        ssh: { user: "root", privateKeyFile: inventory.privateKeyFile },
        nodes: [node("mgmt", ["management"]), node("db", ["database", "nfs"]), node("kvm1", ["kvm"])],
        network: {
            management: { cidr: inventory.managementCidr, gateway: inventory.managementGateway },
            public: { cidr: inventory.publicCidr, gateway: inventory.publicGateway, mtu: 1550 },
            dnsServers: [inventory.managementGateway],
            ntpServers: [inventory.managementGateway],
            domain: "lab.test",
            rollbackSeconds: 60,
        },
        packages: {
            cloudstackRepo: `${local}/cloudstack lab 4.19`,
            cloudstackRepoKeyUrl: `${local}/cloudstack/release.asc`,
            // Debian 12 lab hosts, as in the lab e2e (labStack.ts).
            javaPackage: "openjdk-17-jre-headless",
            javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
            databaseEngine: "mariadb",
            basePackages: ["chrony", "curl", "ca-certificates", "gnupg", "python3", "iproute2", "wget"],
            kvmPackages: ["libvirt-daemon-system", "libvirt-clients"],
            // No kernel NFS client to seed with: CloudStack registers the template from the image store (see systemVmTemplateUrl()).
            systemVmTemplateUrl: "",
            cloudMonkeyUrl: "",
            aptProxy: inventory.aptProxy,
        },
        nfs: { server: nfsIp, verifyServing: false, allowedCidrs: [inventory.managementCidr] },
        kvm: { requireHardwareVirtualization: false },
        backup: { keep: 2 },
        zone: labZone(inventory, "mgmt", "db", ["kvm1"]),
    };
}

/**
 * The SystemVM template the lab serves, for `repair systemvm-template`: the
 * deployment cannot seed it (no NFS client here), an operator's later repair can
 * where the store is mounted.
 */
export function systemVmTemplateUrl(inventory: LabInventory): string {
    return `${inventory.localUrl}/systemvm/systemvmtemplate-4.19.1-kvm.qcow2.bz2`;
}

export function newLab(): TestLab {
    const localDir = execFileSync(path.join(REPO, "tests", "lab", "standin-packages", "build-repo.sh"), { encoding: "utf8" }).trim();
    return new TestLab({ ...LAB_OPTIONS, localDir });
}

/**
 * Takes the lab down and forgets its network namespaces' inode numbers
 * (logs/netns.list): the kernel reuses them for other labs' namespaces, and a
 * later `check` or `down` of this lab would take those labs' processes for
 * its own leftovers (and kill them).
 */
export async function stopOpsLab(lab: TestLab): Promise<void> {
    await lab.down();
    fs.rmSync(path.join(lab.dir, "logs", "netns.list"), { force: true });
}

/** The stack's secrets, set through the engine as a user would (`pulumi config set --secret`). */
function stackSecrets(): Record<string, string> {
    return {
        "cloudstack:mysqlRootPassword": LAB_SECRETS.MYSQL_ROOT_PASSWORD,
        "cloudstack:cloudDbPassword": LAB_SECRETS.CLOUD_DB_PASSWORD,
        "cloudstack:managementServerKey": LAB_SECRETS.MANAGEMENT_SERVER_KEY,
        "cloudstack:databaseKey": LAB_SECRETS.DATABASE_KEY,
        "cloudstack:adminPassword": ADMIN_PASSWORD,
    };
}

/** Boots the lab and deploys the cloud on it with `pulumi up` (a few minutes, mostly package installs); takes the lab down again if that fails. */
export async function startOpsLab(): Promise<OpsLab> {
    const lab = newLab();
    await stopOpsLab(lab);
    let project: TestProject | undefined;
    try {
        const inventory = await lab.up(...HOSTS);
        const config = Object.fromEntries(Object.entries(labConfig(inventory)).map(([key, value]) => [`cloudstack:${key}`, value]));
        project = await createTestProject({ stackName: "test", config, secrets: stackSecrets() });
        const up = await project.stack.up();
        if (up.summary.result !== "succeeded") throw new Error(`pulumi up of the ops lab's stack: ${up.summary.result}`);
        return await opsLab(lab, inventory, project);
    } catch (err) {
        await project?.remove();
        await stopOpsLab(lab);
        throw err;
    }
}

/** The ops view of the deployed stack, read as `npm run ops -- … --stack test` reads it. */
export async function opsLab(lab: TestLab, inventory: LabInventory, project: TestProject): Promise<OpsLab> {
    const view = await readStack({ workDir: project.dir, stackName: project.stack.name, envVars: project.env, pulumiRoot: TOOLS_ROOT });
    // The test writes these values into logs on purpose: they must be masked like any secret of the stack.
    const known = [...Object.values(LAB_SECRETS), ADMIN_PASSWORD];
    const ctx = await buildContext(view.settings, { ...view.extras, projectDir: project.dir, secrets: [...(view.extras.secrets ?? []), ...known] });
    const api = ctx.api as ApiConnection;
    const host = (name: string) => inventory.hosts.find((h) => h.name === name) as LabHost;
    const sh = async (name: string, command: string, env: Record<string, string> = {}) => runScript(targetOf(inventory, host(name)), command, { env, timeoutSeconds: 600, connectSeconds: 30 });
    return {
        lab,
        project,
        inventory,
        settings: view.settings,
        ctx,
        host,
        node: (name) => ctx.nodes.find((n) => n.name === name) as OpsNode,
        sh,
        api: () => clientFor(api),
        async waitForApi() {
            // The client keeps retrying while the port is closed or the server answers 503.
            await clientFor(api).request("listCapabilities");
        },
        async systemVmNames() {
            return (await clientFor(api).list<{ name: string }>("listSystemVms", { zoneid: ctx.zoneId as string })).map((vm) => vm.name);
        },
    };
}
