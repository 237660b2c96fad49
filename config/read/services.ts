/** Reads what the nodes install and run: packages, database, management server, KVM, monitoring and backups. */
import { DEFAULTS } from "../defaults";
import { releaseLineOf } from "../cloudstackReleases";
import { FieldReader } from "../fields";
import { BackupSettings, DatabaseSettings, KvmSettings, LoadBalancerSettings, ManagementSettings, MonitoringSettings, NodeSettings, PackageSettings, UpgradeSettings } from "../settings";

export function readPackages(r: FieldReader, top: FieldReader): PackageSettings {
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
        // The default is the template of the release's line (4.20 needs its own), the 4.19 one for unknown releases.
        systemVmTemplateUrl: r.has("systemVmTemplateUrl") && r.raw.systemVmTemplateUrl === "" ? "" : r.string("systemVmTemplateUrl", defaultTemplateUrl(top)),
        cloudMonkeyUrl: r.has("cloudMonkeyUrl") && r.raw.cloudMonkeyUrl === "" ? "" : r.string("cloudMonkeyUrl", DEFAULTS.cloudMonkeyUrl),
        aptProxy: r.optionalString("aptProxy"),
    };
    r.rejectUnknown();
    return packages;
}

function defaultTemplateUrl(top: FieldReader): string {
    const version = typeof top.raw.cloudstackVersion === "string" ? top.raw.cloudstackVersion : DEFAULTS.cloudstackVersion;
    return releaseLineOf(version)?.systemVmTemplate.url ?? DEFAULTS.systemVmTemplateUrl;
}

export function readDatabase(r: FieldReader, packages: PackageSettings, nodes: NodeSettings[]): DatabaseSettings {
    const managementServers = Math.max(1, nodes.filter((n) => n.roles.includes("management")).length);
    const database: DatabaseSettings = {
        engine: packages.databaseEngine,
        port: r.integer("port", DEFAULTS.databasePort, 1, 65535),
        bindAddress: r.optionalString("bindAddress"),
        maxConnections: r.integer("maxConnections", DEFAULTS.connectionsPerManagementServer * managementServers, 10, 100000),
        serverId: r.integer("serverId", 1, 1, 4294967295),
        galeraClusterName: r.string("galeraClusterName", DEFAULTS.galeraClusterName),
    };
    r.rejectUnknown();
    return database;
}

export function readManagement(r: FieldReader): ManagementSettings {
    const management: ManagementSettings = {
        encryptionType: r.oneOf("encryptionType", ["file"] as const, "file"),
        apiPath: r.string("apiPath", DEFAULTS.apiPath),
        uiPort: r.integer("uiPort", DEFAULTS.uiPort, 1, 65535),
        startTimeoutSeconds: r.integer("startTimeoutSeconds", DEFAULTS.managementStartTimeoutSeconds, 60, 7200),
        agentLbAlgorithm: r.oneOf("agentLbAlgorithm", ["static", "roundrobin", "shuffle"] as const, "static"),
        agentLbCheckIntervalSeconds: r.integer("agentLbCheckIntervalSeconds", 0, 0, 86400),
        usageNode: r.optionalString("usageNode"),
    };
    r.rejectUnknown();
    return management;
}

export function readLoadBalancer(r: FieldReader): LoadBalancerSettings {
    const loadBalancer: LoadBalancerSettings = {
        virtualAddress: r.optionalString("virtualAddress"),
        virtualRouterId: r.integer("virtualRouterId", DEFAULTS.virtualRouterId, 1, 255),
        agents: r.oneOf("agents", ["balancer", "servers"] as const, "balancer"),
    };
    r.rejectUnknown();
    return loadBalancer;
}

export function readKvm(r: FieldReader): KvmSettings {
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

export function readMonitoring(r: FieldReader): MonitoringSettings {
    const monitoring: MonitoringSettings = {
        prometheus: r.boolean("prometheus", false),
        prometheusPort: r.integer("prometheusPort", DEFAULTS.prometheusPort, 1, 65535),
        // Empty means CloudStack's own default, the management server itself.
        prometheusAllowedIps: r.stringList("prometheusAllowedIps", []),
    };
    r.rejectUnknown();
    return monitoring;
}

export function readBackup(r: FieldReader, stack: string): BackupSettings {
    const backup: BackupSettings = {
        directory: r.string("directory", `backups/${stack}`),
        keep: r.integer("keep", DEFAULTS.backupsKept, 1, 1000),
        includeExports: r.boolean("includeExports", false),
        beforeChange: r.boolean("beforeChange", false),
    };
    r.rejectUnknown();
    return backup;
}

export function readUpgrade(r: FieldReader): UpgradeSettings {
    const upgrade: UpgradeSettings = {
        ignoreVerify: r.boolean("ignoreVerify", false),
        systemVmTemplateUrl: r.optionalString("systemVmTemplateUrl"),
        waitSeconds: r.integer("waitSeconds", 900, 60, 86400),
    };
    r.rejectUnknown();
    return upgrade;
}
