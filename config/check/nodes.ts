/** Checks of cloudstack:nodes: names, addresses, roles and SSH access of each machine. */
import { cidrContains, isCidr } from "../net";
import { ConfigProblems } from "../problems";
import { isSafe } from "../safeValues";
import { REQUIRED_ROLES, Role, ROLES, Settings } from "../settings";
import { isZoneOnly } from "../zoneOnly";
import { checkIp, K } from "./values";

export function checkNodes(settings: Settings, problems: ConfigProblems): void {
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
    for (const role of REQUIRED_ROLES) {
        if (count(role) === 0) {
            problems.note(K("nodes"), `no node has the role "${role}"; every stack needs management, database, nfs and kvm nodes (or set cloudstack:zone.apiUrl and no nodes for a zone-only stack)`);
        }
    }
    if (count("nfs") > 1) problems.add(K("nodes"), settings.nodes.filter((n) => n.roles.includes("nfs")).map((n) => n.name), 'only one node may have the role "nfs"');
    // Several management, database and balancer nodes: config/check/highAvailability.ts.
}
