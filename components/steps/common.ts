/**
 * What every node gets (the seed's "common" role): host name and every
 * node's FQDN in /etc/hosts, the apt proxy, the CloudStack repository when a
 * role needs it, every package of the node in one apt transaction, time zone
 * and chrony.
 *
 * One transaction per node: the role steps' own installs then find their
 * packages in place, so a node runs one `apt-get update` and one dpkg run
 * instead of one per step (bench/lab-deploy.ts: the time beyond the
 * package-install floor). The role steps keep their installs: they check the
 * packages and versions, and they install when the node's roles grow.
 */
import { NetworkSettings, NodeSettings, PackageSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedIpv4, checkedList } from "../../config/safeValues";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script, words } from "./render";
import { nodePackages } from "./packages";
import { cloudstackRepoStep } from "./shared";

/**
 * `allNodes` go into /etc/hosts (this node first, so `hostname --fqdn`
 * resolves to its own line), each with its management address when known,
 * else the address the controller uses.
 */
export function commonSteps(node: NodeSettings, network: NetworkSettings, packages: PackageSettings, allNodes: readonly NodeSettings[] = [node]): RemoteStep[] {
    const transaction = nodePackages(node.roles, packages);
    // The host name first: package scripts may read it. The proxy before anything talks to a mirror.
    return [
        identityStep(node, allNodes),
        aptProxyStep(packages),
        ...(transaction.cloudstackRepository ? [cloudstackRepoStep(packages)] : []),
        baseStep(transaction.packages, transaction.withRecommends),
        clockStep(network),
    ];
}

function aptProxyStep(packages: PackageSettings): RemoteStep {
    const view = { aptProxy: packages.aptProxy === undefined ? undefined : checked("url", "packages.aptProxy", packages.aptProxy) };
    return { name: "apt-proxy", script: script("common-apt-proxy", view), deleteScript: script("common-apt-proxy-delete", view) };
}

/** Packages stay on delete (other software may need them; the role steps remove their own). */
function baseStep(packages: string[], withRecommends: boolean): RemoteStep {
    const view = { packages: words(packages), withRecommends };
    return { name: "base", script: script("common-base", view), timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS };
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
