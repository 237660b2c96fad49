/**
 * BridgeNetwork: the resource that moves a node's management and public
 * addresses onto the CloudStack bridges without ever stranding it. How it
 * does that is the provider's (bridgeNetworkProvider.ts); the scripts it runs
 * are rendered in bridgeScripts.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { LazyDynamicResource, lazyProvider } from "../lazyProvider";
import { BridgedNetworks } from "./netplan";
import { packText } from "./packedText";
import { SshTarget } from "./ssh";
import { templateOf } from "./templates";
import { BridgeNetworkScripts } from "./bridgeScripts";

// The state of every existing BridgeNetwork names this module as the provider's
// home (lazyProvider below): it must keep exporting the provider.
export { bridgeNetworkProvider } from "./bridgeNetworkProvider";
export { renderBridgeScripts } from "./bridgeScripts";

export interface BridgeNetworkArgs {
    readonly connection: pulumi.Input<SshTarget>;
    readonly node: pulumi.Input<string>;
    readonly networks: pulumi.Input<BridgedNetworks>;
    /** Addresses the config expects on this node (checked against what is found). */
    readonly expectedManagementAddress?: pulumi.Input<string>;
    readonly expectedPublicAddress?: pulumi.Input<string>;
    readonly rollbackSeconds: pulumi.Input<number>;
    readonly scripts: pulumi.Input<BridgeNetworkScripts>;
}

export class BridgeNetwork extends LazyDynamicResource {
    declare readonly managementNic: pulumi.Output<string>;
    declare readonly publicNic: pulumi.Output<string>;
    /** The node's address on the management network, as found on the node. */
    declare readonly managementAddress: pulumi.Output<string>;
    declare readonly publicAddress: pulumi.Output<string>;
    /** The netplan file written to the node. */
    declare readonly netplan: pulumi.Output<string>;
    declare readonly changed: pulumi.Output<string[]>;

    constructor(name: string, args: BridgeNetworkArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = { managementNic: undefined, publicNic: undefined, managementAddress: undefined, publicAddress: undefined, netplan: undefined, changed: undefined };
        const scripts = pulumi.output(args.scripts).apply((s) => ({ netplanTemplate: packText(s.netplanTemplate), facts: packText(s.facts), apply: packText(s.apply), verify: packText(s.verify) }));
        super(
            lazyProvider("providers/remote/BridgeNetwork", "bridgeNetworkProvider"),
            name,
            { ...args, scripts, connection: pulumi.secret(args.connection), ...outputs },
            { ...opts, additionalSecretOutputs: ["connection"] },
            "remote",
            "BridgeNetwork",
        );
        // The preview line names the templates it runs (a log, not an input: existing stacks see no change).
        if (pulumi.runtime.isDryRun()) {
            pulumi.output(args.scripts).apply((s) => {
                const templates = [s.facts, s.apply, s.verify].map(templateOf).filter((t) => t !== undefined);
                if (templates.length > 0) pulumi.log.info(`templates: ${templates.join(", ")}, netplan.yaml`, this);
            });
        }
    }
}
