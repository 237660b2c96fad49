/**
 * NodeBase: what every machine gets once, whatever its roles — the CloudStack
 * bridges (found by CIDR, applied with a rollback timer) and the common role
 * (timezone, chrony, base packages, /etc/hosts).
 *
 * Role components on the same machine (the seed puts database and management
 * together) build on one NodeBase instead of repeating it.
 *
 * Not a component of its own: its two resources are children of the node's
 * own role component (deployCloud picks it; `createUnder`), so a node costs
 * one registration less — at 100 KVM hosts, 100 fewer (docs/DESIGN.md,
 * "Resource layout"). Stacks made before keep every resource: each carries an
 * alias to its old parent, the `cloudstack:node:NodeBase` component of the
 * node's name, and only that component (nothing runs for it) leaves the state.
 *
 * The role components are built before their node's base resources exist (they
 * are those resources' parents), so what the base provides — `ready`, the
 * addresses found by the bridges — are promises kept by `createUnder`.
 *
 * The bridges and the common stage (whose package transaction is the longest
 * step of a KVM host) run side by side; the role steps wait for both. The bridge
 * change keeps every address the node has (it moves each onto its bridge, applied
 * in a transient unit on the node), so the SSH session and the apt downloads on
 * those addresses see a pause of a second or two, which TCP rides out; a change
 * that cuts the node off is rolled back by the node's own timer and fails the
 * bridges step, and an apt transaction whose session was lost meanwhile still
 * finishes on the node (templates/partials/apt.sh.mustache, apt_install).
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

/** The type of the component NodeBase was: its former children's aliases name it. */
export const FORMER_NODE_BASE_TYPE = "cloudstack:node:NodeBase";

export class NodeBase {
    readonly connection: pulumi.Output<SshTarget>;
    /** The node's management-network address (configured, or found on the node). */
    readonly managementAddress: pulumi.Output<string>;
    readonly publicAddress: pulumi.Output<string>;
    /** Role steps run after these. */
    readonly ready: pulumi.Input<pulumi.Resource>[];
    /** The URN the node's NodeBase component had: the parent alias of the resources that were its children. */
    readonly formerUrn: pulumi.Output<string>;
    private readonly args: NodeBaseArgs;
    private created = false;
    private readonly keep: { bridges(b: BridgeNetwork | undefined): void; ready(r: pulumi.Resource): void };

    constructor(args: NodeBaseArgs) {
        const { node } = args;
        this.args = args;
        this.connection = connectionFor(node);
        this.formerUrn = pulumi.createUrn(node.name, FORMER_NODE_BASE_TYPE);
        let keepBridges!: (b: BridgeNetwork | undefined) => void;
        let keepReady!: (r: pulumi.Resource) => void;
        const bridges = new Promise<BridgeNetwork | undefined>((resolve) => (keepBridges = resolve));
        // The bridges as well as the common stage: they no longer run one after the other.
        const bridgesDone = node.bridges ? [bridges.then((b) => b!)] : [];
        this.ready = [...bridgesDone, new Promise<pulumi.Resource>((resolve) => (keepReady = resolve))];
        this.keep = { bridges: keepBridges, ready: keepReady };
        const found = (pick: (b: BridgeNetwork) => pulumi.Output<string>) => pulumi.output(bridges).apply((b) => (b ? pick(b) : pulumi.output(node.address)));
        this.managementAddress = node.managementAddress !== undefined ? pulumi.output(node.managementAddress) : node.bridges ? found((b) => b.managementAddress) : pulumi.output(node.address);
        this.publicAddress = node.publicAddress !== undefined ? pulumi.output(node.publicAddress) : node.bridges ? found((b) => b.publicAddress) : pulumi.output(node.address);
    }

    /** Creates the bridges and the common steps as children of `owner`, the node's own component (undefined: the stack). Once. */
    createUnder(owner: pulumi.Resource | undefined): void {
        if (this.created) throw new Error(`the base resources of ${this.args.node.name} were already created`);
        this.created = true;
        const { node, network, packages } = this.args;
        // Existing stacks have these resources under the NodeBase component: they move, nothing is replaced.
        const aliases = [{ parent: this.formerUrn }];
        let bridges: BridgeNetwork | undefined;
        if (node.bridges) {
            bridges = new BridgeNetwork(
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
                { parent: owner, aliases },
            );
        }
        // Not after the bridges: the package transaction starts at once (see the header).
        const common = createRemoteSteps(
            { node, connection: this.connection, secrets: {}, parent: owner, aliases, dependsOn: [] },
            // Only the node's own name goes to /etc/hosts (CloudStack works with addresses), so adding a node changes no other node.
            inStage("common", commonSteps(node, network, packages)),
        );
        this.keep.bridges(bridges);
        this.keep.ready(common.last);
    }
}
