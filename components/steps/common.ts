/**
 * What every node gets (the seed's "common" role): apt proxy and base
 * packages, host name and every node's FQDN in /etc/hosts, time zone and chrony.
 */
import { NetworkSettings, NodeSettings, PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedIpv4, checkedList } from "../../config/safeValues";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script, words } from "./render";

/**
 * `allNodes` go into /etc/hosts (this node first, so `hostname --fqdn`
 * resolves to its own line), each with its management address when known,
 * else the address the controller uses.
 */
export function commonSteps(node: NodeSettings, network: NetworkSettings, packages: PackageSettings, allNodes: readonly NodeSettings[] = [node]): RemoteStep[] {
    return [baseStep(packages), identityStep(node, allNodes), clockStep(network)];
}

function baseStep(packages: PackageSettings): RemoteStep {
    const view = {
        aptProxy: packages.aptProxy === undefined ? undefined : checked("url", "packages.aptProxy", packages.aptProxy),
        basePackages: words(checkedList("package", "packages.basePackages", packages.basePackages)),
    };
    return { name: "base", script: script("common-base", view), deleteScript: script("common-base-delete", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS };
}

function identityStep(node: NodeSettings, allNodes: readonly NodeSettings[]): RemoteStep {
    const others = allNodes.filter((other) => other.name !== node.name);
    const hostsLines = [node, ...others].map((entry) => {
        const fqdn = checked("host", `nodes[${entry.name}].fqdn`, entry.fqdn);
        const address = checkedIpv4(`nodes[${entry.name}].managementAddress`, entry.managementAddress ?? entry.address);
        return `${address} ${fqdn} ${fqdn.split(".")[0]}`;
    });
    const fqdn = checked("host", `nodes[${node.name}].fqdn`, node.fqdn);
    const view = { fqdn, shortName: fqdn.split(".")[0], hostsLines };
    return { name: "identity", script: script("common-identity", view), deleteScript: script("common-identity-delete", view) };
}

function clockStep(network: NetworkSettings): RemoteStep {
    const view = {
        timezone: checked("timezone", "network.timezone", network.timezone),
        chronySources: embedded("chrony-sources", { ntpServers: checkedList("host", "network.ntpServers", network.ntpServers) }),
    };
    return { name: "clock", script: script("common-clock", view), deleteScript: script("common-clock-delete", view) };
}
