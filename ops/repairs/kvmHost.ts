/**
 * repair kvm-host: on one KVM node, restart libvirtd and the agent and wait
 * for both (libvirt listening, agent connected); then make CloudStack see
 * the host Up again (reconnectHost when it is not), and re-check.
 */
import { apiClient, zoneIdOf } from "../api";
import { integerFlag, OpsArgs } from "../args";
import { agentHostAddresses, managementAddressOf, nodeNamed, nodesWith, nodeWith, OpsContext, OpsNode } from "../context";
import { AGENT_PORT, LIBVIRT_TCP_PORT, LIBVIRT_TLS_PORT } from "../checks/nodeChecks";
import { runOnNodeOrFail } from "../nodeScript";
import { recheck } from "./recheck";
import { RepairAction } from "./types";
import { reconnectUntilUp, routingHostByAddress } from "../../providers/cloudstack/operations";

/** The KVM node the action is about: --node, or the only KVM node. */
export function kvmNodeOf(ctx: OpsContext, args: OpsArgs): OpsNode {
    const kvmNodes = nodesWith(ctx, "kvm");
    const name = args.flags.node ?? (kvmNodes.length === 1 ? kvmNodes[0].name : undefined);
    if (name === undefined) throw new Error(`--node: the stack has ${kvmNodes.length} KVM nodes (${kvmNodes.map((n) => n.name).join(", ")}); name one`);
    const node = nodeNamed(ctx, name);
    if (!node.roles.includes("kvm")) throw new Error(`--node: ${name} is not a KVM node (its roles: ${node.roles.join(", ")})`);
    return node;
}

/** Reconnects the CloudStack host of this node unless it is Up, and waits for Up. */
async function hostUp(ctx: OpsContext, node: OpsNode, timeoutSeconds: number, log: (line: string) => void): Promise<void> {
    if (!ctx.api) {
        log("the stack has no API keys: skipping the host state in CloudStack");
        return;
    }
    const api = apiClient(ctx);
    const ip = ctx.settings.zone.hosts.find((h) => h.node === node.name)?.ip ?? managementAddressOf(node);
    const zoneid = await zoneIdOf(ctx, api);
    const host = await routingHostByAddress(api, zoneid, ip);
    if (!host) throw new Error(`CloudStack has no host with address ${ip} in zone ${ctx.settings.zone.name}: run pulumi up --stack ${ctx.settings.stack} to register it`);
    await reconnectUntilUp(api, zoneid, host, timeoutSeconds * 1000, log);
}

export const kvmHost: RepairAction = {
    name: "kvm-host",
    summary: "restart libvirtd and the agent on a KVM node, wait for libvirt's port and the agent's connection, reconnect the host in CloudStack, re-check",
    async run(ctx, args, log) {
        const node = kvmNodeOf(ctx, args);
        const timeout = integerFlag(args, "timeout", 300, 10, 7200);
        // What the agent is told to connect to: the balancer, or the first management server.
        nodeWith(ctx, "management");
        const management = agentHostAddresses(ctx)[0];
        const run = await runOnNodeOrFail(ctx, node, "ops-repair-kvm-host", { libvirtTlsPort: LIBVIRT_TLS_PORT, libvirtTcpPort: LIBVIRT_TCP_PORT, agentPort: AGENT_PORT }, {
            env: { MANAGEMENT_ADDRESS: management },
            timeoutSeconds: 240,
        });
        for (const change of run.report.changed) log(`${node.name}: ${change}`);
        for (const warning of run.report.warnings) log(`${node.name}: warning: ${warning}`);
        await hostUp(ctx, node, timeout, log);
        return recheck(ctx, ["libvirtd-service", "libvirt-listening", "agent-service", "agent-connected", "hosts-up"], log, node.name);
    },
};
