/**
 * The checks `verify` runs on the nodes, as data: which nodes each applies
 * to, which shell function of templates/ops-checks.sh.mustache probes it
 * with which arguments, and what fixes a failure.
 */
import { engineOf } from "../../config/databaseEngine";
import { nfsStoragePaths } from "../../config/storagePaths";
import { DEFAULTS } from "../../config/defaults";
import { expectedAgentNetworkDevices } from "../../config/kvmAgentProperties";
import { usageNodeOf } from "../../config/settings";
import { OpsContext, OpsNode, agentHostAddresses, databaseAddress, managementAddressOf, nodesWith } from "../context";
import { opsCommand } from "../commands";
import { NodeCheck } from "./types";

const has = (node: OpsNode, role: OpsNode["roles"][number]) => node.roles.includes(role);
/** A KVM node the zone registers as a host (addHost has run its setup there). */
const isRegistered = (node: OpsNode, ctx: OpsContext) => ctx.settings.zone.hosts.some((host) => host.node === node.name);
/** Several database nodes are one MariaDB Galera cluster. */
const isGalera = (ctx: OpsContext) => nodesWith(ctx, "database").length > 1;

/** The agent port on the management server (fixed in 4.19). */
export const AGENT_PORT = 8250;

/**
 * libvirt's ports on a registered host: addHost (cloudstack-setup-agent -s)
 * turns on TLS with CloudStack's certificates; plain TCP stays off
 * (python/lib/cloudutils/serviceConfig.py@4.19.3.0:607-622).
 */
export const LIBVIRT_TLS_PORT = 16514;
export const LIBVIRT_TCP_PORT = 16509;

const bridgeFix = (node: OpsNode, ctx: OpsContext) =>
    `the bridges are built by pulumi up (BridgeNetwork of ${node.name}): run pulumi up --stack ${ctx.settings.stack}; ` +
    `if SSH to the node was lost after a bridge change, see ${opsCommand(ctx, "repair host-address", node.name)} --address NEW`;

const mysqlRepair = (ctx: OpsContext) => `${opsCommand(ctx, "repair mysql-bind")} (starts MySQL, binds it to ${bindTarget(ctx)}, restarts and re-checks)`;
const kvmRepair = (node: OpsNode, ctx: OpsContext) => `${opsCommand(ctx, "repair kvm-host", node.name)} (restarts libvirtd and the agent, re-checks, reconnects the host)`;

/** Where MySQL should listen, for fix texts; still readable when the address is not known yet. */
function bindTarget(ctx: OpsContext): string {
    try {
        return databaseAddress(ctx);
    } catch {
        return "its management address";
    }
}

export const NODE_CHECKS: NodeCheck[] = [
    {
        name: "bridge-management",
        appliesTo: (node) => node.settings.bridges,
        probe: (_node, ctx) => ({ fn: "check_bridge", args: [ctx.settings.network.management.bridge, ctx.settings.network.management.cidr] }),
        fix: bridgeFix,
    },
    {
        name: "bridge-public",
        appliesTo: (node) => node.settings.bridges,
        probe: (_node, ctx) => ({ fn: "check_bridge", args: [ctx.settings.network.public.bridge, ctx.settings.network.public.cidr] }),
        fix: bridgeFix,
    },
    {
        name: "mysql-service",
        appliesTo: (node) => has(node, "database"),
        probe: (_node, ctx) => ({ fn: "check_service", args: [engineOf(ctx.settings.packages).service] }),
        fix: (_node, ctx) => mysqlRepair(ctx),
    },
    {
        name: "mysql-bind",
        appliesTo: (node) => has(node, "database"),
        // A Galera member binds its own management address; a single server database.bindAddress or its own.
        probe: (node, ctx) => ({ fn: "check_mysql_bind", args: [ctx.settings.database.port, isGalera(ctx) ? managementAddressOf(node) : databaseAddress(ctx)] }),
        fix: (_node, ctx) => mysqlRepair(ctx),
    },
    {
        name: "galera-cluster",
        appliesTo: (node, ctx) => has(node, "database") && isGalera(ctx),
        probe: (_node, ctx) => ({ fn: "check_galera", args: [nodesWith(ctx, "database").length] }),
        fix: (node, ctx) => `${opsCommand(ctx, "repair galera-rejoin", node.name)} (restarts ${engineOf(ctx.settings.packages).service} on ${node.name}, which rejoins through a running member, and waits for Synced)`,
    },
    {
        name: "mysql-accounts",
        appliesTo: (node) => has(node, "database"),
        probe: (_node, ctx) => ({ fn: "check_mysql_accounts", args: [nodesWith(ctx, "management").map(managementAddressOf).join(",")] }),
        fix: (node, ctx, detail) => {
            const extra = /accounts beyond the management servers: (.*)$/.exec(detail);
            if (extra) return `only the management servers may log in: on ${node.name} run mysql -e "DROP USER ${extra[1].trim().split(" ").join(", ")}"`;
            return `the cloud accounts are made when the schema is created and narrowed by the database-lockdown step: run pulumi up --stack ${ctx.settings.stack}`;
        },
    },
    {
        name: "mysql-from-management",
        appliesTo: (node) => has(node, "management"),
        probe: (_node, ctx) => ({ fn: "check_mysql_handshake", args: [databaseAddress(ctx), ctx.settings.database.port, "accept"] }),
        fix: (node, ctx, detail) =>
            /error 1130/.test(detail)
                ? `the database has no cloud account for ${node.name}'s address: re-run its database-lockdown step: pulumi up --stack ${ctx.settings.stack} --replace <URN of ${nodesWith(ctx, "database")[0]?.name}-database-lockdown> (pulumi stack --show-urns)`
                : mysqlRepair(ctx),
    },
    {
        name: "mysql-isolated",
        appliesTo: (node, ctx) => !has(node, "management") && !has(node, "database") && nodesWith(ctx, "database").length > 0,
        probe: (_node, ctx) => ({ fn: "check_mysql_handshake", args: [databaseAddress(ctx), ctx.settings.database.port, "refuse"] }),
        fix: (node, ctx) =>
            `the database greets ${node.name}, which is not a management server: either an account allows its address (see mysql-accounts; '%' allows every host), ` +
            `or the server still holds a dropped '%' account in memory (MySQL and MariaDB accept every host until FLUSH PRIVILEGES or a restart): ` +
            `on ${nodesWith(ctx, "database")[0]?.name} run mysql -e 'FLUSH PRIVILEGES'; a firewall on port ${ctx.settings.database.port} limited to the management addresses closes it for good`,
    },
    {
        name: "management-service",
        appliesTo: (node) => has(node, "management"),
        probe: () => ({ fn: "check_service", args: ["cloudstack-management"] }),
        fix: (node, ctx) => `on ${node.name}: systemctl restart cloudstack-management; if it stops again, ${opsCommand(ctx, "diagnose")} and read management-server.log in the bundle`,
    },
    {
        name: "usage-service",
        // cloudstack-usage runs on exactly one management server.
        appliesTo: (node, ctx) => has(node, "management") && node.name === usageNodeOf(ctx.settings),
        probe: () => ({ fn: "check_service", args: ["cloudstack-usage"] }),
        fix: (node) => `on ${node.name}: systemctl restart cloudstack-usage (it needs the cloud_usage database; see /var/log/cloudstack/usage/usage.log)`,
    },
    {
        name: "management-api",
        appliesTo: (node) => has(node, "management"),
        probe: (_node, ctx) => ({ fn: "check_api", args: [`http://127.0.0.1:${ctx.settings.management.uiPort}${ctx.settings.management.apiPath}`] }),
        fix: (node, ctx) => `the management server on ${node.name} does not serve its API: see management-service, then ${opsCommand(ctx, "diagnose")}`,
    },
    {
        name: "balancer-service",
        appliesTo: (node) => has(node, "loadbalancer"),
        probe: () => ({ fn: "check_service", args: ["haproxy"] }),
        fix: (node, ctx) => `on ${node.name}: systemctl restart haproxy (journalctl -u haproxy says why it stopped); pulumi up --stack ${ctx.settings.stack} re-applies its configuration`,
    },
    {
        name: "balancer-backends",
        appliesTo: (node) => has(node, "loadbalancer"),
        probe: (_node, ctx) => ({ fn: "check_balancer_backends", args: [DEFAULTS.haproxyStatsSocket, nodesWith(ctx, "management").map((n) => n.name).join(",")] }),
        fix: (node, ctx, detail) => {
            const down = /DOWN: (.*)$/.exec(detail)?.[1]?.trim();
            return down
                ? `the balancer on ${node.name} finds no API on ${down}: see management-service and management-api of ${down}`
                : `the balancer's configuration does not list every management server: pulumi up --stack ${ctx.settings.stack}`;
        },
    },
    {
        name: "balancer-api",
        appliesTo: (node) => has(node, "loadbalancer"),
        probe: (_node, ctx) => ({ fn: "check_api", args: [`http://127.0.0.1:${ctx.settings.management.uiPort}${ctx.settings.management.apiPath}`] }),
        fix: (node) => `nothing answers the API through the balancer on ${node.name}: see balancer-service and balancer-backends`,
    },
    {
        name: "prometheus-exporter",
        appliesTo: (node, ctx) => has(node, "management") && ctx.settings.monitoring.prometheus,
        probe: (_node, ctx) => ({ fn: "check_ports", args: [ctx.settings.monitoring.prometheusPort] }),
        fix: (node, ctx) =>
            `the exporter starts with the management server only when prometheus.exporter.enable is true: run pulumi up --stack ${ctx.settings.stack} (it sets the settings and restarts the server when they changed), or on ${node.name}: systemctl restart cloudstack-management`,
    },
    {
        name: "nfs-exports",
        appliesTo: (node) => has(node, "nfs"),
        probe: (_node, ctx) => ({ fn: "check_exports", args: [ctx.settings.nfs.exportRoot, ...nfsStoragePaths(ctx.settings.nfs, ctx.settings.zone).map((p) => p.path)] }),
        fix: (node, ctx) => `pulumi up --stack ${ctx.settings.stack} re-applies /etc/exports.d/cloudstack-infra.exports on ${node.name}; then exportfs -ra`,
    },
    {
        name: "nfs-ports",
        appliesTo: (node) => has(node, "nfs"),
        probe: (_node, ctx) =>
            ctx.settings.nfs.verifyServing ? { fn: "check_ports", args: [111, 2049, ctx.settings.nfs.ports.mountd] } : { skip: "nfs.verifyServing is false (no kernel NFS server expected)" },
        fix: (node) => `on ${node.name}: systemctl restart rpcbind nfs-server rpc-statd (ports are pinned in /etc/nfs.conf.d/cloudstack-infra.conf); check a firewall does not hide them`,
    },
    {
        name: "kvm-device",
        appliesTo: (node) => has(node, "kvm"),
        probe: (_node, ctx) => (ctx.settings.kvm.requireHardwareVirtualization ? { fn: "check_kvm_device", args: [] } : { skip: "kvm.requireHardwareVirtualization is false" }),
        fix: (node) => `KVM needs hardware virtualisation on ${node.name}: enable Intel VT-x / AMD-V in the BIOS/UEFI (or nested virtualisation on its VM host), then reboot; kvm-ok tells what is missing`,
    },
    {
        name: "libvirtd-service",
        appliesTo: (node) => has(node, "kvm"),
        probe: () => ({ fn: "check_service", args: ["libvirtd"] }),
        fix: kvmRepair,
    },
    {
        name: "libvirt-listening",
        appliesTo: (node) => has(node, "kvm"),
        probe: () => ({ fn: "check_libvirt_tls_only", args: [LIBVIRT_TLS_PORT, LIBVIRT_TCP_PORT] }),
        fix: kvmRepair,
    },
    {
        name: "libvirt-certificates",
        appliesTo: (node, ctx) => has(node, "kvm") && isRegistered(node, ctx),
        probe: () => ({ fn: "check_libvirt_certificates", args: [] }),
        fix: (node) =>
            `the host's registration did not finish on ${node.name}: see the addHost error and /var/log/cloudstack/agent/setup.log there; ` +
            `CloudStack issues the certificates again with provisionCertificate (cmk provisionCertificate hostid=<the host's id>)`,
    },
    {
        name: "kvm-settings",
        appliesTo: (node, ctx) => has(node, "kvm") && isRegistered(node, ctx),
        probe: (_node, ctx) => ({ fn: "check_kvm_settings", args: expectedAgentNetworkDevices(ctx.settings.zone.physicalNetworks) }),
        fix: (node) => `on ${node.name}: put the settings named in the detail back (the libvirt ones are what the kvm stage of pulumi up writes), then systemctl restart libvirtd cloudstack-agent`,
    },
    {
        name: "agent-service",
        appliesTo: (node) => has(node, "kvm"),
        probe: () => ({ fn: "check_service", args: ["cloudstack-agent"] }),
        fix: kvmRepair,
    },
    {
        name: "agent-connected",
        appliesTo: (node) => has(node, "kvm"),
        probe: (_node, ctx) => {
            if (nodesWith(ctx, "management").length === 0) fail("the stack has no management node for the agent to connect to");
            return { fn: "check_agent_connected", args: [agentHostAddresses(ctx).join(","), AGENT_PORT] };
        },
        fix: kvmRepair,
    },
];

function fail(message: string): never {
    throw new Error(message);
}
