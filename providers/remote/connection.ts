/**
 * How the controller reaches a node: the SSH target built from its settings
 * (secrets resolved and kept secret). `pulumi up` and ops use the same one.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSettings } from "../../config/settings";
import { SshTarget } from "./ssh";

/** The SSH connection to a node, secret as a whole. */
export function connectionFor(node: NodeSettings): pulumi.Output<SshTarget> {
    return pulumi.secret(
        pulumi.all([node.ssh.password, node.ssh.privateKey]).apply(([password, privateKey]) => {
            const target: SshTarget = { host: node.address, port: node.ssh.port, user: node.ssh.user };
            if (password !== undefined) target.password = password;
            if (privateKey !== undefined) target.privateKey = privateKey;
            if (node.ssh.privateKeyFile !== undefined) target.privateKeyFile = node.ssh.privateKeyFile;
            if (node.ssh.hostKey !== undefined) target.hostKey = node.ssh.hostKey;
            return target;
        }),
    );
}
