/**
 * Semantic checks of the typed settings, run before any resource is
 * registered. Every rule reports through ConfigProblems so one run lists all
 * mistakes, each with the config key, the value and what is allowed.
 */
import { DEFAULTS, MAX_INTERFACE_NAME, MAX_VNI, MAX_VNI_RANGE_SIZE } from "./defaults";
import { isSafe } from "./safeValues";
import { vxlanUnderlayMtu } from "./buildSettings";
import {
    cidrContains,
    cidrsOverlap,
    IpRange,
    isCidr,
    isIPv4,
    isNetmask,
    networkOf,
    prefixOfNetmask,
    rangeContains,
    rangesOverlap,
    toNumber,
} from "./net";
import { ConfigProblems } from "./problems";
import { NetworkSegmentSettings, NetworkSettings, Role, ROLES, Settings, TRAFFIC_TYPES, ZoneSettings } from "./settings";


/** Which network's bridge carries VXLAN Guest traffic (the one with the smaller MTU when both do). */
function guestSegmentName(zone: ZoneSettings, network: NetworkSettings): "management" | "public" | undefined {
    const labels = zone.physicalNetworks.filter((p) => p.isolationMethod === "VXLAN").flatMap((p) => p.trafficTypes.filter((t) => t.type === "Guest").map((t) => t.kvmLabel));
    const names = (["management", "public"] as const).filter((n) => labels.includes(network[n].bridge));
    return names.sort((a, b) => (network[a].mtu ?? DEFAULTS.defaultMtu) - (network[b].mtu ?? DEFAULTS.defaultMtu))[0];
}

const K = (path: string) => `cloudstack:${path}`;

// Linux interface names: at most 15 bytes, no '/', ':' or whitespace.

/** A zone-only stack builds the zone on an existing management server and provisions no node. */
export function isZoneOnly(settings: Settings): boolean {
    return settings.zone.apiUrl !== undefined && settings.nodes.length === 0;
}

export function validateSettings(settings: Settings, problems: ConfigProblems): void {
    checkNodes(settings, problems);
    checkNetwork(settings, problems);
    checkPackagesAndPaths(settings, problems);
    checkZoneAddresses(settings, problems);
    checkZoneOverlaps(settings, problems);
    checkPodSubnets(settings, problems);
    checkStorageUnderExportRoot(settings, problems);
    checkZoneNames(settings, problems);
    checkZoneReferences(settings, problems);
    checkVxlan(settings, problems);
    checkSecrets(settings, problems);
    checkOperations(settings, problems);
}

function checkOperations(settings: Settings, problems: ConfigProblems): void {
    settings.monitoring.prometheusAllowedIps.forEach((entry, i) => {
        // CloudStack compares the scraper's address with each entry as a string: a CIDR would never match.
        if (!isIPv4(entry)) problems.add(K(`monitoring.prometheusAllowedIps[${i}]`), entry, "expected an IPv4 address (CloudStack's prometheus.exporter.allowed.ips takes no CIDR), e.g. the Prometheus server's address");
    });
    if (!/^[A-Za-z0-9._/~-]+$/.test(settings.backup.directory)) problems.add(K("backup.directory"), settings.backup.directory, "expected a directory path (letters, digits, . _ / ~ -)");
}

// "" is what a reader returns for a key it already reported as missing or mistyped: not reported twice.
function checkIp(problems: ConfigProblems, key: string, value: string | undefined, example: string): boolean {
    if (value === undefined || value === "") return false;
    if (isIPv4(value)) return true;
    problems.add(K(key), value, `expected an IPv4 address like ${example}`);
    return false;
}

function checkCidr(problems: ConfigProblems, key: string, value: string, example: string): boolean {
    if (isCidr(value)) return true;
    if (value === "") return false;
    problems.add(K(key), value, `expected an IPv4 network in CIDR form like ${example}`);
    return false;
}

function checkInterfaceName(problems: ConfigProblems, key: string, value: string): boolean {
    if (value === "") return false;
    if (value.length <= MAX_INTERFACE_NAME && isSafe("interface", value)) return true;
    problems.add(K(key), value, `expected an interface name of at most ${MAX_INTERFACE_NAME} characters (letters, digits, _ . -); Linux refuses longer names`);
    return false;
}

function checkNodes(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    const seen = new Map<string, number>();
    settings.nodes.forEach((node, i) => {
        const key = `nodes[${i}]`;
        if (node.name !== "" && !isSafe("hostLabel", node.name)) {
            problems.add(K(`${key}.name`), node.name, "expected a host name (letters, digits and '-', at most 63 characters)");
        }
        const lower = node.name.toLowerCase();
        if (seen.has(lower)) problems.add(K(`${key}.name`), node.name, `duplicates nodes[${seen.get(lower)}].name; node names must be unique`);
        seen.set(lower, i);
        // An address, not a name: the config is read synchronously, so a name could not be resolved at preview,
        // and one that does not resolve would only fail at the first SSH dial.
        checkIp(problems, `${key}.address`, node.address, "10.10.0.116 (the address the controller reaches over SSH; a host name cannot be checked at preview)");
        // The default fqdn is built from the name: a bad name is reported once, at the name.
        if (isSafe("hostLabel", node.name) && !isSafe("host", node.fqdn)) problems.add(K(`${key}.fqdn`), node.fqdn, "expected a fully qualified DNS name");
        if (node.roles.length === 0) problems.add(K(`${key}.roles`), node.roles, `expected at least one of ${ROLES.join(", ")}`);
        if (node.roles.includes("management") && node.roles.includes("kvm")) {
            // Both roles install Java and the CloudStack repository as steps of the same name.
            problems.add(K(`${key}.roles`), node.roles, "management and kvm on one machine is not supported by this version; use separate machines");
        }
        if (!node.ssh.password && !node.ssh.privateKey && !node.ssh.privateKeyFile) {
            problems.note(
                K(`${key}.ssh`),
                `node ${node.name} has no SSH credentials; set cloudstack:ssh.privateKeyFile, or a secret ssh.password / ssh.privateKey (pulumi config set --secret --path ...)`,
            );
        }
        if (node.ssh.privateKeyFile !== undefined && !/^(~\/|\/)/.test(node.ssh.privateKeyFile)) {
            problems.add(K(`${key}.ssh.privateKeyFile`), node.ssh.privateKeyFile, "expected an absolute path or one starting with ~/");
        }
        if (node.ssh.hostKey !== undefined && !/^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/=]+( .*)?$/.test(node.ssh.hostKey)) {
            problems.add(K(`${key}.ssh.hostKey`), node.ssh.hostKey, 'expected a public key in authorized_keys form, e.g. "ssh-ed25519 AAAA..."');
        }
        if (checkIp(problems, `${key}.managementAddress`, node.managementAddress, "10.15.0.116") && isCidr(settings.network.management.cidr)) {
            if (!cidrContains(settings.network.management.cidr, node.managementAddress!)) {
                problems.add(K(`${key}.managementAddress`), node.managementAddress, `must lie inside the management network ${settings.network.management.cidr}`);
            }
        }
        if (checkIp(problems, `${key}.publicAddress`, node.publicAddress, "10.10.0.116") && isCidr(settings.network.public.cidr)) {
            if (!cidrContains(settings.network.public.cidr, node.publicAddress!)) {
                problems.add(K(`${key}.publicAddress`), node.publicAddress, `must lie inside the public network ${settings.network.public.cidr}`);
            }
        }
    });
    const count = (role: Role) => settings.nodes.filter((n) => n.roles.includes(role)).length;
    for (const role of ROLES) {
        if (count(role) === 0) {
            problems.note(K("nodes"), `no node has the role "${role}"; every stack needs management, database, nfs and kvm nodes (or set cloudstack:zone.apiUrl and no nodes for a zone-only stack)`);
        }
    }
    for (const role of ["database", "nfs"] as const) {
        if (count(role) > 1) problems.add(K("nodes"), settings.nodes.filter((n) => n.roles.includes(role)).map((n) => n.name), `only one node may have the role "${role}"`);
    }
    if (count("management") > 1) {
        problems.add(K("nodes"), settings.nodes.filter((n) => n.roles.includes("management")).map((n) => n.name), 'only one management node is supported by this version');
    }
}

function checkSegment(problems: ConfigProblems, name: "management" | "public", segment: NetworkSegmentSettings): void {
    const key = `network.${name}`;
    const cidrOk = checkCidr(problems, `${key}.cidr`, segment.cidr, name === "management" ? "10.15.0.0/24" : "10.10.0.0/24");
    if (checkIp(problems, `${key}.gateway`, segment.gateway, name === "management" ? "10.15.0.1" : "10.10.0.1") && cidrOk) {
        if (!cidrContains(segment.cidr, segment.gateway)) problems.add(K(`${key}.gateway`), segment.gateway, `must lie inside ${segment.cidr}`);
    }
    checkInterfaceName(problems, `${key}.bridge`, segment.bridge);
    segment.routes.forEach((route, i) => {
        if (checkCidr(problems, `${key}.routes[${i}].to`, route.to, "192.168.50.0/24") && cidrOk && cidrsOverlap(route.to, segment.cidr)) {
            // The bridge's own network is on-link; a route "via" a gateway would send neighbours' traffic through it.
            problems.add(K(`${key}.routes[${i}].to`), route.to, `overlaps ${segment.cidr}, the network this bridge is connected to; it needs no route`);
        }
        if (checkIp(problems, `${key}.routes[${i}].via`, route.via, segment.gateway) && cidrOk && !cidrContains(segment.cidr, route.via)) {
            problems.add(K(`${key}.routes[${i}].via`), route.via, `must be a next hop inside ${segment.cidr}`);
        }
    });
}

function checkNetwork(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    const { network } = settings;
    checkSegment(problems, "management", network.management);
    checkSegment(problems, "public", network.public);
    if (network.management.bridge === network.public.bridge) {
        problems.add(K("network.public.bridge"), network.public.bridge, "must differ from network.management.bridge");
    }
    if (isCidr(network.management.cidr) && isCidr(network.public.cidr) && cidrsOverlap(network.management.cidr, network.public.cidr)) {
        problems.add(K("network.public.cidr"), network.public.cidr, `overlaps the management network ${network.management.cidr}; they must be separate networks`);
    }
    network.dnsServers.forEach((dns, i) => checkIp(problems, `network.dnsServers[${i}]`, dns, "8.8.8.8"));
    network.ntpServers.forEach((ntp, i) => {
        if (!isIPv4(ntp) && !isSafe("host", ntp)) problems.add(K(`network.ntpServers[${i}]`), ntp, "expected a host name or IPv4 address");
    });
    network.searchDomains.forEach((d, i) => {
        if (!isSafe("host", d)) problems.add(K(`network.searchDomains[${i}]`), d, "expected a DNS domain");
    });
    if (!isSafe("host", network.domain)) problems.add(K("network.domain"), network.domain, "expected a DNS domain");
    if (network.timezone !== "" && !isTimezone(network.timezone)) {
        problems.add(K("network.timezone"), network.timezone, 'expected a tz database name (case-sensitive) such as "Asia/Seoul", "UTC" or "Etc/GMT-9"; timedatectl refuses names it does not know');
    }
}

/**
 * The tz database names Node's ICU knows (canonical names), plus UTC and the
 * Etc/ zones. Ubuntu's tzdata has all of them; the list is part of the Node
 * binary, so the answer does not depend on the controller's /usr/share/zoneinfo.
 * Deprecated links (US/Eastern) are refused: use the canonical name.
 */
function isTimezone(name: string): boolean {
    if (name === "UTC" || (Intl as unknown as { supportedValuesOf(key: "timeZone"): string[] }).supportedValuesOf("timeZone").includes(name)) return true;
    // ICU accepts any letter case; timedatectl does not, so the Etc/ names are matched exactly here.
    if (!/^Etc\/(UTC|UCT|Universal|Zulu|Greenwich|GMT([+-]\d{1,2})?)$/.test(name)) return false;
    try {
        return new Intl.DateTimeFormat("en", { timeZone: name }) !== undefined;
    } catch {
        return false;
    }
}

function checkPackagesAndPaths(settings: Settings, problems: ConfigProblems): void {
    if (isZoneOnly(settings)) return;
    const { packages, nfs } = settings;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(packages.cloudstackVersion)) {
        problems.add(K("cloudstackVersion"), packages.cloudstackVersion, "expected a four-part version such as 4.19.3.0");
    } else if (!packages.cloudstackVersion.startsWith("4.19.")) {
        problems.add(K("cloudstackVersion"), packages.cloudstackVersion, "this program deploys CloudStack 4.19 (Java 11, noble packages); other versions need other host settings");
    }
    const [repoUrl, ...suite] = packages.cloudstackRepo.split(/\s+/);
    if (!isSafe("url", repoUrl ?? "") || suite.length !== 2) {
        problems.add(K("packages.cloudstackRepo"), packages.cloudstackRepo, 'expected "URL SUITE COMPONENT", e.g. "https://download.cloudstack.org/ubuntu noble 4.19"');
    }
    const urls: [string, string][] = [
        ["packages.cloudstackRepoKeyUrl", packages.cloudstackRepoKeyUrl],
        ["packages.systemVmTemplateUrl", packages.systemVmTemplateUrl],
        ["packages.cloudMonkeyUrl", packages.cloudMonkeyUrl],
        ["packages.aptProxy", packages.aptProxy ?? ""],
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
    // nfs.allowedCidrs entries are checked where they are read (buildSettings): the default names no key.
    if (settings.database.bindAddress !== undefined) checkIp(problems, "database.bindAddress", settings.database.bindAddress, "10.15.0.116");
}

interface NamedRange extends IpRange {
    key: string;
    label: string;
}

function zoneRanges(settings: Settings): NamedRange[] {
    const { zone } = settings;
    return [
        ...zone.pods.map((p, i) => ({ key: `zone.pods[${i}]`, label: `pod ${p.name}`, start: p.startIp, end: p.endIp })),
        ...zone.publicIpRanges.map((r, i) => ({ key: `zone.publicIpRanges[${i}]`, label: `public range ${r.startIp}-${r.endIp}`, start: r.startIp, end: r.endIp })),
    ];
}

/** Checks one range with its gateway and netmask; true when all parts are well formed and consistent (so callers add no follow-ons). */
function checkRange(problems: ConfigProblems, key: string, range: { startIp: string; endIp: string; gateway: string; netmask: string }): boolean {
    const okStart = checkIp(problems, `${key}.startIp`, range.startIp, "10.15.0.160");
    const okEnd = checkIp(problems, `${key}.endIp`, range.endIp, "10.15.0.170");
    const okGateway = checkIp(problems, `${key}.gateway`, range.gateway, "10.15.0.1");
    const okMask = isNetmask(range.netmask);
    if (!okMask) problems.add(K(`${key}.netmask`), range.netmask, "expected a netmask like 255.255.255.0");
    if (!(okStart && okEnd && okGateway && okMask)) return false;
    if (toNumber(range.startIp) > toNumber(range.endIp)) {
        problems.add(K(`${key}.startIp`), range.startIp, `must not be after endIp ${range.endIp}`);
        return false;
    }
    const cidr = `${range.gateway}/${prefixOfNetmask(range.netmask)}`;
    let inside = true;
    for (const field of ["startIp", "endIp"] as const) {
        if (!cidrContains(cidr, range[field])) {
            problems.add(K(`${key}.${field}`), range[field], `must lie inside the network ${networkCidr(cidr)} of its gateway and netmask`);
            inside = false;
        }
    }
    if (rangeContains({ start: range.startIp, end: range.endIp }, range.gateway)) {
        problems.add(K(`${key}.gateway`), range.gateway, `lies inside its own range ${range.startIp}-${range.endIp}; the gateway must be outside it`);
    }
    return inside;
}

function networkCidr(cidr: string): string {
    const net = networkOf(cidr);
    const first = [24, 16, 8, 0].map((shift) => Number((net.first >> BigInt(shift)) & 255n)).join(".");
    return `${first}/${net.prefix}`;
}

function checkZoneAddresses(settings: Settings, problems: ConfigProblems): void {
    const { zone, network } = settings;
    if (zone.name !== "" && !isSafe("objectName", zone.name)) problems.add(K("zone.name"), zone.name, "expected a name of letters, digits, space, _ . -");
    checkIp(problems, "zone.dns1", zone.dns1, "8.8.8.8");
    checkIp(problems, "zone.dns2", zone.dns2, "8.8.4.4");
    checkIp(problems, "zone.internalDns1", zone.internalDns1, "10.15.0.1");
    checkIp(problems, "zone.internalDns2", zone.internalDns2, "10.15.0.2");
    if (zone.apiUrl !== undefined && !isSafe("url", zone.apiUrl)) problems.add(K("zone.apiUrl"), zone.apiUrl, "expected http(s)://HOST:PORT/client/api");
    const zoneOnly = isZoneOnly(settings);
    const guestCidrOk = checkCidr(problems, "zone.guestCidr", zone.guestCidr, "192.168.0.0/24");
    if (guestCidrOk && !isPrivateGuestCidr(zone.guestCidr)) {
        // utils/src/main/java/com/cloud/utils/net/NetUtils.java@4.19.3.0:1141 (validateGuestCidr): createZone refuses anything else.
        problems.add(K("zone.guestCidr"), zone.guestCidr, "must lie inside private address space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10); CloudStack refuses other guest CIDRs");
    }
    if (guestCidrOk && !zoneOnly) {
        for (const name of ["management", "public"] as const) {
            if (isCidr(network[name].cidr) && cidrsOverlap(zone.guestCidr, network[name].cidr)) {
                problems.add(K("zone.guestCidr"), zone.guestCidr, `overlaps the ${name} network ${network[name].cidr}; guest networks must not overlap the underlying L3 networks`);
            }
        }
    }
    zone.pods.forEach((pod, i) => {
        if (checkRange(problems, `zone.pods[${i}]`, pod) && !zoneOnly && isCidr(network.management.cidr)) {
            for (const field of ["startIp", "endIp", "gateway"] as const) {
                if (!cidrContains(network.management.cidr, pod[field])) {
                    problems.add(K(`zone.pods[${i}].${field}`), pod[field], `must lie inside the management network ${network.management.cidr} (the pod range holds system VM management addresses)`);
                }
            }
        }
    });
    zone.publicIpRanges.forEach((range, i) => {
        if (checkRange(problems, `zone.publicIpRanges[${i}]`, range) && !zoneOnly && isCidr(network.public.cidr)) {
            for (const field of ["startIp", "endIp"] as const) {
                if (!cidrContains(network.public.cidr, range[field])) {
                    problems.add(K(`zone.publicIpRanges[${i}].${field}`), range[field], `must lie inside the public network ${network.public.cidr}`);
                }
            }
        }
        if (range.vlan !== "untagged" && !/^\d+$/.test(range.vlan)) {
            problems.add(K(`zone.publicIpRanges[${i}].vlan`), range.vlan, 'expected "untagged" or a VLAN number');
        }
    });
    zone.hosts.forEach((host, i) => {
        if (checkIp(problems, `zone.hosts[${i}].ip`, host.ip, "10.15.0.117") && !zoneOnly && isCidr(network.management.cidr) && !cidrContains(network.management.cidr, host.ip)) {
            problems.add(K(`zone.hosts[${i}].ip`), host.ip, `must lie inside the management network ${network.management.cidr}`);
        }
    });
    [...zone.primaryStorages, ...zone.secondaryStorages].forEach((storage) => {
        const key = storageKey(settings, storage.name);
        if (storage.server !== "" && !isIPv4(storage.server) && !isSafe("host", storage.server)) problems.add(K(`${key}.server`), storage.server, "expected the NFS server's IPv4 address or DNS name");
        if (storage.path !== "" && !isSafe("path", storage.path)) problems.add(K(`${key}.path`), storage.path, "expected an absolute export path such as /export/primary");
    });
}

const GUEST_CIDR_BLOCKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"];

function isPrivateGuestCidr(cidr: string): boolean {
    const net = networkOf(cidr);
    return GUEST_CIDR_BLOCKS.some((block) => {
        const b = networkOf(block);
        return net.prefix >= b.prefix && net.first >= b.first && net.last <= b.last;
    });
}

/**
 * Two pods of a zone whose subnets (gateway/netmask) overlap: createPod refuses the
 * second with "The subnet of the pod you are adding conflicts with the subnet of pod
 * ... Please specify a different CIDR." It compares both subnets at the shorter prefix
 * (server/src/main/java/com/cloud/configuration/ConfigurationManagerImpl.java@4.19.3.0:6011-6018).
 */
function checkPodSubnets(settings: Settings, problems: ConfigProblems): void {
    const pods = settings.zone.pods
        .map((pod, i) => ({ pod, i, cidr: isIPv4(pod.gateway) && isNetmask(pod.netmask) ? `${pod.gateway}/${prefixOfNetmask(pod.netmask)}` : "" }))
        .filter((p) => p.cidr !== "");
    for (let a = 0; a < pods.length; a++) {
        for (let b = a + 1; b < pods.length; b++) {
            if (cidrsOverlap(pods[a].cidr, pods[b].cidr)) {
                problems.add(
                    K(`zone.pods[${pods[b].i}].gateway`),
                    pods[b].pod.gateway,
                    `with netmask ${pods[b].pod.netmask} makes the subnet ${networkCidr(pods[b].cidr)}, which conflicts with the subnet ${networkCidr(pods[a].cidr)} of pod ${pods[a].pod.name}; CloudStack refuses two pods of a zone in one subnet. Put the ranges in one pod, or give each pod its own subnet`,
                );
            }
        }
    }
}

/** Storage on the NFS node must be a path the node exports, i.e. under nfs.exportRoot. */
function checkStorageUnderExportRoot(settings: Settings, problems: ConfigProblems): void {
    const { nfs, zone } = settings;
    if (isZoneOnly(settings) || nfs.server === "") return;
    const storages = [
        ...zone.primaryStorages.map((s, i) => ({ s, key: `zone.primaryStorages[${i}].path` })),
        ...zone.secondaryStorages.map((s, i) => ({ s, key: `zone.secondaryStorages[${i}].path` })),
    ];
    for (const { s, key } of storages) {
        if (s.server === nfs.server && isSafe("path", s.path) && !s.path.startsWith(`${nfs.exportRoot}/`)) {
            problems.add(K(key), s.path, `is on the NFS node (${nfs.server}) but not under nfs.exportRoot (${nfs.exportRoot}), which is all it exports`);
        }
    }
}

function storageKey(settings: Settings, name: string): string {
    const p = settings.zone.primaryStorages.findIndex((s) => s.name === name);
    return p >= 0 ? `zone.primaryStorages[${p}]` : `zone.secondaryStorages[${settings.zone.secondaryStorages.findIndex((s) => s.name === name)}]`;
}

/** Ranges that overlap each other, or that contain a node's or host's own address. */
function checkZoneOverlaps(settings: Settings, problems: ConfigProblems): void {
    const ranges = zoneRanges(settings).filter((r) => isIPv4(r.start) && isIPv4(r.end) && toNumber(r.start) <= toNumber(r.end));
    for (let a = 0; a < ranges.length; a++) {
        for (let b = a + 1; b < ranges.length; b++) {
            if (rangesOverlap(ranges[a], ranges[b])) {
                problems.add(K(ranges[b].key), `${ranges[b].start}-${ranges[b].end}`, `overlaps ${ranges[a].label} (${ranges[a].start}-${ranges[a].end}); reserved ranges must not overlap`);
            }
        }
    }
    const addresses: { key: string; ip: string }[] = [
        ...settings.nodes.flatMap((n, i) => [
            { key: `nodes[${i}].address`, ip: n.address },
            { key: `nodes[${i}].managementAddress`, ip: n.managementAddress ?? "" },
            { key: `nodes[${i}].publicAddress`, ip: n.publicAddress ?? "" },
        ]),
        ...settings.zone.hosts.map((h, i) => ({ key: `zone.hosts[${i}].ip`, ip: h.ip })),
        ...settings.zone.primaryStorages.map((s, i) => ({ key: `zone.primaryStorages[${i}].server`, ip: s.server })),
    ].filter((a) => isIPv4(a.ip));
    for (const address of addresses) {
        const inside = ranges.find((r) => rangeContains(r, address.ip));
        if (inside) problems.add(K(address.key), address.ip, `lies inside ${inside.label} (${inside.start}-${inside.end}), which CloudStack hands out to system VMs; move the range or the address`);
    }
}

function checkDuplicates(problems: ConfigProblems, list: { name: string }[], key: string, what: string): void {
    const seen = new Map<string, number>();
    list.forEach((item, i) => {
        if (item.name === "") return;
        if (!isSafe("objectName", item.name)) problems.add(K(`${key}[${i}].name`), item.name, "expected a name of letters, digits, space, _ . -");
        // CloudStack compares names case-insensitively (database collation).
        const lower = item.name.toLowerCase();
        if (seen.has(lower)) problems.add(K(`${key}[${i}].name`), item.name, `duplicates ${key}[${seen.get(lower)}].name; ${what} names must be unique (case-insensitive)`);
        seen.set(lower, i);
    });
}

function checkZoneNames(settings: Settings, problems: ConfigProblems): void {
    const { zone } = settings;
    checkDuplicates(problems, zone.physicalNetworks, "zone.physicalNetworks", "physical network");
    checkDuplicates(problems, zone.pods, "zone.pods", "pod");
    checkDuplicates(problems, zone.clusters, "zone.clusters", "cluster");
    checkDuplicates(problems, zone.hosts, "zone.hosts", "host");
    checkDuplicates(problems, [...zone.primaryStorages, ...zone.secondaryStorages], "zone.storages", "storage");
    const ips = new Map<string, number>();
    zone.hosts.forEach((h, i) => {
        if (ips.has(h.ip)) problems.add(K(`zone.hosts[${i}].ip`), h.ip, `is also zone.hosts[${ips.get(h.ip)}].ip; CloudStack refuses a host IP twice`);
        ips.set(h.ip, i);
    });
}

function checkZoneReferences(settings: Settings, problems: ConfigProblems): void {
    const { zone } = settings;
    const lower = (s: string) => s.toLowerCase();
    const pods = new Set(zone.pods.map((p) => lower(p.name)));
    // A cluster whose pod is unknown is reported once, at the cluster; its hosts and storages are not blamed for it.
    const clusters = new Map(zone.clusters.filter((c) => pods.has(lower(c.pod))).map((c) => [lower(c.name), c.pod]));
    const clusterNames = new Set(zone.clusters.map((c) => lower(c.name)));
    const physical = new Set(zone.physicalNetworks.map((p) => lower(p.name)));
    zone.clusters.forEach((c, i) => {
        if (!pods.has(lower(c.pod))) problems.add(K(`zone.clusters[${i}].pod`), c.pod, `names no pod in zone.pods (${zone.pods.map((p) => p.name).join(", ") || "none"})`);
    });
    zone.hosts.forEach((h, i) => {
        const clusterPod = clusters.get(lower(h.cluster));
        if (!clusterNames.has(lower(h.cluster))) problems.add(K(`zone.hosts[${i}].cluster`), h.cluster, `names no cluster in zone.clusters (${zone.clusters.map((c) => c.name).join(", ") || "none"})`);
        else if (clusterPod !== undefined && lower(clusterPod) !== lower(h.pod)) problems.add(K(`zone.hosts[${i}].pod`), h.pod, `cluster ${h.cluster} belongs to pod ${clusterPod}, not ${h.pod}`);
        if (h.node !== undefined) {
            const node = settings.nodes.find((n) => n.name === h.node);
            if (!node) problems.add(K(`zone.hosts[${i}].node`), h.node, `names no node in cloudstack:nodes`);
            else if (!node.roles.includes("kvm")) problems.add(K(`zone.hosts[${i}].node`), h.node, `node ${h.node} does not have the role "kvm"`);
        }
    });
    zone.primaryStorages.forEach((s, i) => {
        const key = `zone.primaryStorages[${i}]`;
        if (s.scope === "zone") return;
        const clusterPod = s.cluster === undefined ? undefined : clusters.get(lower(s.cluster));
        if (s.cluster === undefined || !clusterNames.has(lower(s.cluster))) {
            problems.add(K(`${key}.cluster`), s.cluster, "a cluster-scope primary storage must name a cluster from zone.clusters");
        } else if (clusterPod !== undefined && s.pod !== undefined && lower(s.pod) !== lower(clusterPod)) {
            problems.add(K(`${key}.pod`), s.pod, `cluster ${s.cluster} belongs to pod ${clusterPod}`);
        }
    });
    zone.publicIpRanges.forEach((r, i) => {
        if (!physical.has(lower(r.physicalNetwork))) problems.add(K(`zone.publicIpRanges[${i}].physicalNetwork`), r.physicalNetwork, "names no physical network in zone.physicalNetworks");
    });
    // When a host names an unknown node or cluster, that is the one problem to report, not its consequences.
    const hostsResolve = zone.hosts.every((h) => clusterNames.has(lower(h.cluster)) && (h.node === undefined || settings.nodes.some((n) => n.name === h.node)));
    const kvmNodes = settings.nodes.filter((n) => n.roles.includes("kvm") && !n.roles.includes("management"));
    for (const node of hostsResolve ? kvmNodes : []) {
        if (!zone.hosts.some((h) => h.node === node.name)) {
            problems.add(K("zone.hosts"), node.name, `kvm node ${node.name} is registered by no zone host; add a zone.hosts entry with node: ${node.name}`);
        }
    }
    for (const cluster of hostsResolve ? zone.clusters : []) {
        const hasHost = zone.hosts.some((h) => lower(h.cluster) === lower(cluster.name));
        const needsHost = zone.primaryStorages.some((s) => s.scope === "cluster" && s.cluster !== undefined && lower(s.cluster) === lower(cluster.name));
        if (needsHost && !hasHost) problems.note(K("zone.primaryStorages"), `cluster ${cluster.name} has no host in zone.hosts, but cluster-scope primary storage needs at least one host in cluster ${cluster.name}`);
    }
}

function checkVxlan(settings: Settings, problems: ConfigProblems): void {
    const { zone, network } = settings;
    const zoneOnly = isZoneOnly(settings);
    const bridges = [network.management.bridge, network.public.bridge];
    const typesSeen = new Map<string, string>();
    zone.physicalNetworks.forEach((p, i) => {
        const key = `zone.physicalNetworks[${i}]`;
        if (p.vniStart < 0 || p.vniEnd > MAX_VNI || p.vniStart > p.vniEnd) {
            problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, `expected START-END with 0 <= START <= END <= ${MAX_VNI}`);
        } else if (p.vniEnd - p.vniStart + 1 > MAX_VNI_RANGE_SIZE) {
            problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, `spans ${p.vniEnd - p.vniStart + 1} VNIs; at most ${MAX_VNI_RANGE_SIZE} (each VNI becomes a database row)`);
        }
        if (p.isolationMethod === "VLAN" && p.vniEnd > 4094) problems.add(K(`${key}.vniRange`), `${p.vniStart}-${p.vniEnd}`, "VLAN ids end at 4094");
        const types = new Set<string>();
        p.trafficTypes.forEach((t, j) => {
            const labelOk = checkInterfaceName(problems, `${key}.trafficTypes[${j}].kvmLabel`, t.kvmLabel);
            if (types.has(t.type)) problems.add(K(`${key}.trafficTypes[${j}].type`), t.type, "appears twice on this physical network");
            types.add(t.type);
            if (t.type !== "Guest" && typesSeen.has(t.type)) {
                problems.add(K(`${key}.trafficTypes[${j}].type`), t.type, `is already carried by physical network ${typesSeen.get(t.type)}; Management, Public and Storage may appear once per zone`);
            }
            if (t.type !== "Guest") typesSeen.set(t.type, p.name);
            if (labelOk && !zoneOnly && !bridges.includes(t.kvmLabel)) {
                problems.add(K(`${key}.trafficTypes[${j}].kvmLabel`), t.kvmLabel, `names no bridge this stack creates (${bridges.join(", ")})`);
            }
        });
    });
    // A misspelt type is already reported; "no network carries Guest" would only repeat it.
    const allTypesKnown = zone.physicalNetworks.every((p) => p.trafficTypes.every((t) => (TRAFFIC_TYPES as readonly string[]).includes(t.type)));
    for (const required of allTypesKnown ? ["Management", "Public", "Guest"] : []) {
        if (!zone.physicalNetworks.some((p) => p.trafficTypes.some((t) => t.type === required))) {
            problems.note(K("zone.physicalNetworks"), `no physical network carries ${required} traffic; an Advanced zone needs Management, Public and Guest`);
        }
    }
    if (zoneOnly) return;
    const vxlan = zone.physicalNetworks.some((p) => p.isolationMethod === "VXLAN");
    if (vxlan) {
        // Without a Guest label naming one of the bridges, the label problem is already reported: no MTU follow-on.
        const segment = guestSegmentName(zone, network);
        const underlay = vxlanUnderlayMtu(zone, network);
        if (segment !== undefined && underlay < DEFAULTS.minimumVxlanUnderlayMtu) {
            const written = network[segment].mtu !== undefined;
            const key = `network.${segment}.mtu`;
            const reason = `VXLAN needs an underlay MTU of at least ${DEFAULTS.minimumVxlanUnderlayMtu} on the Guest traffic bridge (VXLAN adds ${DEFAULTS.vxlanOverhead} bytes); set the MTU of the network whose bridge carries Guest traffic to 1550 or more (9000 recommended)`;
            if (written) problems.add(K(key), underlay, reason);
            else problems.note(K(key), `is not set, so the Guest traffic bridge has MTU ${underlay}; ${reason}`);
        }
        if (zone.guestMtu > underlay - DEFAULTS.vxlanOverhead) {
            problems.add(K("zone.guestMtu"), zone.guestMtu, `must be at most the underlay MTU ${underlay} minus ${DEFAULTS.vxlanOverhead}`);
        }
    }
}

function checkSecrets(settings: Settings, problems: ConfigProblems): void {
    const { secrets, zone } = settings;
    if ((secrets.apiKey === undefined) !== (secrets.secretKey === undefined)) {
        problems.note(K(secrets.apiKey ? "secretKey" : "apiKey"), "is missing; API keys come in pairs; set both cloudstack:apiKey and cloudstack:secretKey (secrets), or neither to have them created");
    }
    if (isZoneOnly(settings) && secrets.apiKey === undefined && secrets.adminPassword === undefined) {
        problems.note(K("apiKey"), "is missing; a zone-only stack talks to an existing management server: set cloudstack:apiKey and cloudstack:secretKey, or cloudstack:adminPassword to create keys (these cannot be generated)");
    }
    zone.hosts.forEach((h, i) => {
        if (!h.useManagementKey) {
            // Ubuntu 24.04's stock sshd_config has PermitRootLogin prohibit-password: addHost's password login as root
            // is refused and registration fails (reference §10).
            problems.add(
                K(`zone.hosts[${i}].useManagementKey`),
                false,
                `host ${h.name} cannot be registered by password: Ubuntu 24.04 refuses root password logins (PermitRootLogin prohibit-password); set useManagementKey: true (the management server's key is installed on the host) or delete the key`,
            );
        }
    });
}
