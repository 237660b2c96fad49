/**
 * NfsServer: the NFS node — optional data disk, the NFS server, every storage
 * directory the zone uses on it, the export root for the configured clients
 * only, fixed ports.
 */
import * as pulumi from "@pulumi/pulumi";
import { NfsSettings, NodeSettings, PackageSettings } from "../config/settings";
import { NodeBase } from "./NodeBase";
import { createRemoteSteps } from "./remoteSteps";
import { inStage } from "./stages";
import { nfsSteps } from "./steps/nfs";
import { ZoneStorages } from "../config/storagePaths";

export interface NfsServerArgs {
    /** The machine (plain settings shape the resource graph). */
    readonly node: NodeSettings;
    /** The machine's shared setup, which the NFS steps run after. */
    readonly base: NodeBase;
    readonly nfs: NfsSettings;
    readonly packages: PackageSettings;
    /** The zone's storages: every directory they use on this server is created here and served through the export root. */
    readonly zone: ZoneStorages;
    /** Remove /export contents and the data disk's filesystem on destroy. */
    readonly destroyData: boolean;
}

export class NfsServer extends pulumi.ComponentResource {
    /** NFS server address for storage URLs. */
    readonly server: pulumi.Output<string>;
    readonly primaryPath: pulumi.Output<string>;
    readonly secondaryPath: pulumi.Output<string>;
    /** What depends on a finished NFS server waits for these (never the component: it may gain children later). */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: NfsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:node:NfsServer", name, {}, opts);
        const steps = createRemoteSteps(
            { node: args.node, connection: args.base.connection, secrets: {}, parent: this, dependsOn: args.base.ready },
            inStage("nfs", nfsSteps(args.nfs, args.packages, args.destroyData, args.zone)),
        );
        this.ready = [steps.last];
        this.server = pulumi.output(args.nfs.server);
        this.primaryPath = pulumi.output(args.nfs.primaryPath);
        this.secondaryPath = pulumi.output(args.nfs.secondaryPath);
        this.registerOutputs({ server: this.server, primaryPath: this.primaryPath, secondaryPath: this.secondaryPath });
    }
}
