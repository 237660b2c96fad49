/**
 * LoadBalancer: a node with the role `loadbalancer` — HAProxy in front of the
 * management servers (UI/API and the agents' port), and keepalived for the
 * virtual address when loadBalancer.virtualAddress is set. It needs nothing
 * from the management servers to be installed: until their API answers, the
 * health check keeps them out of rotation.
 */
import * as pulumi from "@pulumi/pulumi";
import { LoadBalancerSettings, ManagementSettings, NodeSettings } from "../config/settings";
import { NodeBase } from "./NodeBase";
import { createRemoteSteps } from "./remoteSteps";
import { inStage } from "./stages";
import { loadBalancerSteps } from "./steps/loadbalancer";

export interface LoadBalancerArgs {
    readonly node: NodeSettings;
    readonly base: NodeBase;
    readonly management: ManagementSettings;
    readonly loadBalancer: LoadBalancerSettings;
    /** The management servers behind it: node names and management-network addresses, in the same order. */
    readonly serverNames: string[];
    readonly serverAddresses: pulumi.Input<string>[];
    /** Its place among the balancer nodes (keepalived priority). */
    readonly index: number;
    /** The management network's prefix length. */
    readonly prefixLength: number;
}

export class LoadBalancer extends pulumi.ComponentResource {
    /** The balancer serving (what the `host` setting waits for). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:LoadBalancer", name, {}, opts);
        const steps = createRemoteSteps(
            { node: args.node, connection: args.base.connection, secrets: {}, parent: this, dependsOn: args.base.ready },
            inStage(
                "loadbalancer",
                loadBalancerSteps({
                    management: args.management,
                    loadBalancer: args.loadBalancer,
                    serverNames: args.serverNames,
                    serverAddresses: args.serverAddresses,
                    nodeAddress: args.base.managementAddress,
                    index: args.index,
                    prefixLength: args.prefixLength,
                }),
            ),
        );
        this.ready = [steps.last];
        this.registerOutputs({});
    }
}
