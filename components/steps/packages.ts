/**
 * Every package a node's roles install, as one apt transaction (the common
 * stage's base step installs it; the role steps then find their packages in
 * place). The same list is the package-install floor of bench/lab-deploy.ts.
 */
import { engineOf } from "../../config/databaseEngine";
import { PackageSettings, Role } from "../../config/settings";
import { checked, checkedList } from "../../config/safeValues";
import { cloudstackVersion } from "./shared";

export interface NodePackages {
    /** NAME or NAME=VERSION (a version prefix the apt pin enforces), each once. */
    packages: string[];
    /** A KVM host takes recommendations, as its KVM packages always did (libvirt's dnsmasq, the QEMU firmware). */
    withRecommends: boolean;
    /** A role installs CloudStack packages, so the CloudStack repository comes before the transaction. */
    cloudstackRepository: boolean;
}

/** What each role's steps install (templates: nfs-server, database-server, java, management-packages, database-connection, management-systemvm, kvm-packages, cloudstack-agent). */
function rolePackages(role: Role, packages: PackageSettings): string[] {
    const version = cloudstackVersion(packages);
    const java = checked("package", "packages.javaPackage", packages.javaPackage);
    const engine = engineOf(packages);
    switch (role) {
        case "nfs":
            return [checked("package", "packages.nfsServerPackage", packages.nfsServerPackage)];
        case "database":
            return [engine.serverPackages];
        case "management":
            // The template seeding mounts secondary storage and downloads with wget (management-systemvm).
            return [java, `cloudstack-management=${version}`, `cloudstack-usage=${version}`, engine.clientPackage, ...(packages.systemVmTemplateUrl !== "" ? ["nfs-common", "wget"] : [])];
        case "kvm":
            return [...checkedList("package", "packages.kvmPackages", packages.kvmPackages), java, `cloudstack-agent=${version}`];
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
