/**
 * Every package a node's roles install, as one apt transaction (the common
 * stage's base step installs it; the role steps then find their packages in
 * place). The same list is the package-install floor of bench/lab-deploy.ts.
 */
import { engineOf } from "../../config/databaseEngine";
import { PackageSettings, Role } from "../../config/settings";
import { checked, checkedList } from "../../config/safeValues";

export interface NodePackages {
    /**
     * Package names, each once, without versions: a fresh node gets the pinned CloudStack
     * release (the repository step's apt pin), and a node that has the packages is left alone
     * here. A release change is the role steps' to install (management-packages,
     * cloudstack-agent), after the pre-change backup, which the common stage does not wait for.
     */
    packages: string[];
    /** A KVM host takes recommendations, as its KVM packages always did (libvirt's dnsmasq, the QEMU firmware). */
    withRecommends: boolean;
    /** A role installs CloudStack packages, so the CloudStack repository comes before the transaction. */
    cloudstackRepository: boolean;
}

/** What each role's steps install (templates: nfs-server, database-server, java, management-packages, database-connection, management-systemvm, kvm-packages, cloudstack-agent, loadbalancer-haproxy). */
function rolePackages(role: Role, packages: PackageSettings): string[] {
    const java = checked("package", "packages.javaPackage", packages.javaPackage);
    const engine = engineOf(packages);
    switch (role) {
        case "nfs":
            return [checked("package", "packages.nfsServerPackage", packages.nfsServerPackage)];
        case "database":
            return [engine.serverPackages];
        case "management":
            // The template seeding mounts secondary storage and downloads with wget (management-systemvm).
            return [java, "cloudstack-management", "cloudstack-usage", engine.clientPackage, ...(packages.systemVmTemplateUrl !== "" ? ["nfs-common", "wget"] : [])];
        case "kvm":
            return [...checkedList("package", "packages.kvmPackages", packages.kvmPackages), java, "cloudstack-agent"];
        case "loadbalancer":
            // keepalived only where a virtual address is configured: its own step installs it.
            return ["haproxy", "socat"];
    }
}

export function nodePackages(roles: readonly Role[], packages: PackageSettings): NodePackages {
    const all = [...checkedList("package", "packages.basePackages", packages.basePackages), ...roles.flatMap((role) => rolePackages(role, packages))];
    return {
        packages: [...new Set(all)],
        withRecommends: roles.includes("kvm"),
        cloudstackRepository: roles.includes("management") || roles.includes("kvm"),
    };
}
