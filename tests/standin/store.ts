/**
 * The stand-in's database: plain rows kept in memory and, when a state file is
 * given, written after every change (atomically, mode 0600) so that a restart
 * of the "management server" keeps the cloud. Deleted rows stay with a
 * `removed` time, as CloudStack's tables do, so deleting twice can say
 * "does not exist".
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface Row {
    /** The uuid the API shows. */
    id: string;
    /** The internal numeric id some error texts use. */
    dbId: number;
    created: string;
    removed?: string;
}

export type AllocationState = "Enabled" | "Disabled";

export interface ZoneRow extends Row {
    name: string;
    dns1: string;
    dns2?: string;
    internaldns1: string;
    internaldns2?: string;
    networktype: "Advanced" | "Basic";
    guestcidraddress?: string;
    domain?: string;
    allocationstate: AllocationState;
    localstorageenabled: boolean;
    securitygroupsenabled?: boolean;
}

export interface PhysicalNetworkRow extends Row {
    zoneId: string;
    name: string;
    isolationmethods: string;
    vlan?: string;
    state: AllocationState;
    tags?: string;
}

export type TrafficTypeName = "Guest" | "Management" | "Public" | "Storage";

export interface TrafficTypeRow extends Row {
    physicalNetworkId: string;
    traffictype: TrafficTypeName;
    kvmnetworklabel?: string;
}

export interface ProviderRow extends Row {
    physicalNetworkId: string;
    name: string;
    state: AllocationState | "Shutdown";
}

/** Virtual router and internal load balancer elements of a provider. */
export interface ElementRow extends Row {
    nspId: string;
    kind: "VirtualRouter" | "VpcVirtualRouter" | "InternalLbVm";
    enabled: boolean;
}

export interface PodRange {
    startip: string;
    endip: string;
}

export interface PodRow extends Row {
    zoneId: string;
    name: string;
    gateway: string;
    netmask: string;
    ranges: PodRange[];
    allocationstate: AllocationState;
}

export interface VlanRow extends Row {
    zoneId: string;
    physicalNetworkId: string;
    vlan: string;
    gateway: string;
    netmask: string;
    startip: string;
    endip: string;
}

export interface ClusterRow extends Row {
    zoneId: string;
    podId: string;
    name: string;
    hypervisortype: "KVM";
    clustertype: "CloudManaged";
}

export type HostType = "Routing" | "SecondaryStorageVM" | "ConsoleProxy";

export interface HostRow extends Row {
    name: string;
    type: HostType;
    ipaddress: string;
    zoneId: string;
    podId?: string;
    clusterId?: string;
    state: "Connecting" | "Up" | "Disconnected" | "Alert" | "Down";
    resourcestate: "Enabled" | "Disabled" | "PrepareForMaintenance" | "Maintenance" | "ErrorInMaintenance";
    guid: string;
    username?: string;
    /** The agent's version from its StartupCommand (server/src/main/java/com/cloud/resource/ResourceManagerImpl.java@4.19.3.0:2338). */
    version?: string;
    /**
     * host.mgmt_server_id: the msid of the server its agent is connected to, set when it connects and
     * cleared when it disconnects (engine/schema/src/main/java/com/cloud/host/dao/HostDaoImpl.java@4.19.3.0:1085-1093).
     */
    managementServerId?: number;
}

export interface PoolRow extends Row {
    zoneId: string;
    podId?: string;
    clusterId?: string;
    name: string;
    scope: "CLUSTER" | "ZONE";
    ipaddress: string;
    path: string;
    state: "Up" | "PrepareForMaintenance" | "Maintenance";
}

export interface ImageStoreRow extends Row {
    zoneId: string;
    name: string;
    url: string;
}

export interface SystemVmRow extends Row {
    zoneId: string;
    podId: string;
    /** The Routing host it runs on. */
    hostId: string;
    /** Its own agent's host row (type SecondaryStorageVM / ConsoleProxy). */
    agentHostId: string;
    poolId: string;
    name: string;
    systemvmtype: "secondarystoragevm" | "consoleproxy";
    state: "Starting" | "Running" | "Stopped";
    privateip: string;
    publicip: string;
    publicVlanId: string;
    linklocalip: string;
    /** The SYSTEM template it was started from. */
    templateId?: string;
}

/**
 * A volume (the `volumes` table): here only the ROOT volume each system VM gets
 * on its primary storage. `removed` is set when it is expunged.
 */
export interface VolumeRow extends Row {
    zoneId: string;
    poolId: string;
    /** The VM it belongs to (instance_id). */
    instanceId: string;
    volumetype: "ROOT";
    state: "Ready" | "Destroy" | "Expunged";
}

/**
 * A SYSTEM template for KVM and its copy in one zone. A zone can hold two: the
 * one seeded by cloud-install-sys-tmplt and the one the 4.19 package registers
 * itself (SystemVmTemplateRegistration), of which one may still be downloading.
 */
export interface TemplateCopy {
    /** The template's uuid (the same in every zone it is copied to). */
    templateId: string;
    name: string;
    zoneId: string;
    /** Epoch ms when the copy on the image store is ready; null: never (the download failed). */
    readyAt: number | null;
    /**
     * USER: registered through registerTemplate; the schema upgrade makes a template of the new
     * release's name SYSTEM (engine/schema/src/main/java/com/cloud/upgrade/SystemVmTemplateRegistration.java@4.19.3.0:903-907).
     * Absent: SYSTEM.
     */
    type?: "SYSTEM" | "USER";
}

export interface UserRow extends Row {
    username: string;
    account: string;
    /** 1 = root admin. */
    accounttype: number;
    domainPath: string;
    passwordHash: string;
    state: "enabled" | "disabled" | "locked";
    failedLogins: number;
    apikey?: string;
    secretkey?: string;
}

export interface JobRow {
    jobid: string;
    cmd: string;
    status: 0 | 1 | 2;
    resultcode: number;
    result?: unknown;
    created: number;
    completedAt?: number;
    /** When a poll first saw it finished: how quickly the client noticed. */
    firstSeenDoneAt?: number;
    polls: number[];
    instanceId?: string;
    /** async_job.job_executing_msid: the server running it (its restart fails it). */
    msid?: number;
}

/** A row of mshost (framework/cluster/src/main/java/com/cloud/cluster/ManagementServerHostVO.java@4.19.3.0:37-78), read from its table. */
export interface MsHostRow {
    msid: number;
    uuid: string;
    name: string;
    state: "Up" | "Down" | "Starting";
    serviceIp: string;
    /** Milliseconds since last_update (undefined: never). */
    lastUpdateAgeMs?: number;
}

export interface StandInData {
    seq: number;
    zones: ZoneRow[];
    physicalNetworks: PhysicalNetworkRow[];
    trafficTypes: TrafficTypeRow[];
    providers: ProviderRow[];
    elements: ElementRow[];
    pods: PodRow[];
    vlans: VlanRow[];
    clusters: ClusterRow[];
    hosts: HostRow[];
    pools: PoolRow[];
    imageStores: ImageStoreRow[];
    systemVms: SystemVmRow[];
    volumes: VolumeRow[];
    templates: TemplateCopy[];
    users: UserRow[];
    configurations: Record<string, string>;
    /** Zone-scoped values (data_center_details), by zone id then name. */
    zoneConfigurations: Record<string, Record<string, string>>;
    jobs: JobRow[];
    /** Sharing the cloud: agents addHost has set up and waits for, and the server each connected to (agent-port.ts). */
    awaitedAgents?: { guid: string; by: number; connectedTo?: number }[];
    /** With a shared database only: the mshost table as last read (not part of the stored document). */
    managementServers?: MsHostRow[];
}

export function hashPassword(password: string, salt = crypto.randomBytes(8).toString("hex")): string {
    return `${salt}:${crypto.createHash("sha256").update(`${salt}:${password}`).digest("hex")}`;
}

export function passwordMatches(hash: string, password: string): boolean {
    return hashPassword(password, hash.split(":")[0]) === hash;
}

/** Like NetUtils.getDefaultHostIp at the first start: an address of this machine other than loopback. */
function defaultHostIp(): string {
    const addresses = Object.values(os.networkInterfaces()).flatMap((list) => list ?? []);
    return addresses.find((a) => a.family === "IPv4" && !a.internal)?.address ?? "127.0.0.1";
}

/** Global settings the program reads or writes, with 4.19's defaults. */
export const DEFAULT_CONFIGURATIONS: Record<string, string> = {
    host: defaultHostIp(),
    // api/src/main/java/com/cloud/storage/VolumeApiService.java@4.19.3.0:54-57 (default true)
    "use.https.to.upload": "true",
    // server/src/main/java/org/apache/cloudstack/agent/lb/IndirectAgentLBServiceImpl.java@4.19.3.0:53-56 (default static)
    "indirect.agent.lb.algorithm": "static",
    "prometheus.exporter.enable": "false",
    "prometheus.exporter.port": "9595",
    "prometheus.exporter.allowed.ips": "127.0.0.1",
    "incorrect.login.attempts.allowed": "5",
    "default.page.size": "500",
    "api.sessionkey.check.locations": "CookieAndParameter",
    "kvm.private.network.device": "cloudbr0",
    "kvm.public.network.device": "cloudbr0",
    "kvm.guest.network.device": "cloudbr0",
    "vr.public.interface.max.mtu": "1500",
    "vr.private.interface.max.mtu": "1500",
    "allow.end.users.to.specify.vr.mtu": "false",
};

export function freshData(): StandInData {
    const data: StandInData = {
        seq: 2,
        zones: [],
        physicalNetworks: [],
        trafficTypes: [],
        providers: [],
        elements: [],
        pods: [],
        vlans: [],
        clusters: [],
        hosts: [],
        pools: [],
        imageStores: [],
        systemVms: [],
        volumes: [],
        templates: [],
        users: [],
        configurations: { ...DEFAULT_CONFIGURATIONS },
        zoneConfigurations: {},
        jobs: [],
    };
    // A fresh install: admin / password in the ROOT domain, no API keys.
    data.users.push({
        id: crypto.randomUUID(),
        dbId: 2,
        created: new Date().toISOString(),
        username: "admin",
        account: "admin",
        accounttype: 1,
        domainPath: "/",
        passwordHash: hashPassword("password"),
        state: "enabled",
        failedLogins: 0,
    });
    return data;
}

/** A new row's ids. */
export function newRow(data: StandInData): Row {
    data.seq += 1;
    return { id: crypto.randomUUID(), dbId: data.seq, created: new Date().toISOString() };
}

export function live<T extends Row>(rows: T[]): T[] {
    return rows.filter((row) => !row.removed);
}

export function markRemoved(row: Row): void {
    row.removed = new Date().toISOString();
}

export function loadData(file: string | undefined): StandInData {
    if (!file || !fs.existsSync(file)) return freshData();
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as StandInData;
    return { ...freshData(), ...data, configurations: { ...DEFAULT_CONFIGURATIONS, ...data.configurations } };
}

export function saveData(file: string | undefined, data: StandInData): void {
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temp, JSON.stringify(data), { mode: 0o600 });
    fs.renameSync(temp, file);
}
