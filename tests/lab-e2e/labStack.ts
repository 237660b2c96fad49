/**
 * The `lab` stack: the seed's topology on lab hosts, written as a user would
 * write Pulumi.lab.yaml. Only config values differ from a real deployment:
 * addresses and SSH ports from the lab inventory, Debian package names
 * (MariaDB, Java 17, no qemu to save install time), the stand-in CloudStack
 * repository the lab serves, and the two things this kernel cannot do
 * (serve kernel NFS, offer /dev/kvm).
 */
import { TestProject } from "../support/engine";
import { LabHost, LabInventory, TestLab } from "../support/lab";

export interface LabRoles {
    nfs: string;
    /** The database node (the first Galera member when `ha` adds more). */
    database: string;
    /** The management node (the first one when `ha` adds more). */
    management: string;
    kvm: string[];
    /** The high-availability shape: more database and management nodes, and a balancer the API is reached through. */
    ha?: { moreDatabases: string[]; moreManagement: string[]; balancer: string };
}

const first3 = (cidr: string) => cidr.split(".").slice(0, 3).join(".");

function hostOf(inventory: LabInventory, name: string): LabHost {
    const found = inventory.hosts.find((h) => h.name === name);
    if (!found) throw new Error(`lab has no host ${name}`);
    return found;
}

/** A lab host as a `nodes[]` entry: reached through its loopback forward, its host key pinned. */
export function labNode(inventory: LabInventory, name: string, roles: string[]) {
    const h = hostOf(inventory, name);
    return { name, address: h.sshHost, roles, managementAddress: h.managementIp, publicAddress: h.publicIp, ssh: { port: h.sshPort, hostKey: h.hostKey } };
}

/** A lab host's address on the management network. */
export function labIp(inventory: LabInventory, name: string): string {
    return hostOf(inventory, name).managementIp;
}

/**
 * The seed's zone (TEST, pod Internal, cluster testbed, VXLAN 5000-6000) on the lab's networks, one host N<i> per KVM node;
 * the API reached through `apiHost`'s forwarded port 8080 (the management server, or the balancer in front of several).
 */
export function labZone(inventory: LabInventory, apiHost: string, nfs: string, kvm: string[]) {
    const mgmt = first3(inventory.managementCidr);
    const pub = first3(inventory.publicCidr);
    const nfsIp = hostOf(inventory, nfs).managementIp;
    return {
        name: "TEST",
        dns1: inventory.managementGateway,
        guestCidr: "192.168.0.0/24",
        apiUrl: `http://127.0.0.1:${hostOf(inventory, apiHost).apiPort}/client/api`,
        readyTimeoutSeconds: 600,
        physicalNetworks: [
            {
                name: "PhysicalNetwork",
                isolationMethod: "VXLAN",
                vniRange: "5000-6000",
                trafficTypes: [
                    { type: "Management", kvmLabel: "cloudbr0" },
                    { type: "Guest", kvmLabel: "cloudbr1" },
                    { type: "Public", kvmLabel: "cloudbr1" },
                    { type: "Storage", kvmLabel: "cloudbr0" },
                ],
            },
        ],
        publicIpRanges: [{ startIp: `${pub}.220`, endIp: `${pub}.230`, gateway: inventory.publicGateway, netmask: "255.255.255.0" }],
        pods: [{ name: "Internal", gateway: inventory.managementGateway, netmask: "255.255.255.0", startIp: `${mgmt}.160`, endIp: `${mgmt}.170` }],
        clusters: [{ name: "testbed", pod: "Internal" }],
        hosts: kvm.map((name, i) => ({ name: `N${i + 1}`, cluster: "testbed", pod: "Internal", ip: hostOf(inventory, name).managementIp, node: name })),
        primaryStorages: [{ name: "lab-primary", scope: "cluster", cluster: "testbed", pod: "Internal", server: nfsIp, path: "/export/primary" }],
        secondaryStorages: [{ name: "lab-secondary", server: nfsIp, path: "/export/secondary" }],
    };
}

/** Accepted SSH logins per host, from sshd's journal (counting is itself one login on each host). */
/** Named phases of a lab test and their wall times, for the timings it prints (never asserted). */
export function phaseTimer(): { phases: [string, number][]; phase<T>(name: string, work: () => Promise<T>): Promise<T> } {
    const phases: [string, number][] = [];
    return {
        phases,
        async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
            const started = Date.now();
            try {
                return await work();
            } finally {
                phases.push([name, (Date.now() - started) / 1000]);
            }
        },
    };
}

/**
 * A `pulumi up` with no change: the preview shows none, the up reports only "same", and no host sees an
 * SSH login but the login count's own. `phase` times both runs; `record` gets the up's output.
 */
export async function expectUpChangesNothing(
    project: TestProject,
    lab: TestLab,
    inventory: LabInventory,
    phase: ReturnType<typeof phaseTimer>["phase"],
    record: (text: string) => void,
): Promise<void> {
    await phase("pulumi preview (no changes)", () => project.stack.preview({ expectNoChanges: true }));
    const before = await sshLogins(lab, inventory);
    const up = await phase("pulumi up (no changes)", () => project.stack.up({ onOutput: record }));
    expect(Object.keys(up.summary.resourceChanges ?? {})).toEqual(["same"]);
    // Counting logins is itself one login per host; nothing else logged in.
    const after = await sshLogins(lab, inventory);
    expect(after).toEqual(Object.fromEntries(Object.entries(before).map(([host, count]) => [host, count + 1])));
}

export async function sshLogins(lab: TestLab, inventory: LabInventory): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const host of inventory.hosts) {
        const out = await lab.ssh(host.name, "set -o pipefail; journalctl -u ssh --no-pager -o cat | awk '/^Accepted/ { n++ } END { print n + 0 }'");
        counts[host.name] = Number(out.trim());
    }
    return counts;
}

export function labStackConfig(inventory: LabInventory, roles: LabRoles, extra: Record<string, unknown> = {}): Record<string, unknown> {
    const host = (name: string): LabHost => {
        const found = inventory.hosts.find((h) => h.name === name);
        if (!found) throw new Error(`lab has no host ${name}`);
        return found;
    };
    const node = (name: string, nodeRoles: string[]) => labNode(inventory, name, nodeRoles);
    const local = `${inventory.aptProxy}/local`;
    const nfsIp = host(roles.nfs).managementIp;
    return {
        "cloudstack:ssh": { user: "root", privateKeyFile: inventory.privateKeyFile },
        "cloudstack:nodes": [
            node(roles.nfs, ["nfs"]),
            ...[roles.database, ...(roles.ha?.moreDatabases ?? [])].map((name) => node(name, ["database"])),
            ...[roles.management, ...(roles.ha?.moreManagement ?? [])].map((name) => node(name, ["management"])),
            ...(roles.ha ? [node(roles.ha.balancer, ["loadbalancer"])] : []),
            ...roles.kvm.map((name) => node(name, ["kvm"])),
        ],
        "cloudstack:network": {
            management: { cidr: inventory.managementCidr, gateway: inventory.managementGateway, bridge: "cloudbr0" },
            public: { cidr: inventory.publicCidr, gateway: inventory.publicGateway, bridge: "cloudbr1", mtu: 1550 },
            defaultRoute: "public",
            dnsServers: [inventory.managementGateway],
            ntpServers: [inventory.managementGateway],
            timezone: "Asia/Seoul",
            domain: "lab.test",
            rollbackSeconds: 60,
        },
        "cloudstack:packages": {
            cloudstackRepo: `${local}/cloudstack lab 4.19`,
            cloudstackRepoKeyUrl: `${local}/cloudstack/release.asc`,
            javaPackage: "openjdk-17-jre-headless",
            javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
            databaseEngine: "mariadb",
            basePackages: ["chrony", "curl", "ca-certificates", "gnupg", "python3", "iproute2", "wget"],
            kvmPackages: ["libvirt-daemon-system", "libvirt-clients"],
            // No kernel NFS client here to mount secondary storage: CloudStack registers the template itself from the first image store.
            systemVmTemplateUrl: "",
            cloudMonkeyUrl: "",
            aptProxy: inventory.aptProxy,
        },
        "cloudstack:nfs": { server: nfsIp, verifyServing: false },
        "cloudstack:kvm": { requireHardwareVirtualization: false },
        "cloudstack:zone": labZone(inventory, roles.ha?.balancer ?? roles.management, roles.nfs, roles.kvm),
        ...extra,
    };
}
