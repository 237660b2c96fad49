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
import { mergeStages } from "./stages";

/** Secret values a node's steps may ask for, by the names in step.ts. */
export type StepSecrets = Partial<Record<SecretName, pulumi.Input<string>>>;


export interface StepRunContext {
    node: NodeSettings;
    connection: pulumi.Input<SshTarget>;
    secrets: StepSecrets;
    /** The node's component (undefined: the stack). */
    parent: pulumi.Resource | undefined;
    /** Where these steps were before (a former parent): existing stacks keep them through these aliases. */
    aliases?: pulumi.Input<pulumi.Alias>[];
    /** What every step of this list waits for (e.g. the node's base setup). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** Other nodes' work, for the steps that declare they require it. */
    external?: Partial<Record<ExternalDependency, pulumi.Resource[]>>;
}

export interface StepResources {
    /** One per stage, in order. */
    all: RemoteScript[];
    /** The last stage: what "this list is done" means to others. */
    last: RemoteScript;
    /** The resource that runs a step (or stage) of this name. */
    of(name: string): RemoteScript;
}

/** Creates one resource per stage (components/stages.ts). */
export function createRemoteSteps(ctx: StepRunContext, allSteps: RemoteStep[]): StepResources {
    const created: Record<string, RemoteScript> = {};
    const all: RemoteScript[] = [];
    const steps = mergeStages(allSteps);
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
            { parent: ctx.parent, aliases: ctx.aliases, dependsOn: [...ctx.dependsOn, ...external, ...after.map((name) => created[name])] },
        );
        // The preview line of the resource names what it runs (a log, not an input: inputs unchanged).
        if (pulumi.runtime.isDryRun() && step.templates.length > 0) pulumi.log.info(`templates: ${step.templates.join(", ")}`, created[step.name]);
        all.push(created[step.name]);
        for (const merged of step.steps) created[merged] = created[step.name];
    });
    if (all.length === 0) throw new Error(`no steps for ${ctx.node.name}`);
    return {
        all,
        last: all[all.length - 1],
        of(name: string) {
            const found = created[name];
            if (!found) throw new Error(`no step ${name} on ${ctx.node.name}`);
            return found;
        },
    };
}

function secretValues(ctx: StepRunContext, step: RemoteStep): pulumi.Output<Record<string, string>> {
    const names = step.secretEnv ?? [];
    for (const name of names) {
        if (ctx.secrets[name] === undefined) throw new Error(`step ${step.name} on ${ctx.node.name} needs the secret ${name}, which its component did not supply`);
    }
    return pulumi.all(names.map((name) => pulumi.output(ctx.secrets[name]!))).apply((values) => Object.fromEntries(names.map((name, i) => [name, values[i]])));
}
