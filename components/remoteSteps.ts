/**
 * Turns the plain step lists of components/steps/* into RemoteScript
 * resources: one per step, children of the node component, chained in list
 * order unless a step names what it runs after.
 */
import * as pulumi from "@pulumi/pulumi";
import { NodeSettings } from "../config/settings";
import { RemoteScript } from "../providers/remote/RemoteScript";
import { SshTarget } from "../providers/remote/ssh";
import { ExternalDependency, RemoteStep, SecretName } from "../providers/remote/step";

/** Secret values a node's steps may ask for, by the names in step.ts. */
export type StepSecrets = Partial<Record<SecretName, pulumi.Input<string>>>;

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

export interface StepRunContext {
    node: NodeSettings;
    connection: pulumi.Input<SshTarget>;
    secrets: StepSecrets;
    parent: pulumi.Resource;
    /** What every step of this list waits for (e.g. the node's base setup). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Other nodes' work, for the steps that declare they require it. */
    external?: Partial<Record<ExternalDependency, pulumi.Resource[]>>;
}

/** Creates the steps' resources; returns them by step name. */
export function createRemoteSteps(ctx: StepRunContext, steps: RemoteStep[]): Record<string, RemoteScript> {
    const created: Record<string, RemoteScript> = {};
    steps.forEach((step, index) => {
        const after = step.after ?? (index > 0 ? [steps[index - 1].name] : []);
        const missing = after.filter((name) => created[name] === undefined);
        if (missing.length > 0) {
            throw new Error(`step ${step.name} on ${ctx.node.name} runs after ${missing.join(", ")}, which must come earlier in the list`);
        }
        const secretEnv = step.secretEnv?.length ? pulumi.secret(secretValues(ctx, step)) : undefined;
        const external = (step.requires ?? []).flatMap((dependency) => {
            const resources = ctx.external?.[dependency];
            if (!resources) throw new Error(`step ${step.name} on ${ctx.node.name} requires the ${dependency}, which its component did not supply`);
            return resources;
        });
        created[step.name] = new RemoteScript(
            `${ctx.node.name}-${step.name}`,
            {
                connection: ctx.connection,
                node: ctx.node.name,
                step: step.name,
                script: step.script,
                deleteScript: step.deleteScript,
                env: step.env,
                secretEnv,
                timeoutSeconds: step.timeoutSeconds,
            },
            { parent: ctx.parent, dependsOn: [...ctx.dependsOn, ...external, ...after.map((name) => created[name])] },
        );
    });
    return created;
}

function secretValues(ctx: StepRunContext, step: RemoteStep): pulumi.Output<Record<string, string>> {
    const names = step.secretEnv ?? [];
    for (const name of names) {
        if (ctx.secrets[name] === undefined) throw new Error(`step ${step.name} on ${ctx.node.name} needs the secret ${name}, which its component did not supply`);
    }
    return pulumi.all(names.map((name) => pulumi.output(ctx.secrets[name]!))).apply((values) => Object.fromEntries(names.map((name, i) => [name, values[i]])));
}
