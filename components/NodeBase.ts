/**
 * NodeBase: what every machine gets once, whatever its roles — the CloudStack
 * bridges (found by CIDR, applied with a rollback timer) and the common role
 * (timezone, chrony, base packages, /etc/hosts).
 *
 * Role components on the same machine (the seed puts database and management
 * together) build on one NodeBase instead of repeating it.
 */
import * as pulumi from "@pulumi/pulumi";
import { NetworkSettings, NodeSettings, PackageSettings } from "../config/settings";
import { BridgeNetwork, renderBridgeScripts } from "../providers/remote/BridgeNetwork";
import { SshTarget } from "../providers/remote/ssh";
import { commonSteps } from "./steps/common";
import { createRemoteSteps } from "./remoteSteps";
import { connectionFor } from "../providers/remote/connection";
import { inStage } from "./stages";

export interface NodeBaseArgs {
    /** The machine (plain settings: they shape the resource graph). */
    readonly node: NodeSettings;
    readonly network: NetworkSettings;
    readonly packages: PackageSettings;
}

export class NodeBase extends pulumi.ComponentResource {
    readonly connection: pulumi.Output<SshTarget>;
    /** The node's management-network address (configured, or found on the node). */
    readonly managementAddress: pulumi.Output<string>;
    readonly publicAddress: pulumi.Output<string>;
    /** Role steps run after these. */
    readonly ready: pulumi.Resource[];
    readonly bridges?: BridgeNetwork;

    constructor(name: string, args: NodeBaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:NodeBase", name, {}, opts);
        const { node, network } = args;
        this.connection = connectionFor(node);

        if (node.bridges) {
            this.bridges = new BridgeNetwork(
                `${node.name}-bridges`,
                {
                    connection: this.connection,
                    node: node.name,
                    networks: {
                        management: network.management,
                        public: network.public,
                        defaultRoute: network.defaultRoute,
                        dnsServers: network.dnsServers,
                        searchDomains: network.searchDomains,
                    },
                    expectedManagementAddress: node.managementAddress,
                    expectedPublicAddress: node.publicAddress,
                    rollbackSeconds: network.rollbackSeconds,
                    scripts: renderBridgeScripts(),
                },
                { parent: this },
            );
        }
        const common = createRemoteSteps(
            { node, connection: this.connection, secrets: {}, parent: this, dependsOn: this.bridges ? [this.bridges] : [] },
            // Only the node's own name goes to /etc/hosts (CloudStack works with addresses), so adding a node changes no other node.
            inStage("common", commonSteps(node, network, args.packages)),
        );
        this.ready = [common.last];
        this.managementAddress = pulumi.output(node.managementAddress ?? this.bridges?.managementAddress ?? node.address);
        this.publicAddress = pulumi.output(node.publicAddress ?? this.bridges?.publicAddress ?? node.address);
        this.registerOutputs({ managementAddress: this.managementAddress, publicAddress: this.publicAddress });
    }
}
