/**
 * KvmHost: a hypervisor — pre-flight, KVM/QEMU, libvirt as the agent needs it
 * on Ubuntu 24.04, cloudstack-agent (installed, not registered: the zone's
 * host registration does that), VXLAN readiness, and the management server's
 * SSH key for a password-less registration. What registration changes on the
 * host (libvirt on TLS, the agent connected, settings the agent's setup
 * rewrote) is checked by the final verification (ops/checks/nodeChecks.ts).
 *
 * Only the key step waits for the management server; everything else runs
 * while the management node is still installing.
 */
import * as pulumi from "@pulumi/pulumi";
import { KvmSettings, NetworkSettings, NodeSettings, PackageSettings, PhysicalNetworkSettings } from "../config/settings";
import { RemoteScript } from "../providers/remote/RemoteScript";
import { NodeBase } from "./NodeBase";
import { createRemoteSteps } from "./remoteSteps";
import { inStage } from "./stages";
import { kvmAuthorizeKeySteps, kvmSteps } from "./steps/kvm";

export interface KvmHostArgs {
    /** The machine (plain settings shape the resource graph). */
    readonly node: NodeSettings;
    readonly base: NodeBase;
    readonly kvm: KvmSettings;
    readonly network: NetworkSettings;
    readonly packages: PackageSettings;
    /** The zone's physical networks, for the Guest traffic label VXLAN runs over. */
    readonly physicalNetworks: readonly PhysicalNetworkSettings[];
    /** The management server's SSH public key to authorise for root; undefined when registration uses a password. */
    readonly managementPublicKey?: pulumi.Input<string>;
    /** What must finish before the install steps run again (this node's agent upgrade). */
    readonly after?: pulumi.Resource[];
}

export class KvmHost extends pulumi.ComponentResource {
    /** What the zone's registration of this host must wait for. */
    readonly registrationReady: pulumi.Resource[];

    constructor(name: string, args: KvmHostArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:KvmHost", name, {}, opts);
        const context = { node: args.node, connection: args.base.connection, secrets: {}, parent: this, dependsOn: args.base.ready };
        const installed = createRemoteSteps({ ...context, dependsOn: [...args.base.ready, ...(args.after ?? [])] }, inStage("kvm", kvmSteps(args))).last;
        const authorized: RemoteScript[] = args.managementPublicKey
            ? createRemoteSteps({ ...context, dependsOn: [installed] }, kvmAuthorizeKeySteps(args.managementPublicKey)).all
            : [];
        this.registrationReady = [installed, ...authorized];
        this.registerOutputs({});
    }
}
