/**
 * The one typed settings object the whole program is built from.
 *
 * `readSettings()` (config/readSettings.ts) fills it from the stack config and
 * `validateSettings()` (config/validate.ts) rejects bad values before any
 * resource is registered. Components receive slices of it and never read
 * `pulumi.Config` themselves.
 *
 * Secrets are `pulumi.Output<string>` already marked secret; everything else is
 * plain data so that the resource graph can be shaped at program time.
 */
import * as pulumi from "@pulumi/pulumi";

export type Role = "management" | "database" | "nfs" | "kvm" | "loadbalancer";
export const ROLES: readonly Role[] = ["management", "database", "nfs", "kvm", "loadbalancer"];
/** The roles every stack with nodes needs (a load balancer is optional). */
export const REQUIRED_ROLES: readonly Role[] = ["management", "database", "nfs", "kvm"];

/** How the controller (the machine running Pulumi) reaches a node over SSH. */
export interface SshSettings {
    /** Login user; commands run through `sudo` when it is not root. */
    user: string;
    port: number;
    password?: pulumi.Output<string>;
    privateKey?: pulumi.Output<string>;
    /** Path of a private key file on the controller, read only when connecting (never stored in state). */
    privateKeyFile?: string;
    /** Pinned host key in authorized_keys format ("ssh-ed25519 AAAA..."). Without it host keys are not checked. */
    hostKey?: string;
}

/** One machine. A machine may carry several roles (the seed puts database and management on one). */
export interface NodeSettings {
    name: string;
    /** Address the controller uses for SSH. */
    address: string;
    roles: Role[];
    ssh: SshSettings;
    /** This node's address on the management network, when known in advance (validated against the CIDR). */
    managementAddress?: string;
    /** This node's address on the public network, when known in advance. */
    publicAddress?: string;
    /** Fully qualified host name written to /etc/hosts. */
    fqdn: string;
    /** Whether the node gets the cloudbr0/cloudbr1 bridges (management, database and KVM nodes by default). */
    bridges: boolean;
}

export interface RouteSettings {
    to: string;
    via: string;
}

/** One of the two physical networks, each on its own Linux bridge. */
export interface NetworkSegmentSettings {
    cidr: string;
    gateway: string;
    /** Bridge name on every CloudStack node (cloudbr0 / cloudbr1). */
    bridge: string;
    /** MTU of the NIC and bridge; undefined keeps the NIC's own. */
    mtu?: number;
    /** Extra static routes on this bridge. */
    routes: RouteSettings[];
}

export interface NetworkSettings {
    management: NetworkSegmentSettings;
    public: NetworkSegmentSettings;
    /** Which network carries the default route (the seed: public). */
    defaultRoute: "public" | "management";
    /** Resolvers written into netplan. */
    dnsServers: string[];
    searchDomains: string[];
    ntpServers: string[];
    timezone: string;
    /** DNS domain appended to node names for their FQDN. */
    domain: string;
    /** `net.ipv4.igmp_max_memberships` on KVM hosts (kernel default 20 caps VXLAN networks per host). */
    igmpMaxMemberships: number;
    /** Seconds after which an unconfirmed bridge change is rolled back on the host. */
    rollbackSeconds: number;
}

/** Where packages come from and what they are called (Debian lab hosts differ from Ubuntu). */
export interface PackageSettings {
    cloudstackVersion: string;
    /** CloudStack repository as "URL SUITE COMPONENT", e.g. "https://download.cloudstack.org/ubuntu noble 4.19". */
    cloudstackRepo: string;
    /** URL of the repository's signing key (ASCII armoured). Empty: the repository is trusted without a key file (lab only). */
    cloudstackRepoKeyUrl: string;
    javaPackage: string;
    /** Path of the java binary that `update-alternatives` must select. */
    javaBinary: string;
    databaseEngine: "mysql" | "mariadb";
    /** Packages every node gets. */
    basePackages: string[];
    /** NFS server package (nfs-kernel-server, or nfs-ganesha in a lab without kernel nfsd). */
    nfsServerPackage: string;
    /** KVM host packages besides cloudstack-agent. */
    kvmPackages: string[];
    /**
     * SystemVM template for KVM, seeded on secondary storage. Empty: no seeding; CloudStack
     * registers the template from the first NFS image store itself (4.16+, if its package carries it).
     */
    systemVmTemplateUrl: string;
    /** CloudMonkey binary download URL. Empty: skip CloudMonkey. */
    cloudMonkeyUrl: string;
    /** Optional HTTP proxy for apt on the nodes. */
    aptProxy?: string;
}

export interface NfsSettings {
    /** Address the zone's storage URLs use. */
    server: string;
    exportRoot: string;
    primaryPath: string;
    secondaryPath: string;
    /** Block device to partition and format for the export root, e.g. /dev/sdb. */
    dataDisk?: string;
    /** Allow formatting a disk that already holds a partition table or filesystem. */
    forceFormat: boolean;
    /** Verify with `showmount -e` that the exports are served (false only in labs without a kernel NFS server). */
    verifyServing: boolean;
    /**
     * Who may mount the exports (never "*"): IPv4 addresses or CIDRs. By default exactly the
     * management and KVM nodes, the zone hosts and the pods' system VM ranges (config/nfsClients.ts).
     */
    allowedCidrs: string[];
    /** Fixed NFS ports so a firewall can allow them. */
    ports: { mountd: number; statd: number; statdOutgoing: number; lockd: number; rquotad: number };
}

export interface DatabaseSettings {
    engine: "mysql" | "mariadb";
    port: number;
    /** Address MySQL binds to; undefined: the database node's management-network address. */
    bindAddress?: string;
    maxConnections: number;
    serverId: number;
    /** wsrep_cluster_name when the database runs on three or more nodes (MariaDB Galera). */
    galeraClusterName: string;
}

export interface ManagementSettings {
    /** Encryption type for db.properties (`cloudstack-setup-databases -e`). */
    encryptionType: "file";
    /** Start of the API URL path. */
    apiPath: string;
    uiPort: number;
    /** Seconds to wait for the API after starting the management server. */
    startTimeoutSeconds: number;
    /**
     * `indirect.agent.lb.algorithm` (static, roundrobin, shuffle): how each agent orders the `host` list
     * (server/src/main/java/org/apache/cloudstack/agent/lb/IndirectAgentLBServiceImpl.java@4.19.3.0:53).
     * Set only with two or more management servers.
     */
    agentLbAlgorithm: "static" | "roundrobin" | "shuffle";
    /** `indirect.agent.lb.check.interval` seconds (0: off); set only with two or more management servers. */
    agentLbCheckIntervalSeconds: number;
    /** The one management node that runs cloudstack-usage (default: the first management node). */
    usageNode?: string;
}

/** The load balancer in front of two or more management servers (nodes with the role loadbalancer). */
export interface LoadBalancerSettings {
    /** A virtual address kept by keepalived on the balancer nodes; required with two or more balancer nodes. */
    virtualAddress?: string;
    /** The VRRP router id keepalived uses for the virtual address (unique on the management network). */
    virtualRouterId: number;
    /** What agents are told to connect to (the `host` setting): the balancer, or the list of management servers. */
    agents: "balancer" | "servers";
}

export interface KvmSettings {
    /** Fail when /dev/kvm or vmx/svm is missing (false only for test labs without hardware virtualisation). */
    requireHardwareVirtualization: boolean;
}

export interface TrafficTypeSettings {
    type: TrafficType;
    /** Bridge (or NIC) name on the KVM hosts. */
    kvmLabel: string;
}

export interface PhysicalNetworkSettings {
    name: string;
    isolationMethod: "VXLAN" | "VLAN";
    /** Inclusive VNI (or VLAN) range. */
    vniStart: number;
    vniEnd: number;
    trafficTypes: TrafficTypeSettings[];
}

export interface PublicIpRangeSettings {
    physicalNetwork: string;
    startIp: string;
    endIp: string;
    gateway: string;
    netmask: string;
    /** "untagged" or a VLAN tag. */
    vlan: string;
}

export interface PodSettings {
    name: string;
    gateway: string;
    netmask: string;
    startIp: string;
    endIp: string;
}

export interface ClusterSettings {
    name: string;
    pod: string;
    hypervisor: "KVM";
    clusterType: "CloudManaged";
}

export interface ZoneHostSettings {
    name: string;
    cluster: string;
    pod: string;
    /** Management-network IP CloudStack uses to reach the host. */
    ip: string;
    /** The kvm node this host is provisioned by, if any (it is registered only after provisioning). */
    node?: string;
    username: string;
    /** Register with the management server's SSH key (no password stored anywhere). */
    useManagementKey: boolean;
}

export interface PrimaryStorageSettings {
    name: string;
    scope: "cluster" | "zone";
    cluster?: string;
    pod?: string;
    server: string;
    path: string;
}

export interface SecondaryStorageSettings {
    name: string;
    server: string;
    path: string;
    provider: "NFS";
}

export interface ZoneSettings {
    name: string;
    dns1: string;
    dns2?: string;
    internalDns1: string;
    internalDns2?: string;
    networkType: "Advanced";
    guestCidr: string;
    /** Guest MTU: smallest underlay MTU minus 50 unless set lower. */
    guestMtu: number;
    physicalNetworks: PhysicalNetworkSettings[];
    publicIpRanges: PublicIpRangeSettings[];
    pods: PodSettings[];
    clusters: ClusterSettings[];
    hosts: ZoneHostSettings[];
    primaryStorages: PrimaryStorageSettings[];
    secondaryStorages: SecondaryStorageSettings[];
    /** Seconds to wait for the zone to report ready (system VMs Running, hosts Up). */
    readyTimeoutSeconds: number;
    /**
     * URL the controller uses for the API. Default: http://<management node address>:<uiPort><apiPath>.
     * Required for zone-only stacks (an existing management server, no nodes).
     */
    apiUrl?: string;
}

/** CloudStack's own Prometheus exporter on the management server. */
export interface MonitoringSettings {
    prometheus: boolean;
    prometheusPort: number;
    /** Addresses allowed to scrape (`prometheus.exporter.allowed.ips`). */
    prometheusAllowedIps: string[];
}

/** Backups of the databases (and optionally the NFS exports), kept on the controller. */
export interface BackupSettings {
    /** Directory on the controller; relative paths are relative to the project. */
    directory: string;
    /** Copies of each kind to keep. */
    keep: number;
    /** Also copy /export/primary and /export/secondary (rsync over SSH). */
    includeExports: boolean;
    /** Dump the databases before a `pulumi up` that changes the database or management nodes. */
    beforeChange: boolean;
}

/** How `pulumi up` upgrades a running cloud to a new cloudstackVersion (README "Upgrading"). */
export interface UpgradeSettings {
    /** Upgrade even when `verify` does not pass on the running cloud before it (default false: refused). */
    ignoreVerify: boolean;
    /** Where the target's SystemVM template is registered from when it is not (default: packages.systemVmTemplateUrl, else the target line's documented URL). */
    systemVmTemplateUrl?: string;
    /** How long each KVM host may take to come back Up after its agent upgrade, and each API wait of the upgrade. */
    waitSeconds: number;
}

/** Secrets given by the user; undefined ones are generated and kept in state as secrets. */
export interface SecretSettings {
    mysqlRootPassword?: pulumi.Output<string>;
    cloudDbPassword?: pulumi.Output<string>;
    kvmHostPassword?: pulumi.Output<string>;
    /** New password for the CloudStack admin user (the fresh install's admin/password is replaced). */
    adminPassword?: pulumi.Output<string>;
    /** Password of the fresh install's admin user, used once to bootstrap. */
    initialAdminPassword: pulumi.Output<string>;
    apiKey?: pulumi.Output<string>;
    secretKey?: pulumi.Output<string>;
    /** `cloudstack-setup-databases -m` (management server key). */
    managementServerKey?: pulumi.Output<string>;
    /** `cloudstack-setup-databases -k` (database key). */
    databaseKey?: pulumi.Output<string>;
}

export interface Settings {
    project: string;
    stack: string;
    nodes: NodeSettings[];
    network: NetworkSettings;
    packages: PackageSettings;
    nfs: NfsSettings;
    database: DatabaseSettings;
    management: ManagementSettings;
    kvm: KvmSettings;
    loadBalancer: LoadBalancerSettings;
    zone: ZoneSettings;
    monitoring: MonitoringSettings;
    backup: BackupSettings;
    /** Only when the stack has an `upgrade` section: settings the program had before keep their verify fingerprint. */
    upgrade?: UpgradeSettings;
    secrets: SecretSettings;
    /** Remove databases, /export contents and data disks on destroy. */
    destroyData: boolean;
}

/** The nodes that carry a role, in config order. */
export function nodesWithRole(settings: Pick<Settings, "nodes">, role: Role): NodeSettings[] {
    return settings.nodes.filter((n) => n.roles.includes(role));
}

/** The one management node that runs cloudstack-usage (management.usageNode, else the first management node). */
export function usageNodeOf(settings: Pick<Settings, "nodes" | "management">): string | undefined {
    return settings.management.usageNode ?? nodesWithRole(settings, "management")[0]?.name;
}

export const TRAFFIC_TYPES = ["Management", "Guest", "Public", "Storage"] as const;
export type TrafficType = (typeof TRAFFIC_TYPES)[number];
