/**
 * One deployed cloud on a private lab, for the ops suites: three Debian hosts
 * (tests/lab) provisioned by the program's own code, run the way the program
 * runs it — the bridge change (BridgeNetwork's provider), the node steps
 * (components/steps, over SSH), the admin keys (ApiCredentials) and the zone
 * (the zone providers):
 *
 *   mgmt  management server (stand-in cloudstack-management and -usage from
 *         the lab's signed repository: the CloudStack API stand-in as a service)
 *   db    MariaDB with the cloud databases, and the NFS export table
 *   kvm1  libvirt and the stand-in agent, registered in zone TEST by addHost
 *
 * What the lab cannot have (tests/lab/README.md): no kernel NFS server or
 * client, no /dev/kvm, no real CloudStack (the stand-in management server
 * holds its agents' connections on port 8250 without speaking to them).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { bridgeNetworkProvider, renderBridgeScripts } from "../../../providers/remote/BridgeNetwork";
import { provider as credentialsProvider } from "../../../providers/cloudstack/objects/apiCredentials";
import { provider as settingProvider } from "../../../providers/cloudstack/objects/globalSetting";
import { ApiConnection, clientFor } from "../../../providers/cloudstack/resource";
import { CloudStackClient } from "../../../providers/cloudstack/client";
import { lastLines, runScript, SshTarget } from "../../../providers/remote/ssh";
import { RemoteStep, SecretName } from "../../../providers/remote/step";
import { databaseFinalizeSteps, databaseSteps, kvmAuthorizeKeySteps, kvmSteps, managementSteps, nfsSteps, cloudstackRepoStep } from "../../../components/steps";
import { Settings } from "../../../config/settings";
import { buildContext, OpsContext, OpsNode } from "../../../ops/context";
import { buildZoneWithProviders } from "../../standin/testKit";
import { LabHost, LabInventory, TestLab } from "../../support/lab";
import { labNode, labZone } from "../../lab-e2e/labStack";
import { check, REPO } from "../../support/stackConfig";

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
            databaseEngine: "mariadb",
            kvmPackages: ["libvirt-daemon-system", "libvirt-clients"],
            systemVmTemplateUrl: `${local}/systemvm/systemvmtemplate-4.19.1-kvm.qcow2.bz2`,
            cloudMonkeyUrl: "",
            aptProxy: inventory.aptProxy,
        },
        nfs: { server: nfsIp, verifyServing: false, allowedCidrs: [inventory.managementCidr] },
        kvm: { requireHardwareVirtualization: false },
        backup: { keep: 2 },
        zone: labZone(inventory, "mgmt", "db", ["kvm1"]),
    };
}

async function runStep(target: SshTarget, where: string, step: RemoteStep): Promise<Record<string, string>> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) {
        if (typeof value !== "string") throw new Error(`step ${step.name}: env ${name} must be a plain string here`);
        env[name] = value;
    }
    for (const name of step.secretEnv ?? []) env[name] = (LAB_SECRETS as Record<string, string>)[name];
    const result = await runScript(target, step.script, { env, timeoutSeconds: step.timeoutSeconds ?? 900, connectSeconds: 60 });
    if (result.code !== 0) throw new Error(`${where}: step ${step.name} failed (exit ${result.code}):\n${lastLines(result, 25)}`);
    return Object.fromEntries([...result.stdout.matchAll(/^::output ([A-Za-z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
}

async function runSteps(target: SshTarget, where: string, steps: RemoteStep[]): Promise<Record<string, string>> {
    let outputs: Record<string, string> = {};
    for (const step of steps) outputs = { ...outputs, ...(await runStep(target, where, step)) };
    return outputs;
}

const pick = (steps: RemoteStep[], ...names: string[]) => names.map((name) => steps.find((s) => s.name === name) as RemoteStep);

export function labSettings(inventory: LabInventory): Settings {
    const { settings, problems } = check(labConfig(inventory) as never);
    if (problems.length) throw new Error(`the lab config is invalid:\n${problems.join("\n")}`);
    return settings;
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

/** Boots the lab and deploys the cloud on it (a few minutes, mostly package installs); takes the lab down again if that fails. */
export async function startOpsLab(): Promise<OpsLab> {
    const lab = newLab();
    await stopOpsLab(lab);
    try {
        const inventory = await lab.up(...HOSTS);
        const { api, zoneId } = await deployCloud(inventory);
        return await opsLab(lab, inventory, api, zoneId);
    } catch (err) {
        await stopOpsLab(lab);
        throw err;
    }
}

/** The cloud of startOpsLab on hosts that are up; returns the API connection and the zone id. */
export async function deployCloud(inventory: LabInventory): Promise<{ api: ApiConnection; zoneId: string }> {
    const settings = labSettings(inventory);
    const host = (name: string) => inventory.hosts.find((h) => h.name === name) as LabHost;
    const target = (name: string) => targetOf(inventory, host(name));
    const address = (name: string) => host(name).managementIp;

    // Bridges first, on every node at once, as NodeBase does.
    await Promise.all(
        HOSTS.map((name) =>
            bridgeNetworkProvider.create({
                connection: target(name),
                node: name,
                networks: { management: settings.network.management, public: settings.network.public, defaultRoute: settings.network.defaultRoute, dnsServers: settings.network.dnsServers, searchDomains: [] },
                expectedManagementAddress: address(name),
                expectedPublicAddress: host(name).publicIp,
                rollbackSeconds: settings.network.rollbackSeconds,
                scripts: renderBridgeScripts(),
            }),
        ),
    );

    const management = managementSteps({
        management: settings.management,
        packages: settings.packages,
        nfs: settings.nfs,
        databaseHost: address("db"),
        databasePort: settings.database.port,
        managementAddress: address("mgmt"),
    }).steps;
    const kvm = kvmSteps({ kvm: settings.kvm, network: settings.network, packages: settings.packages, physicalNetworks: settings.zone.physicalNetworks });
    const dbArgs = { database: settings.database, packages: settings.packages, bindAddress: address("db"), managementAddresses: [address("mgmt")], destroyData: false };
    await Promise.all([
        runSteps(target("db"), "db", [...databaseSteps(dbArgs), ...nfsSteps(settings.nfs, settings.packages, false, settings.zone)]),
        runSteps(target("kvm1"), "kvm1", pick(kvm, "kvm-packages", "kvm-libvirt", "cloudstack-repo", "cloudstack-agent")),
        runSteps(target("mgmt"), "mgmt", [cloudstackRepoStep(settings.packages), ...pick(management, "management-packages")]),
    ]);
    const started = await runSteps(target("mgmt"), "mgmt", pick(management, "database-connection", "setup-databases", "management-start"));
    await runSteps(target("db"), "db", databaseFinalizeSteps(dbArgs));
    await runSteps(target("kvm1"), "kvm1", kvmAuthorizeKeySteps(started.publicKey));

    const apiUrl = settings.zone.apiUrl as string;
    const keys = await credentialsProvider.create({ apiUrl, username: "admin", domain: "/", initialPassword: "password", password: ADMIN_PASSWORD });
    const api = { apiUrl, apiKey: keys.outs.apiKey, secretKey: keys.outs.secretKey };
    // What the Zone component does first: agents and system VMs are told the management address.
    await settingProvider.create({ connection: api, name: "host", value: address("mgmt") });
    const created = await buildZoneWithProviders(api, settings.zone);
    return { api, zoneId: created.find((c) => c.label === "zone")?.id as string };
}

export async function opsLab(lab: TestLab, inventory: LabInventory, api: ApiConnection, zoneId: string): Promise<OpsLab> {
    const settings = labSettings(inventory);
    const host = (name: string) => inventory.hosts.find((h) => h.name === name) as LabHost;
    const sh = async (name: string, command: string, env: Record<string, string> = {}) => runScript(targetOf(inventory, host(name)), command, { env, timeoutSeconds: 600, connectSeconds: 30 });
    const ctx = await buildContext(settings, { projectDir: REPO, api, zoneId, secrets: [...Object.values(LAB_SECRETS), ADMIN_PASSWORD, api.apiKey, api.secretKey] });
    return {
        lab,
        inventory,
        settings,
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
            return (await clientFor(api).list<{ name: string }>("listSystemVms", { zoneid: zoneId })).map((vm) => vm.name);
        },
    };
}
