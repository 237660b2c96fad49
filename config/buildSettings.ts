/**
 * Turns the raw stack config (plain values, as `pulumi config` stores them)
 * into the typed Settings object, applying defaults and reporting type errors.
 * Semantic checks (ranges, overlaps, references) live in validate.ts.
 *
 * Pure apart from wrapping secrets in `pulumi.secret`, so tests can feed it
 * any config without a Pulumi engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "./defaults";
import { FieldReader, RawObject } from "./fields";
import { isCidr, isIPv4 } from "./net";
import { defaultNfsClients } from "./nfsClients";
import { ConfigProblems } from "./problems";
import {
    ClusterSettings,
    DatabaseSettings,
    BackupSettings,
    KvmSettings,
    ManagementSettings,
    MonitoringSettings,
    NetworkSegmentSettings,
    NetworkSettings,
    NfsSettings,
    NodeSettings,
    PackageSettings,
    PhysicalNetworkSettings,
    PodSettings,
    PrimaryStorageSettings,
    PublicIpRangeSettings,
    Role,
    ROLES,
    SecondaryStorageSettings,
    SecretSettings,
    Settings,
    SshSettings,
    TRAFFIC_TYPES,
    ZoneHostSettings,
    ZoneSettings,
} from "./settings";

export const NAMESPACE = "cloudstack";

/** Top-level config keys that hold secrets (set with `pulumi config set --secret`). */
export const SECRET_KEYS = [
    "mysqlRootPassword",
    "cloudDbPassword",
    "kvmHostPassword",
    "adminPassword",
    "initialAdminPassword",
    "apiKey",
    "secretKey",
    "managementServerKey",
    "databaseKey",
] as const;

export interface ConfigContext {
    project: string;
    stack: string;
    /** Whether a top-level config key (without namespace) is stored encrypted. */
    isSecret(key: string): boolean;
}

export function buildSettings(raw: RawObject, ctx: ConfigContext, problems: ConfigProblems): Settings {
    const top = new FieldReader(problems, NAMESPACE, raw);
    const section = (name: string) => top.object(name);

    const secrets = readSecrets(top, ctx, problems);
    const sshDefaults = readSsh(section("ssh"), { user: DEFAULTS.sshUser, port: DEFAULTS.sshPort }, ctx.isSecret("ssh"), problems);
    // A zone-only stack (zone.apiUrl, no nodes) configures no host network, so it needs no network section.
    const zoneOnly = isZoneOnlyConfig(raw);
    const network = readNetwork(section("network"), zoneOnly);
    const packages = readPackages(section("packages"), top);
    const nodes = top.list("nodes", (item) => readNode(item, sshDefaults, network, ctx.isSecret("nodes"), problems));
    const zone = readZone(section("zone"), network);
    const nfs = readNfs(section("nfs"), nodes, network, zone);
    const database = readDatabase(section("database"), packages, nodes);
    const management = readManagement(section("management"));
    const kvm = readKvm(section("kvm"));
    const monitoring = readMonitoring(section("monitoring"));
    const backup = readBackup(section("backup"), ctx.stack);
    const destroyData = top.boolean("destroyData", false);
    top.rejectUnknown();

    return {
        project: ctx.project,
        stack: ctx.stack,
        nodes,
        network,
        packages,
        nfs,
        database,
        management,
        kvm,
        zone,
        monitoring,
        backup,
        secrets,
        destroyData,
    };
}

/** zone.apiUrl set and no nodes: the zone is built on an existing management server. */
function isZoneOnlyConfig(raw: RawObject): boolean {
    const zone = raw.zone as RawObject | undefined;
    const nodes = raw.nodes;
    return typeof zone === "object" && zone !== null && zone.apiUrl !== undefined && (nodes === undefined || nodes === null || (Array.isArray(nodes) && nodes.length === 0));
}

function secretOutput(value: string | undefined): pulumi.Output<string> | undefined {
    return value === undefined ? undefined : pulumi.secret(value);
}

// cloudstack-setup-databases puts these on shell command lines (some unquoted)
// and splits user:password at ":", so only this set survives it.
const SETUP_DATABASES_SAFE = /^[A-Za-z0-9._+=@%,^-]+$/;
const PASSED_TO_SETUP_DATABASES: readonly string[] = ["cloudDbPassword", "managementServerKey", "databaseKey"];

function readSecrets(top: FieldReader, ctx: ConfigContext, problems: ConfigProblems): SecretSettings {
    const read = (name: (typeof SECRET_KEYS)[number]) => {
        const value = top.optionalString(name);
        if (value !== undefined && !ctx.isSecret(name)) {
            problems.add(top.key(name), "(hidden)", `is stored in plain text; set it with: pulumi config set --secret ${NAMESPACE}:${name}`);
        }
        if (value !== undefined && PASSED_TO_SETUP_DATABASES.includes(name) && !SETUP_DATABASES_SAFE.test(value)) {
            problems.add(top.key(name), "(hidden)", "may only contain letters, digits and . _ + = @ % , ^ - (cloudstack-setup-databases passes it through shell command lines)");
        }
        return secretOutput(value);
    };
    return {
        mysqlRootPassword: read("mysqlRootPassword"),
        cloudDbPassword: read("cloudDbPassword"),
        kvmHostPassword: read("kvmHostPassword"),
        adminPassword: read("adminPassword"),
        initialAdminPassword: read("initialAdminPassword") ?? pulumi.secret(DEFAULTS.initialAdminPassword),
        apiKey: read("apiKey"),
        secretKey: read("secretKey"),
        managementServerKey: read("managementServerKey"),
        databaseKey: read("databaseKey"),
    };
}

function readSsh(
    r: FieldReader,
    defaults: Pick<SshSettings, "user" | "port"> & Partial<SshSettings>,
    storedSecret: boolean,
    problems: ConfigProblems,
): SshSettings {
    const secretField = (name: "password" | "privateKey") => {
        const value = r.optionalString(name);
        if (value !== undefined && !storedSecret) {
            problems.add(r.key(name), "(hidden)", `is stored in plain text; set it with: pulumi config set --secret --path '${r.key(name)}'`);
        }
        return secretOutput(value);
    };
    const password = secretField("password") ?? defaults.password;
    const privateKey = secretField("privateKey") ?? defaults.privateKey;
    const ssh: SshSettings = {
        user: r.string("user", defaults.user),
        port: r.integer("port", defaults.port, 1, 65535),
        password,
        privateKey,
        privateKeyFile: r.optionalString("privateKeyFile") ?? defaults.privateKeyFile,
        hostKey: r.optionalString("hostKey") ?? defaults.hostKey,
    };
    r.rejectUnknown();
    return ssh;
}

function readNode(
    r: FieldReader,
    sshDefaults: SshSettings,
    network: NetworkSettings,
    storedSecret: boolean,
    problems: ConfigProblems,
): NodeSettings {
    const name = r.string("name");
    const roles = r.stringList("roles").filter((role): role is Role => {
        if ((ROLES as readonly string[]).includes(role)) return true;
        problems.add(r.key("roles"), role, `expected roles from ${ROLES.join(", ")}`);
        return false;
    });
    const node: NodeSettings = {
        name,
        address: r.string("address"),
        roles,
        ssh: readSsh(r.object("ssh"), sshDefaults, storedSecret, problems),
        managementAddress: r.optionalString("managementAddress"),
        publicAddress: r.optionalString("publicAddress"),
        fqdn: r.string("fqdn", `${name}.${network.domain}`),
        bridges: r.boolean("bridges", roles.some((role) => role !== "nfs")),
    };
    r.rejectUnknown();
    return node;
}

function readSegment(r: FieldReader, defaultBridge: string, zoneOnly: boolean): NetworkSegmentSettings {
    const optional = zoneOnly ? "" : undefined;
    const segment: NetworkSegmentSettings = {
        cidr: r.string("cidr", optional),
        gateway: r.string("gateway", optional),
        bridge: r.string("bridge", defaultBridge),
        mtu: r.optionalInteger("mtu", 576, 9216),
        routes: r.list("routes", (route) => {
            const value = { to: route.string("to"), via: route.string("via") };
            route.rejectUnknown();
            return value;
        }),
    };
    r.rejectUnknown();
    return segment;
}

function readNetwork(r: FieldReader, zoneOnly: boolean): NetworkSettings {
    const network: NetworkSettings = {
        management: readSegment(r.object("management"), DEFAULTS.managementBridge, zoneOnly),
        public: readSegment(r.object("public"), DEFAULTS.publicBridge, zoneOnly),
        defaultRoute: r.oneOf("defaultRoute", ["public", "management"] as const, "public"),
        dnsServers: r.stringList("dnsServers", DEFAULTS.dnsServers),
        searchDomains: r.stringList("searchDomains", []),
        ntpServers: r.stringList("ntpServers", DEFAULTS.ntpServers),
        timezone: r.string("timezone", DEFAULTS.timezone),
        domain: r.string("domain", DEFAULTS.domain),
        igmpMaxMemberships: r.integer("igmpMaxMemberships", DEFAULTS.igmpMaxMemberships, 20, 4096),
        rollbackSeconds: r.integer("rollbackSeconds", DEFAULTS.rollbackSeconds, 30, 3600),
    };
    r.rejectUnknown();
    return network;
}

function readPackages(r: FieldReader, top: FieldReader): PackageSettings {
    const packages: PackageSettings = {
        cloudstackVersion: top.string("cloudstackVersion", DEFAULTS.cloudstackVersion),
        cloudstackRepo: r.string("cloudstackRepo", DEFAULTS.cloudstackRepo),
        cloudstackRepoKeyUrl: r.has("cloudstackRepoKeyUrl") && r.raw.cloudstackRepoKeyUrl === "" ? "" : r.string("cloudstackRepoKeyUrl", DEFAULTS.cloudstackRepoKeyUrl),
        javaPackage: r.string("javaPackage", DEFAULTS.javaPackage),
        javaBinary: r.string("javaBinary", DEFAULTS.javaBinary),
        databaseEngine: r.oneOf("databaseEngine", ["mysql", "mariadb"] as const, DEFAULTS.databaseEngine),
        basePackages: r.stringList("basePackages", DEFAULTS.basePackages),
        nfsServerPackage: r.string("nfsServerPackage", DEFAULTS.nfsServerPackage),
        kvmPackages: r.stringList("kvmPackages", DEFAULTS.kvmPackages),
        systemVmTemplateUrl: r.has("systemVmTemplateUrl") && r.raw.systemVmTemplateUrl === "" ? "" : r.string("systemVmTemplateUrl", DEFAULTS.systemVmTemplateUrl),
        cloudMonkeyUrl: r.has("cloudMonkeyUrl") && r.raw.cloudMonkeyUrl === "" ? "" : r.string("cloudMonkeyUrl", DEFAULTS.cloudMonkeyUrl),
        aptProxy: r.optionalString("aptProxy"),
    };
    r.rejectUnknown();
    return packages;
}

function readNfs(r: FieldReader, nodes: NodeSettings[], network: NetworkSettings, zone: ZoneSettings): NfsSettings {
    const nfsNode = nodes.find((n) => n.roles.includes("nfs"));
    const exportRoot = r.string("exportRoot", DEFAULTS.exportRoot);
    const ports = r.object("ports");
    const server = r.string("server", nfsNode?.publicAddress ?? nfsNode?.address ?? "");
    const nfs: NfsSettings = {
        server,
        exportRoot,
        primaryPath: r.string("primaryPath", `${exportRoot}/primary`),
        secondaryPath: r.string("secondaryPath", `${exportRoot}/secondary`),
        dataDisk: r.optionalString("dataDisk"),
        forceFormat: r.boolean("forceFormat", false),
        allowedCidrs: readAllowedClients(r, () => defaultNfsClients(server, nodes, network, zone)),
        verifyServing: r.boolean("verifyServing", true),
        ports: {
            mountd: ports.integer("mountd", DEFAULTS.nfsPorts.mountd, 1, 65535),
            statd: ports.integer("statd", DEFAULTS.nfsPorts.statd, 1, 65535),
            statdOutgoing: ports.integer("statdOutgoing", DEFAULTS.nfsPorts.statdOutgoing, 1, 65535),
            lockd: ports.integer("lockd", DEFAULTS.nfsPorts.lockd, 1, 65535),
            rquotad: ports.integer("rquotad", DEFAULTS.nfsPorts.rquotad, 1, 65535),
        },
    };
    ports.rejectUnknown();
    r.rejectUnknown();
    return nfs;
}

/**
 * Explicit entries are checked here, where the user wrote them; the computed
 * default is never reported under a key (nfs.allowedCidrs[0]) the file does not contain.
 */
function readAllowedClients(r: FieldReader, computeDefault: () => string[]): string[] {
    if (!r.written("allowedCidrs")) {
        r.has("allowedCidrs");
        return computeDefault();
    }
    const entries = r.stringList("allowedCidrs");
    if (Array.isArray(r.raw.allowedCidrs) && r.raw.allowedCidrs.length === 0) {
        r.problems.note(r.key("allowedCidrs"), "is empty; list the addresses or networks allowed to mount the exports (never *), or delete the key for the default (the nodes, hosts and system VM ranges that need them)");
    }
    entries.forEach((entry, i) => {
        if (!isIPv4(entry) && !isCidr(entry)) r.problems.add(`${r.key("allowedCidrs")}[${i}]`, entry, "expected an IPv4 address or network in CIDR form like 10.15.0.0/24");
    });
    return entries;
}

function readDatabase(r: FieldReader, packages: PackageSettings, nodes: NodeSettings[]): DatabaseSettings {
    const managementServers = Math.max(1, nodes.filter((n) => n.roles.includes("management")).length);
    const database: DatabaseSettings = {
        engine: packages.databaseEngine,
        port: r.integer("port", DEFAULTS.databasePort, 1, 65535),
        bindAddress: r.optionalString("bindAddress"),
        maxConnections: r.integer("maxConnections", DEFAULTS.connectionsPerManagementServer * managementServers, 10, 100000),
        serverId: r.integer("serverId", 1, 1, 4294967295),
    };
    r.rejectUnknown();
    return database;
}

function readManagement(r: FieldReader): ManagementSettings {
    const management: ManagementSettings = {
        encryptionType: r.oneOf("encryptionType", ["file"] as const, "file"),
        apiPath: r.string("apiPath", DEFAULTS.apiPath),
        uiPort: r.integer("uiPort", DEFAULTS.uiPort, 1, 65535),
        startTimeoutSeconds: r.integer("startTimeoutSeconds", DEFAULTS.managementStartTimeoutSeconds, 60, 7200),
    };
    r.rejectUnknown();
    return management;
}

function readKvm(r: FieldReader): KvmSettings {
    const kvm: KvmSettings = {
        requireHardwareVirtualization: r.boolean("requireHardwareVirtualization", true),
    };
    r.removed(
        "libvirtTls",
        "CloudStack itself switches libvirt to TLS with its own CA when it adds the host (addHost runs cloudstack-setup-agent, which sets listen_tls=1 and turns plain TCP off), so there is nothing to choose",
    );
    r.rejectUnknown();
    return kvm;
}

function readMonitoring(r: FieldReader): MonitoringSettings {
    const monitoring: MonitoringSettings = {
        prometheus: r.boolean("prometheus", false),
        prometheusPort: r.integer("prometheusPort", DEFAULTS.prometheusPort, 1, 65535),
        // Empty means CloudStack's own default, the management server itself.
        prometheusAllowedIps: r.stringList("prometheusAllowedIps", []),
    };
    r.rejectUnknown();
    return monitoring;
}

function readBackup(r: FieldReader, stack: string): BackupSettings {
    const backup: BackupSettings = {
        directory: r.string("directory", `backups/${stack}`),
        keep: r.integer("keep", DEFAULTS.backupsKept, 1, 1000),
        includeExports: r.boolean("includeExports", false),
        beforeChange: r.boolean("beforeChange", false),
    };
    r.rejectUnknown();
    return backup;
}

/** "5000-6000" (the seed's form) or separate vniStart/vniEnd. */
function readVniRange(r: FieldReader): { vniStart: number; vniEnd: number } {
    if (r.has("vniRange")) {
        const text = r.string("vniRange");
        const match = /^(\d+)\s*-\s*(\d+)$/.exec(text);
        if (!match) {
            r.problems.add(r.key("vniRange"), text, 'expected "START-END", e.g. "5000-6000"');
            return { vniStart: 0, vniEnd: 0 };
        }
        return { vniStart: Number(match[1]), vniEnd: Number(match[2]) };
    }
    return { vniStart: r.integer("vniStart", undefined, 0, Number.MAX_SAFE_INTEGER), vniEnd: r.integer("vniEnd", undefined, 0, Number.MAX_SAFE_INTEGER) };
}

function readZone(r: FieldReader, network: NetworkSettings): ZoneSettings {
    const dns1 = r.string("dns1", network.dnsServers[0] ?? "");
    const physicalNetworks = r.list(
        "physicalNetworks",
        (p): PhysicalNetworkSettings => {
            const value: PhysicalNetworkSettings = {
                name: p.string("name"),
                isolationMethod: p.oneOf("isolationMethod", ["VXLAN", "VLAN"] as const, "VXLAN"),
                ...readVniRange(p),
                trafficTypes: p.list(
                    "trafficTypes",
                    (t) => {
                        const traffic = {
                            type: t.oneOf("type", TRAFFIC_TYPES),
                            kvmLabel: t.string("kvmLabel"),
                        };
                        t.rejectUnknown();
                        return traffic;
                    },
                    true,
                ),
            };
            p.rejectUnknown();
            return value;
        },
        true,
    );
    const zone: ZoneSettings = {
        name: r.string("name"),
        dns1,
        dns2: r.optionalString("dns2") ?? network.dnsServers[1],
        internalDns1: r.string("internalDns1", dns1),
        internalDns2: r.optionalString("internalDns2"),
        networkType: r.oneOf("networkType", ["Advanced"] as const, "Advanced"),
        guestCidr: r.string("guestCidr"),
        guestMtu: 0,
        physicalNetworks,
        publicIpRanges: r.list(
            "publicIpRanges",
            (p): PublicIpRangeSettings => {
                const range = {
                    physicalNetwork: p.string("physicalNetwork", physicalNetworks[0]?.name ?? ""),
                    startIp: p.string("startIp"),
                    endIp: p.string("endIp"),
                    gateway: p.string("gateway"),
                    netmask: p.string("netmask"),
                    vlan: p.string("vlan", "untagged"),
                };
                p.rejectUnknown();
                return range;
            },
            true,
        ),
        pods: r.list(
            "pods",
            (p): PodSettings => {
                const pod = {
                    name: p.string("name"),
                    gateway: p.string("gateway"),
                    netmask: p.string("netmask"),
                    startIp: p.string("startIp"),
                    endIp: p.string("endIp"),
                };
                p.rejectUnknown();
                return pod;
            },
            true,
        ),
        clusters: r.list(
            "clusters",
            (c): ClusterSettings => {
                const cluster = {
                    name: c.string("name"),
                    pod: c.string("pod"),
                    hypervisor: c.oneOf("hypervisor", ["KVM"] as const, "KVM"),
                    clusterType: c.oneOf("clusterType", ["CloudManaged"] as const, "CloudManaged"),
                };
                c.rejectUnknown();
                return cluster;
            },
            true,
        ),
        hosts: r.list(
            "hosts",
            (h): ZoneHostSettings => {
                const host = {
                    name: h.string("name"),
                    cluster: h.string("cluster"),
                    pod: h.string("pod"),
                    ip: h.string("ip"),
                    node: h.optionalString("node"),
                    username: h.string("username", "root"),
                    useManagementKey: h.boolean("useManagementKey", true),
                };
                h.rejectUnknown();
                return host;
            },
            true,
        ),
        primaryStorages: r.list(
            "primaryStorages",
            (s): PrimaryStorageSettings => {
                const storage = {
                    name: s.string("name"),
                    scope: s.oneOf("scope", ["cluster", "zone"] as const, "cluster"),
                    cluster: s.optionalString("cluster"),
                    pod: s.optionalString("pod"),
                    server: s.string("server"),
                    path: s.string("path"),
                };
                s.rejectUnknown();
                return storage;
            },
            true,
        ),
        secondaryStorages: r.list(
            "secondaryStorages",
            (s): SecondaryStorageSettings => {
                const storage = {
                    name: s.string("name"),
                    server: s.string("server"),
                    path: s.string("path"),
                    provider: s.oneOf("provider", ["NFS"] as const, "NFS"),
                };
                s.rejectUnknown();
                return storage;
            },
            true,
        ),
        readyTimeoutSeconds: r.integer("readyTimeoutSeconds", DEFAULTS.zoneReadyTimeoutSeconds, 60, 86400),
        apiUrl: r.optionalString("apiUrl"),
    };
    zone.guestMtu = r.optionalInteger("guestMtu", 576, 9166) ?? vxlanUnderlayMtu(zone, network) - DEFAULTS.vxlanOverhead;
    r.rejectUnknown();
    return zone;
}

/**
 * MTU of the network the VXLAN tunnels run over: the bridge named by the Guest
 * traffic label. Unknown labels count as the smallest configured MTU.
 */
export function vxlanUnderlayMtu(zone: Pick<ZoneSettings, "physicalNetworks">, network: NetworkSettings): number {
    const segments = [network.management, network.public];
    const mtuOf = (label: string) => {
        const segment = segments.find((s) => s.bridge === label);
        return segment ? segment.mtu ?? DEFAULTS.defaultMtu : Math.min(...segments.map((s) => s.mtu ?? DEFAULTS.defaultMtu));
    };
    const guestLabels = zone.physicalNetworks
        .filter((p) => p.isolationMethod === "VXLAN")
        .flatMap((p) => p.trafficTypes.filter((t) => t.type === "Guest").map((t) => t.kvmLabel));
    return guestLabels.length === 0 ? mtuOf("") : Math.min(...guestLabels.map(mtuOf));
}
