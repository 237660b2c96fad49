/**
 * The seed's example deployment (MISSION.md) as a typed Settings object, for
 * the step builders' tests: management + database on 10.10.0.116 /
 * 10.15.0.116, KVM host 10.10.0.117 / 10.15.0.117, NFS on 10.10.0.118.
 * Built by hand on purpose: these tests must not depend on Pulumi config.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSettings, Settings } from "../../config/settings";

const ssh = { user: "root", port: 22, privateKeyFile: "~/.ssh/id_ed25519" };

function node(name: string, address: string, roles: NodeSettings["roles"], managementAddress?: string): NodeSettings {
    return { name, address, roles, ssh, managementAddress, publicAddress: address, fqdn: `${name}.cloudstack.local`, bridges: roles[0] !== "nfs" };
}

/** A fresh copy each call, so a test can change what it needs. */
export function seedSettings(): Settings {
    return {
        project: "cloudstack-infra",
        stack: "dev",
        nodes: [
            node("cloudstack-mgmt", "10.10.0.116", ["management", "database"], "10.15.0.116"),
            node("kvm-host-01", "10.10.0.117", ["kvm"], "10.15.0.117"),
            node("nfs-storage", "10.10.0.118", ["nfs"]),
        ],
        network: {
            management: { cidr: "10.15.0.0/24", gateway: "10.15.0.1", bridge: "cloudbr0", routes: [{ to: "10.15.0.0/24", via: "10.15.0.1" }] },
            public: { cidr: "10.10.0.0/24", gateway: "10.10.0.1", bridge: "cloudbr1", mtu: 1550, routes: [] },
            defaultRoute: "public",
            dnsServers: ["168.126.63.1", "8.8.8.8"],
            searchDomains: [],
            ntpServers: ["time.bora.net", "0.ubuntu.pool.ntp.org"],
            timezone: "Asia/Seoul",
            domain: "cloudstack.local",
            igmpMaxMemberships: 200,
            rollbackSeconds: 120,
        },
        packages: {
            cloudstackVersion: "4.19.3.0",
            cloudstackRepo: "https://download.cloudstack.org/ubuntu noble 4.19",
            cloudstackRepoKeyUrl: "https://download.cloudstack.org/release.asc",
            javaPackage: "openjdk-11-jre-headless",
            javaBinary: "/usr/lib/jvm/java-11-openjdk-amd64/bin/java",
            databaseEngine: "mysql",
            basePackages: ["chrony", "curl", "ca-certificates", "gnupg", "openssh-server", "python3", "iproute2", "netplan.io"],
            nfsServerPackage: "nfs-kernel-server",
            kvmPackages: ["qemu-system-x86", "libvirt-daemon-system", "libvirt-clients", "cpu-checker", "bridge-utils"],
            systemVmTemplateUrl: "http://download.cloudstack.org/systemvm/4.19/systemvmtemplate-4.19.1-kvm.qcow2.bz2",
            cloudMonkeyUrl: "https://github.com/apache/cloudstack-cloudmonkey/releases/download/6.4.0/cmk.linux.x86-64",
        },
        nfs: {
            server: "10.10.0.118",
            exportRoot: "/export",
            primaryPath: "/export/primary",
            secondaryPath: "/export/secondary",
            dataDisk: "/dev/sdb",
            forceFormat: false,
            verifyServing: true,
            allowedCidrs: ["10.15.0.0/24", "10.10.0.0/24"],
            ports: { mountd: 892, statd: 662, statdOutgoing: 2020, lockd: 32803, rquotad: 875 },
        },
        database: { engine: "mysql", port: 3306, maxConnections: 350, serverId: 1, galeraClusterName: "cloudstack" },
        management: { encryptionType: "file", apiPath: "/client/api", uiPort: 8080, startTimeoutSeconds: 900, agentLbAlgorithm: "static", agentLbCheckIntervalSeconds: 0 },
        kvm: { requireHardwareVirtualization: true },
        loadBalancer: { virtualRouterId: 51, agents: "balancer" },
        zone: {
            name: "TEST",
            dns1: "8.8.8.8",
            dns2: "8.8.4.4",
            internalDns1: "168.126.63.1",
            networkType: "Advanced",
            guestCidr: "192.168.0.0/24",
            guestMtu: 1500,
            physicalNetworks: [
                {
                    name: "PhysicalNetwork",
                    isolationMethod: "VXLAN",
                    vniStart: 5000,
                    vniEnd: 6000,
                    trafficTypes: [
                        { type: "Management", kvmLabel: "cloudbr0" },
                        { type: "Guest", kvmLabel: "cloudbr1" },
                        { type: "Public", kvmLabel: "cloudbr1" },
                        { type: "Storage", kvmLabel: "cloudbr0" },
                    ],
                },
            ],
            publicIpRanges: [{ physicalNetwork: "PhysicalNetwork", startIp: "10.10.0.220", endIp: "10.10.0.230", gateway: "10.10.0.1", netmask: "255.255.255.0", vlan: "untagged" }],
            pods: [{ name: "Internal", gateway: "10.15.0.1", netmask: "255.255.255.0", startIp: "10.15.0.160", endIp: "10.15.0.170" }],
            clusters: [{ name: "testbed", pod: "Internal", hypervisor: "KVM", clusterType: "CloudManaged" }],
            hosts: [{ name: "N12", cluster: "testbed", pod: "Internal", ip: "10.15.0.117", node: "kvm-host-01", username: "root", useManagementKey: true }],
            primaryStorages: [{ name: "banana-primary", scope: "cluster", cluster: "testbed", pod: "Internal", server: "10.10.0.118", path: "/export/primary" }],
            secondaryStorages: [{ name: "banana-secondary", server: "10.10.0.118", path: "/export/secondary", provider: "NFS" }],
            readyTimeoutSeconds: 1800,
        },
        monitoring: { prometheus: false, prometheusPort: 9595, prometheusAllowedIps: ["10.15.0.5"] },
        backup: { directory: "backups/dev", keep: 7, includeExports: false, beforeChange: false },
        secrets: { initialAdminPassword: pulumi.secret("password") },
        destroyData: false,
    };
}
