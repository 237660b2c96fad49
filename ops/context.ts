/**
 * What every ops command works with: the stack's typed Settings, how to
 * reach each node (secrets resolved), the API connection from the stack's
 * outputs, and every secret value known, so output can be masked.
 *
 * Built from a stack (stackReader.ts) by the CLI, or straight from Settings by
 * tests.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../config/defaults";
import { NodeSettings, Role, Settings } from "../config/settings";
import { ApiConnection } from "../providers/cloudstack/resource";
import { SshTarget } from "../providers/remote/ssh";
import { connectionFor } from "../providers/remote/connection";

export interface OpsNode {
    name: string;
    roles: Role[];
    settings: NodeSettings;
    target: SshTarget;
    /** Address on the management network: configured, or what the last `pulumi up` found. */
    managementAddress?: string;
}

export interface OpsContext {
    settings: Settings;
    nodes: OpsNode[];
    /** The admin's API connection; undefined when the stack has no API keys yet. */
    api?: ApiConnection;
    zoneId?: string;
    /** Every secret value known to the stack: masked in all output. */
    secrets: string[];
    /** Relative paths (backup.directory, diagnostics/) are resolved here. */
    projectDir: string;
}

/** What a stack's outputs (or a test) add to the settings. */
export interface ContextExtras {
    projectDir: string;
    api?: ApiConnection;
    zoneId?: string;
    /** Management addresses by node name (the stack output `nodes`). */
    managementAddresses?: Record<string, string>;
    /** Secret values beyond those in Settings (outputs, state). */
    secrets?: string[];
}

/** The value inside an Output, outside any deployment. */
export function valueOf<T>(output: pulumi.Output<T> | undefined): Promise<T | undefined> {
    if (output === undefined) return Promise.resolve(undefined);
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

function targetOf(node: NodeSettings): Promise<SshTarget> {
    // The same connection `pulumi up` uses (components/remoteSteps.ts), resolved.
    return valueOf(connectionFor(node)) as Promise<SshTarget>;
}

export async function buildContext(settings: Settings, extras: ContextExtras): Promise<OpsContext> {
    const nodes = await Promise.all(
        settings.nodes.map(async (node): Promise<OpsNode> => ({
            name: node.name,
            roles: node.roles,
            settings: node,
            target: await targetOf(node),
            managementAddress: node.managementAddress ?? extras.managementAddresses?.[node.name],
        })),
    );
    const settingSecrets = await Promise.all(Object.values(settings.secrets).map((secret) => valueOf(secret)));
    const nodeSecrets = nodes.flatMap((n) => [n.target.password, n.target.privateKey]);
    const apiSecrets = extras.api ? [extras.api.apiKey, extras.api.secretKey] : [];
    // The fresh install's published admin password ("password") is no secret, and masking the word would garble every log.
    const secrets = [...settingSecrets, ...nodeSecrets, ...apiSecrets, ...(extras.secrets ?? [])].filter(
        (s): s is string => typeof s === "string" && s.length > 0 && s !== DEFAULTS.initialAdminPassword,
    );
    return { settings, nodes, api: extras.api, zoneId: extras.zoneId, secrets: [...new Set(secrets)], projectDir: extras.projectDir };
}

/** The nodes carrying a role. */
export function nodesWith(ctx: OpsContext, role: Role): OpsNode[] {
    return ctx.nodes.filter((n) => n.roles.includes(role));
}

/** The one node with a role (the first when several), or an error naming what is missing. */
export function nodeWith(ctx: OpsContext, role: Role): OpsNode {
    const node = nodesWith(ctx, role)[0];
    if (!node) throw new Error(`the stack has no node with the role ${role} (cloudstack:nodes)`);
    return node;
}

/** The node named `name`, or an error listing the names there are. */
export function nodeNamed(ctx: OpsContext, name: string): OpsNode {
    const node = ctx.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`--node: "${name}" is not a node of stack ${ctx.settings.stack}; its nodes are ${ctx.nodes.map((n) => n.name).join(", ")}`);
    return node;
}

/** The node's management address, or an error saying how to learn it. */
export function managementAddressOf(node: OpsNode): string {
    if (!node.managementAddress) {
        throw new Error(`the management address of node ${node.name} is unknown: set managementAddress in cloudstack:nodes or run pulumi up once (the stack output "nodes" records it)`);
    }
    return node.managementAddress;
}

/** The address MySQL must listen on: database.bindAddress, else the database node's management address. */
export function databaseAddress(ctx: OpsContext): string {
    return ctx.settings.database.bindAddress ?? managementAddressOf(nodeWith(ctx, "database"));
}

/**
 * What agents are told to connect to (the `host` setting, components/highAvailability.ts): the
 * balancer's address, or every management server's.
 */
export function agentHostAddresses(ctx: OpsContext): string[] {
    const [balancer] = nodesWith(ctx, "loadbalancer");
    if (balancer && ctx.settings.loadBalancer.agents === "balancer") return [ctx.settings.loadBalancer.virtualAddress ?? managementAddressOf(balancer)];
    return nodesWith(ctx, "management").map(managementAddressOf);
}

/** The API connection, or an error saying where it comes from. */
export function apiOf(ctx: OpsContext): ApiConnection {
    if (!ctx.api) throw new Error(`stack ${ctx.settings.stack} has no API keys: its outputs apiUrl/apiKeys are missing (has pulumi up built the zone?)`);
    return ctx.api;
}
