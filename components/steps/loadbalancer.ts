/**
 * The load balancer node: HAProxy in front of the management servers (UI/API
 * with an API health check, the agents' port 8250), and optionally keepalived
 * holding a virtual address that moves to another balancer node.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../../config/defaults";
import { LoadBalancerSettings, ManagementSettings } from "../../config/settings";
import { checked, checkedInteger, checkedIpv4, checkedList } from "../../config/safeValues";
import { RemoteStep } from "../../providers/remote/step";
import { embedded, PACKAGE_STEP_TIMEOUT_SECONDS, script, spaceSeparated } from "./render";

export interface LoadBalancerStepArgs {
    readonly management: ManagementSettings;
    readonly loadBalancer: LoadBalancerSettings;
    /** The management servers' node names and management-network addresses, in the same order. */
    readonly serverNames: string[];
    readonly serverAddresses: pulumi.Input<string>[];
    /** This balancer's management-network address (keepalived's interface is the one holding it). */
    readonly nodeAddress: pulumi.Input<string>;
    /** This balancer's place among the balancer nodes: the first gets the highest keepalived priority. */
    readonly index: number;
    /** The management network's prefix length (the virtual address's netmask). */
    readonly prefixLength: number;
}

export function loadBalancerSteps(args: LoadBalancerStepArgs): RemoteStep[] {
    const { management, loadBalancer } = args;
    const view = {
        uiPort: checkedInteger("management.uiPort", management.uiPort, 1, 65535),
        apiPath: checked("path", "management.apiPath", management.apiPath),
        agentPort: DEFAULTS.agentPort,
        statsSocket: DEFAULTS.haproxyStatsSocket,
        serverNames: checkedList("hostLabel", "nodes[].name", args.serverNames).join(" "),
    };
    const steps: RemoteStep[] = [
        {
            name: "haproxy",
            script: script("loadbalancer-haproxy", { ...view, haproxyCfg: embedded("haproxy.cfg", view) }),
            deleteScript: script("loadbalancer-haproxy-delete", {}),
            env: { MANAGEMENT_ADDRESSES: spaceSeparated(args.serverAddresses) },
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        },
    ];
    if (loadBalancer.virtualAddress !== undefined) {
        const keepalivedView = {
            virtualAddress: checkedIpv4("loadBalancer.virtualAddress", loadBalancer.virtualAddress),
            virtualRouterId: checkedInteger("loadBalancer.virtualRouterId", loadBalancer.virtualRouterId, 1, 255),
            prefixLength: checkedInteger("network.management.cidr", args.prefixLength, 1, 32),
            // VRRP priorities 1-254; the first balancer node is preferred.
            priority: checkedInteger("keepalived priority", 150 - args.index, 1, 254),
        };
        steps.push({
            name: "keepalived",
            script: script("loadbalancer-keepalived", { ...keepalivedView, keepalivedConf: embedded("keepalived.conf", keepalivedView) }),
            deleteScript: script("loadbalancer-keepalived-delete", {}),
            env: { NODE_ADDRESS: args.nodeAddress },
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        });
    }
    return steps;
}
