/**
 * repair host-address: a node answers SSH at a new address (a bridge change
 * moved it, DHCP gave it another one). Before the stack is pointed there,
 * prove that the new address reaches the same machine: the host key it
 * presents must be the pinned one (ssh.hostKey), or the one still answering
 * at the old address. Then say exactly which config to change. Nothing is
 * changed here: the stack config is the operator's.
 */
import { createHash } from "crypto";
import { nodeNamed, OpsContext, OpsNode } from "../context";
import { UsageError } from "../args";
import { openSession, sameHostKey } from "../sshSession";
import { RepairAction } from "./types";

async function presentedKey(node: OpsNode, host: string, port: number): Promise<{ key?: string; error?: string }> {
    try {
        const session = await openSession({ ...node.target, host, port }, false, 15);
        session.client.end();
        return { key: session.hostKey };
    } catch (err) {
        return { error: (err as Error).message };
    }
}

/** "ssh-ed25519 SHA256:..." as ssh-keygen -lf shows it. */
const fingerprint = (key: string) => `${key.split(" ")[0]} SHA256:${createHash("sha256").update(Buffer.from(key.split(" ")[1] ?? "", "base64")).digest("base64").replace(/=+$/, "")}`;

function configCommands(ctx: OpsContext, node: OpsNode, address: string, port: number, key: string): string[] {
    const index = ctx.settings.nodes.findIndex((n) => n.name === node.name);
    const set = (path: string, value: string | number) => `  pulumi config set --stack ${ctx.settings.stack} --path 'cloudstack:nodes[${index}].${path}' ${value}`;
    const lines = [set("address", address)];
    if (port !== node.target.port) lines.push(set("ssh.port", port));
    if (!node.settings.ssh.hostKey) lines.push(`${set("ssh.hostKey", `'${key}'`)}    # pins the key just verified`);
    return lines;
}

export const hostAddress: RepairAction = {
    name: "host-address",
    summary: "check that a node's new SSH address (--address, --port) reaches the same machine (host key), then print the config change",
    async run(ctx, args, log) {
        if (!args.flags.node || !args.flags.address) throw new UsageError("repair host-address needs --node NAME and --address NEW_ADDRESS (and --port when SSH moved to another port)");
        const node = nodeNamed(ctx, args.flags.node);
        const address = args.flags.address;
        const port = args.flags.port ? Number(args.flags.port) : node.target.port;
        if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port: "${args.flags.port}" is not a port number (1-65535)`);

        const found = await presentedKey(node, address, port);
        if (!found.key) {
            log(`${address}:${port} does not answer SSH for ${node.target.user}: ${found.error}`);
            return false;
        }
        log(`${address}:${port} presents ${fingerprint(found.key)}`);
        let reference = node.settings.ssh.hostKey;
        let source = "the pinned ssh.hostKey";
        if (!reference) {
            const old = await presentedKey(node, node.target.host, node.target.port);
            reference = old.key;
            source = `the key still presented at the old address ${node.target.host}:${node.target.port}`;
            if (!reference) {
                log(`cannot prove that ${address} is ${node.name}: no ssh.hostKey is pinned and the old address ${node.target.host}:${node.target.port} does not answer (${old.error}).`);
                log(`Compare ${fingerprint(found.key)} with the node's key on its console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub); if they match, run:`);
                for (const line of configCommands(ctx, node, address, port, found.key)) log(line);
                return false;
            }
        }
        if (!sameHostKey(found.key, reference)) {
            log(`${address}:${port} is NOT ${node.name}: its host key differs from ${source} (${fingerprint(reference)}).`);
            log("Do not change the stack to this address: it reaches another machine (or the node was reinstalled and has new host keys).");
            return false;
        }
        log(`${address}:${port} is ${node.name}: its host key matches ${source}. Point the stack at it:`);
        for (const line of configCommands(ctx, node, address, port, found.key)) log(line);
        log(`then: pulumi up --stack ${ctx.settings.stack}   # the node scripts record the new connection without running again`);
        log(`      npm run verify -- --stack ${ctx.settings.stack}`);
        if (node.managementAddress && address !== node.target.host && address !== node.managementAddress && ctx.settings.zone.hosts.some((h) => h.node === node.name)) {
            log(`note: CloudStack knows ${node.name} by its management address ${node.managementAddress}; if that address changed too, the host must be removed and added again (CloudStack cannot change a host's IP).`);
        }
        return true;
    },
};
