/** Checks of what the nodes install and keep: packages, NFS paths, the database address, monitoring and backups. */
import { isIPv4 } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { checkCloudstackRelease } from "./release";
import { checkIp, K } from "./values";

export function checkPackagesAndPaths(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    const { packages, nfs } = settings;
    checkCloudstackRelease(packages, problems);
    const [repoUrl, ...suite] = packages.cloudstackRepo.split(/\s+/);
    if (!isSafe("url", repoUrl ?? "") || suite.length !== 2) {
        problems.add(K("packages.cloudstackRepo"), packages.cloudstackRepo, 'expected "URL SUITE COMPONENT", e.g. "https://download.cloudstack.org/ubuntu noble 4.19"');
    }
    const urls: [string, string][] = [
        ["packages.cloudstackRepoKeyUrl", packages.cloudstackRepoKeyUrl],
        ["packages.systemVmTemplateUrl", packages.systemVmTemplateUrl],
        ["packages.cloudMonkeyUrl", packages.cloudMonkeyUrl],
        ["packages.aptProxy", packages.aptProxy ?? ""],
        ["upgrade.systemVmTemplateUrl", settings.upgrade?.systemVmTemplateUrl ?? ""],
    ];
    for (const [key, url] of urls) {
        if (url !== "" && !isSafe("url", url)) problems.add(K(key), url, "expected an http(s) URL");
    }
    const packageLists: [string, string[]][] = [
        ["packages.basePackages", packages.basePackages],
        ["packages.kvmPackages", packages.kvmPackages],
        ["packages.javaPackage", [packages.javaPackage]],
        ["packages.nfsServerPackage", [packages.nfsServerPackage]],
    ];
    for (const [key, names] of packageLists) {
        names.forEach((name) => {
            if (!isSafe("package", name)) problems.add(K(key), name, "expected a Debian package name (lower case, digits, + . -)");
        });
    }
    if (!isSafe("path", packages.javaBinary)) problems.add(K("packages.javaBinary"), packages.javaBinary, "expected an absolute path");
    for (const [key, path] of [
        ["nfs.exportRoot", nfs.exportRoot],
        ["nfs.primaryPath", nfs.primaryPath],
        ["nfs.secondaryPath", nfs.secondaryPath],
    ] as const) {
        if (!isSafe("path", path) || path.includes("..")) problems.add(K(key), path, "expected an absolute path without '..'");
    }
    for (const [key, path] of [
        ["nfs.primaryPath", nfs.primaryPath],
        ["nfs.secondaryPath", nfs.secondaryPath],
    ] as const) {
        if (isSafe("path", path) && !path.startsWith(`${nfs.exportRoot}/`)) problems.add(K(key), path, `must lie below nfs.exportRoot (${nfs.exportRoot})`);
    }
    if (nfs.dataDisk !== undefined && !/^\/dev\/[A-Za-z0-9/_-]+$/.test(nfs.dataDisk)) {
        problems.add(K("nfs.dataDisk"), nfs.dataDisk, "expected a block device path such as /dev/sdb");
    }
    // "" when no node has the nfs role and none is named: that is reported once, at cloudstack:nodes.
    if (nfs.server !== "" && !isIPv4(nfs.server) && !isSafe("host", nfs.server)) problems.add(K("nfs.server"), nfs.server, "expected the NFS server's IPv4 address or DNS name");
    // nfs.allowedCidrs entries are checked where they are read (config/read/nfs.ts): the default names no key.
    if (settings.database.bindAddress !== undefined) checkIp(problems, "database.bindAddress", settings.database.bindAddress, "10.15.0.116");
}

export function checkOperations(settings: Settings, problems: ConfigProblems): void {
    settings.monitoring.prometheusAllowedIps.forEach((entry, i) => {
        // CloudStack compares the scraper's address with each entry as a string: a CIDR would never match.
        if (!isIPv4(entry)) problems.add(K(`monitoring.prometheusAllowedIps[${i}]`), entry, "expected an IPv4 address (CloudStack's prometheus.exporter.allowed.ips takes no CIDR), e.g. the Prometheus server's address");
    });
    if (!/^[A-Za-z0-9._/~-]+$/.test(settings.backup.directory)) problems.add(K("backup.directory"), settings.backup.directory, "expected a directory path (letters, digits, . _ / ~ -)");
}
