/**
 * `verify` as the readiness step at the end of `pulumi up` (issue 6): after
 * the zone and every node are done, all node checks (bridges, MySQL bound
 * and reachable from the management server only, NFS, libvirt, agent) and
 * the cloud checks run, and a failure fails the update with each failing
 * check and its fix. It runs on the first deployment and again whenever the
 * stack's settings change.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/settings";
import { LazyDynamicResource, lazyProvider } from "../providers/lazyProvider";
import { ApiConnection } from "../providers/cloudstack/resource";
import { SshTarget } from "../providers/remote/ssh";

/** The settings as plain data: secrets left out (they travel as connections), SSH without its secrets. */
export function plainSettings(settings: Settings): Settings {
    const nodes = settings.nodes.map((node) => ({ ...node, ssh: { user: node.ssh.user, port: node.ssh.port, privateKeyFile: node.ssh.privateKeyFile, hostKey: node.ssh.hostKey } }));
    return JSON.parse(JSON.stringify({ ...settings, nodes, secrets: {} })) as Settings;
}

export interface VerificationArgs {
    readonly settings: Settings;
    /** Each node's SSH connection (NodeBase.connection), by node name. */
    readonly connections: Record<string, pulumi.Input<SshTarget>>;
    /** Each node's management address (NodeBase.managementAddress), by node name. */
    readonly managementAddresses: Record<string, pulumi.Input<string>>;
    readonly api: pulumi.Input<ApiConnection>;
    readonly zoneId: pulumi.Input<string>;
}

export class Verification extends LazyDynamicResource {
    /** "27 passed, 0 failed, 2 skipped". */
    declare readonly summary: pulumi.Output<string>;

    constructor(name: string, args: VerificationArgs, opts?: pulumi.CustomResourceOptions) {
        const settings = plainSettings(args.settings);
        super(
            lazyProvider("ops/verifyProvider", "verificationProvider"),
            name,
            {
                settings,
                connections: pulumi.secret(pulumi.output(args.connections)),
                managementAddresses: args.managementAddresses,
                api: pulumi.secret(args.api),
                zoneId: args.zoneId,
                fingerprint: createHash("sha256").update(JSON.stringify(settings)).digest("hex"),
                summary: undefined,
            },
            { ...opts, additionalSecretOutputs: ["connections", "api"] },
            "ops",
            "Verification",
        );
    }
}
