/**
 * RemoteScript: a dynamic resource that runs one rendered script on a node
 * over SSH (see step.ts for the script contract).
 *
 * - create runs the script; update runs the new script only when the script,
 *   its environment or its secrets changed — a changed connection (new key,
 *   new address of the same machine) or delete script is recorded without
 *   running anything;
 * - delete runs the delete script with the connection stored in the state;
 * - a failure names the node, the step and the last lines of output, with
 *   every secret masked; nothing is recorded, so the next `pulumi up` retries.
 *
 * This stands in for @pulumi/command's remote.Command, whose plugin cannot be
 * built here (docs/DESIGN.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { LazyDynamicResource, lazyProvider } from "../lazyProvider";
import { changeOf, diffResult, fieldChanges, propertyChanges } from "./detailedDiff";
import { digestOf, packText, unpackText } from "./packedText";
import { lastLines, maskSecrets, parseReport, runScript, SshTarget } from "./ssh";

export interface RemoteScriptArgs {
    /** How to reach the node (secret as a whole). */
    readonly connection: pulumi.Input<SshTarget>;
    /** Node name, for messages. */
    readonly node: pulumi.Input<string>;
    /** Step name, for messages. */
    readonly step: pulumi.Input<string>;
    readonly script: pulumi.Input<string>;
    readonly deleteScript?: pulumi.Input<string>;
    /** Non-secret environment variables for both scripts. */
    readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Secret environment variables for both scripts; kept encrypted in the state. */
    readonly secretEnv?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    readonly timeoutSeconds?: pulumi.Input<number>;
}

/** The provider's view of the inputs, resolved. */
interface ScriptInputs {
    connection: SshTarget;
    node: string;
    step: string;
    /** The script, packed (packedText.ts). */
    script: string;
    /** Digest of the unpacked script: what a preview shows changing. */
    scriptDigest: string;
    deleteScript?: string;
    env?: Record<string, string>;
    secretEnv?: Record<string, string>;
    timeoutSeconds?: number;
}

interface ScriptOutputs extends ScriptInputs {
    /** Values the script printed as `::output name=value`. */
    outputs: Record<string, string>;
    /** What the last run changed (`::changed` lines); empty when it found everything in place. */
    changed: string[];
    warnings: string[];
}

const DEFAULT_TIMEOUT_SECONDS = 3600;

async function execute(inputs: ScriptInputs, script: string, phase: string): Promise<Pick<ScriptOutputs, "outputs" | "changed" | "warnings">> {
    const env = { ...(inputs.env ?? {}), ...(inputs.secretEnv ?? {}) };
    const secrets = [...Object.values(inputs.secretEnv ?? {}), inputs.connection.password ?? ""];
    const where = `node ${inputs.node}, step ${inputs.step} (${phase})`;
    let result;
    try {
        result = await runScript(inputs.connection, unpackText(script), {
            env,
            timeoutSeconds: inputs.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
            connectSeconds: 120,
        });
    } catch (err) {
        throw new Error(maskSecrets(`${where}: ${(err as Error).message}`, secrets));
    }
    if (result.code !== 0) {
        throw new Error(maskSecrets(`${where} failed with exit code ${result.code} after ${result.seconds.toFixed(1)}s; last output:\n${lastLines(result, 25)}`, secrets));
    }
    return parseReport(maskSecrets(result.stdout, secrets));
}

/** Compared by digest, so a different compressor version re-packing the same script changes nothing. */
function scriptDigest(inputs: ScriptInputs): string {
    return inputs.scriptDigest ?? digestOf(unpackText(inputs.script));
}

function reruns(olds: ScriptInputs, news: ScriptInputs): boolean {
    const same = (a: unknown, b: unknown) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
    return scriptDigest(olds) !== scriptDigest(news) || !same(olds.env, news.env) || !same(olds.secretEnv, news.secretEnv);
}

export const remoteScriptProvider = {
    async check(_olds: ScriptInputs, news: ScriptInputs) {
        const failures = [];
        if (!news.script) failures.push({ property: "script", reason: "a script is required" });
        if (!news.connection || !news.connection.host) failures.push({ property: "connection", reason: "connection.host is required" });
        return { inputs: news, failures };
    },

    /** Names what changed (detailedDiff.ts): the script and delete script by their text, variables and connection fields by name. */
    async diff(_id: string, olds: ScriptOutputs, news: ScriptInputs) {
        const scriptChanged = scriptDigest(olds) !== scriptDigest(news);
        const deleteChange = changeOf(olds.deleteScript === undefined ? undefined : unpackText(olds.deleteScript), news.deleteScript === undefined ? undefined : unpackText(news.deleteScript));
        return diffResult({
            ...(scriptChanged ? { script: "update", scriptDigest: "update" } : {}),
            ...(deleteChange ? { deleteScript: deleteChange } : {}),
            ...fieldChanges("connection", olds.connection, news.connection),
            ...propertyChanges(olds, news, ["node", "step", "timeoutSeconds"]),
            ...fieldChanges("env", olds.env, news.env),
            ...fieldChanges("secretEnv", olds.secretEnv, news.secretEnv),
        });
    },

    async create(inputs: ScriptInputs) {
        const report = await execute(inputs, inputs.script, "create");
        const id = `${inputs.node}/${inputs.step}/${require("crypto").randomBytes(4).toString("hex")}`;
        return { id, outs: { ...inputs, ...report } };
    },

    async update(_id: string, olds: ScriptOutputs, news: ScriptInputs) {
        if (!reruns(olds, news)) {
            return { outs: { ...news, outputs: olds.outputs, changed: [], warnings: olds.warnings ?? [] } };
        }
        const report = await execute(news, news.script, "update");
        return { outs: { ...news, ...report } };
    },

    async delete(_id: string, olds: ScriptOutputs) {
        if (olds.deleteScript) {
            await execute(olds, olds.deleteScript, "delete");
        }
    },
};

export class RemoteScript extends LazyDynamicResource {
    /** Values the script printed as `::output name=value`. */
    declare readonly outputs: pulumi.Output<Record<string, string>>;
    /** What the last run changed. */
    declare readonly changed: pulumi.Output<string[]>;
    declare readonly warnings: pulumi.Output<string[]>;

    constructor(name: string, args: RemoteScriptArgs, opts?: pulumi.CustomResourceOptions) {
        super(
            lazyProvider("providers/remote/RemoteScript", "remoteScriptProvider"),
            name,
            {
                ...args,
                script: pulumi.output(args.script).apply(packText),
                scriptDigest: pulumi.output(args.script).apply(digestOf),
                deleteScript: args.deleteScript === undefined ? undefined : pulumi.output(args.deleteScript).apply(packText),
                connection: pulumi.secret(args.connection),
                outputs: undefined,
                changed: undefined,
                warnings: undefined,
            },
            { ...opts, additionalSecretOutputs: ["connection", "secretEnv"] },
            "remote",
            "Script",
        );
    }
}
