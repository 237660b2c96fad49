/**
 * The seed's settings (tests/unit/steps-fixture.ts) adapted to a running test
 * lab (tests/lab): its hosts and addresses, and what Debian 12 offers where
 * Ubuntu 24.04 differs (MariaDB, Java 17, no CloudStack repository reachable,
 * no kernel NFS server).
 */
import { NodeSettings, Role, Settings } from "../../config/settings";
import { LabInventory } from "../support/lab";
import { seedSettings } from "../unit/steps-fixture";

/** Settings for a lab whose hosts take the given roles, in inventory order. */
export function labSettings(inventory: LabInventory, roles: Role[][]): Settings {
    const settings = seedSettings();
    const domain = "lab.test";
    settings.nodes = inventory.hosts.slice(0, roles.length).map(
        (host, i): NodeSettings => ({
            name: host.name,
            address: host.managementIp,
            roles: roles[i],
            ssh: { user: host.user, port: host.sshPort, privateKeyFile: inventory.privateKeyFile, hostKey: host.hostKey },
            managementAddress: host.managementIp,
            publicAddress: host.publicIp,
            fqdn: `${host.name}.${domain}`,
            bridges: false,
        }),
    );
    settings.network.management.cidr = inventory.managementCidr;
    settings.network.public.cidr = inventory.publicCidr;
    settings.network.domain = domain;
    settings.network.timezone = "Asia/Seoul";
    Object.assign(settings.packages, {
        aptProxy: inventory.aptProxy,
        // No key: the lab cannot download one (the repository itself is unreachable there too).
        cloudstackRepoKeyUrl: "",
        basePackages: ["chrony", "curl", "ca-certificates", "python3", "iproute2"],
        databaseEngine: "mariadb",
        javaPackage: "openjdk-17-jre-headless",
        javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
        kvmPackages: ["qemu-system-x86", "libvirt-daemon-system", "libvirt-clients"],
    });
    settings.database.engine = "mariadb";
    Object.assign(settings.nfs, {
        server: inventory.hosts[0].managementIp,
        dataDisk: undefined,
        verifyServing: false,
        allowedCidrs: [inventory.managementCidr],
    });
    settings.kvm.requireHardwareVirtualization = false;
    return settings;
}
