/**
 * Defaults for everything a stack may leave out. Versions and package names
 * follow what CloudStack 4.19.3.0 needs on Ubuntu 24.04 (docs/DESIGN.md and
 * the reference notes): Java 11, MySQL 8.0, the noble 4.19 repository.
 */
export const DEFAULTS = {
    sshUser: "root",
    sshPort: 22,
    managementBridge: "cloudbr0",
    publicBridge: "cloudbr1",
    dnsServers: ["168.126.63.1", "8.8.8.8"],
    ntpServers: ["0.ubuntu.pool.ntp.org", "1.ubuntu.pool.ntp.org"],
    timezone: "UTC",
    domain: "localdomain",
    // Kernel default is 20, i.e. at most 20 working VXLAN networks per host.
    igmpMaxMemberships: 200,
    rollbackSeconds: 120,

    cloudstackVersion: "4.19.3.0",
    cloudstackRepo: "https://download.cloudstack.org/ubuntu noble 4.19",
    cloudstackRepoKeyUrl: "https://download.cloudstack.org/release.asc",
    javaPackage: "openjdk-11-jre-headless",
    javaBinary: "/usr/lib/jvm/java-11-openjdk-amd64/bin/java",
    databaseEngine: "mysql" as const,
    // wget: the management node seeds the SystemVM template with cloud-install-sys-tmplt, which downloads
    // with wget (scripts/storage/secondary/cloud-install-sys-tmplt@4.19.3.0:237); minimal Ubuntu images lack it.
    basePackages: ["chrony", "curl", "ca-certificates", "gnupg", "openssh-server", "python3", "iproute2", "netplan.io", "wget"],
    nfsServerPackage: "nfs-kernel-server",
    kvmPackages: ["qemu-system-x86", "libvirt-daemon-system", "libvirt-clients", "cpu-checker", "bridge-utils"],
    // 4.19.1.0+ expect SystemVM template version 4.19.1.
    systemVmTemplateUrl: "http://download.cloudstack.org/systemvm/4.19/systemvmtemplate-4.19.1-kvm.qcow2.bz2",
    cloudMonkeyUrl: "https://github.com/apache/cloudstack-cloudmonkey/releases/download/6.4.0/cmk.linux.x86-64",

    exportRoot: "/export",
    nfsPorts: { mountd: 892, statd: 662, statdOutgoing: 2020, lockd: 32803, rquotad: 875 },

    databasePort: 3306,
    galeraClusterName: "cloudstack",
    // keepalived's VRRP id for the balancers' virtual address.
    virtualRouterId: 51,
    // What one management node's pools can hold open: db.cloud.maxActive=250 (management server) +
    // db.usage.maxActive=100 (usage server) (client/conf/db.properties.in@4.19.3.0:37,73), which is also the
    // install guide's 350. The seed's 500 only reserves connections nothing opens. Backups and ops still get
    // in when the pools are full: MySQL admits max_connections + 1, the extra one for CONNECTION_ADMIN (root).
    connectionsPerManagementServer: 350,

    apiPath: "/client/api",
    // The port agents connect to (agent/conf/agent.properties@4.19.3.0:46 port=8250).
    agentPort: 8250,
    // Debian's and Ubuntu's haproxy.cfg put the admin socket here; verify reads the backends from it.
    haproxyStatsSocket: "/run/haproxy/admin.sock",
    uiPort: 8080,
    // The first start runs every schema upgrade.
    managementStartTimeoutSeconds: 900,

    zoneReadyTimeoutSeconds: 1800,
    // VXLAN adds 50 bytes of headers.
    vxlanOverhead: 50,
    minimumVxlanUnderlayMtu: 1550,
    defaultMtu: 1500,
    initialAdminPassword: "password",
    // CloudStack's default exporter port (prometheus.exporter.port).
    prometheusPort: 9595,
    backupsKept: 7,
};

/** More VNIs than this in one range is almost certainly a typo: each VNI becomes a database row. */
export const MAX_VNI_RANGE_SIZE = 16384;
export const MAX_VNI = 16777214;
export const MAX_INTERFACE_NAME = 15;
