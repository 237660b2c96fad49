/**
 * Consecutive steps of one stage become one RemoteScript: a KVM host's seven
 * install steps are one resource, not seven. Each Pulumi resource costs the
 * engine and the program time whether it runs anything or not, so a 100-host
 * stack previews twice as fast this way (bench/preview-scale.ts), while the
 * scripts stay one template per step and a failure still names its step.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderTemplate, templateOf } from "../providers/remote/templates";
import { RemoteStep } from "../providers/remote/step";

export interface Stage extends RemoteStep {
    /** The steps merged into this stage, in order. */
    steps: string[];
    /** The templates of those steps' scripts, in order: named at preview, never an input of the resource. */
    templates: string[];
}

/** The steps, each in `stage` unless it names its own. */
export function inStage(stage: string, steps: RemoteStep[]): RemoteStep[] {
    return steps.map((step) => ({ ...step, stage: step.stage ?? stage }));
}

/** A step without a stage is a stage of its own. */
const stageName = (step: RemoteStep) => step.stage ?? step.name;

/** Merges runs of consecutive steps that share a stage. */
export function mergeStages(steps: RemoteStep[]): Stage[] {
    const runs: RemoteStep[][] = [];
    for (const step of steps) {
        const last = runs[runs.length - 1];
        // A step that names what it runs after, or waits for another node, starts a stage of its own.
        if (last && stageName(last[0]) === stageName(step) && step.after === undefined && !step.requires?.length) last.push(step);
        else runs.push([step]);
    }
    const stageOf = new Map(runs.flatMap((run) => run.map((step) => [step.name, stageName(run[0])] as const)));
    return runs.map((run) => {
        const name = stageName(run[0]);
        if (runs.filter((r) => stageName(r[0]) === name).length > 1) {
            throw new Error(`stage ${name} is split by other steps; its steps must be consecutive`);
        }
        const merged: Stage = {
            name,
            steps: run.map((s) => s.name),
            templates: run.map((s) => templateOf(s.script)).filter((t): t is string => t !== undefined),
            script: run.length === 1 ? run[0].script : renderTemplate("stage.sh", { steps: run.map((s) => ({ name: s.name, script: s.script })) }),
            deleteScript: deleteScriptOf(run),
            env: mergedEnv(name, run),
            secretEnv: [...new Set(run.flatMap((s) => s.secretEnv ?? []))],
            after: run[0].after?.map((step) => stageOf.get(step) ?? step),
            requires: run[0].requires,
            timeoutSeconds: run.reduce((sum, s) => sum + (s.timeoutSeconds ?? 0), 0) || undefined,
        };
        return merged;
    });
}

function deleteScriptOf(run: RemoteStep[]): string | undefined {
    const deletes = run.filter((s) => s.deleteScript !== undefined).reverse();
    if (deletes.length === 0) return undefined;
    if (deletes.length === 1 && run.length === 1) return deletes[0].deleteScript;
    return renderTemplate("stage-delete.sh", { steps: deletes.map((s) => ({ name: s.name, script: s.deleteScript })) });
}

function mergedEnv(stage: string, run: RemoteStep[]): Record<string, pulumi.Input<string>> | undefined {
    const env: Record<string, pulumi.Input<string>> = {};
    for (const step of run) {
        for (const [name, value] of Object.entries(step.env ?? {})) {
            if (name in env && env[name] !== value) throw new Error(`stage ${stage}: steps give the environment variable ${name} different values`);
            env[name] = value;
        }
    }
    return Object.keys(env).length > 0 ? env : undefined;
}
