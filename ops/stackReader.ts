/**
 * Reads a deployed stack the way ops needs it, through the Automation API
 * and the project's own Pulumi engine (.tools/pulumi): the config, decrypted,
 * turned into Settings exactly as the program does it (buildSettings and
 * validateSettings, secrets marked by their config flags); the outputs
 * (apiUrl, apiKeys, zoneId, nodes); and every secret the state holds, only
 * so that ops can mask them.
 */
import * as path from "path";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { NAMESPACE } from "../config/buildSettings";
import { RawObject } from "../config/fields";
import { Settings } from "../config/settings";
import { ContextExtras } from "./context";
import { parseConfigValue, settingsFromConfig } from "../config/readSettings";

export interface StackView {
    settings: Settings;
    extras: ContextExtras;
}

export interface ReadStackOptions {
    /** The Pulumi project directory (the repository). */
    workDir: string;
    stackName: string;
    /** Environment for the engine; the CLI's comes from scripts/pulumi-env.sh. */
    envVars?: Record<string, string>;
    /** Where the Pulumi CLI is installed (default <workDir>/.tools/pulumi). */
    pulumiRoot?: string;
}

/** How `pulumi stack export --show-secrets` marks a secret value. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

export async function readStack(options: ReadStackOptions): Promise<StackView> {
    const pulumiCommand = await PulumiCommand.get({ root: options.pulumiRoot ?? path.join(options.workDir, ".tools", "pulumi"), skipVersionCheck: true });
    const stack = await LocalWorkspace.selectStack({ stackName: options.stackName, workDir: options.workDir }, { pulumiCommand, envVars: options.envVars ?? {} }).catch((err: Error) => {
        const reason = /error: (.*)/.exec(err.message)?.[1] ?? err.message;
        throw new Error(`--stack: cannot open stack "${options.stackName}" of ${options.workDir}: ${reason} (pulumi stack ls lists the stacks of this backend)`);
    });
    const [config, outputs, deployment, project] = await Promise.all([
        stack.getAllConfig(),
        stack.outputs(),
        stack.exportStack(),
        stack.workspace.projectSettings(),
    ]);

    const raw: RawObject = {};
    const secretKeys = new Set<string>();
    const configSecrets: string[] = [];
    for (const [fullKey, { value, secret }] of Object.entries(config)) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE || key === undefined) continue;
        raw[key] = parseConfigValue(value);
        if (secret) {
            secretKeys.add(key);
            configSecrets.push(...secretStringsIn(raw[key]));
        }
    }
    const { settings, problems } = settingsFromConfig(raw, { project: project.name, stack: options.stackName, isSecret: (key) => secretKeys.has(key) });
    problems.throwIfAny();

    const output = (name: string) => outputs[name]?.value as unknown;
    const keys = output("apiKeys") as { apiKey?: string; secretKey?: string } | undefined;
    const apiUrl = (output("apiUrl") as string | undefined) ?? settings.zone.apiUrl;
    const nodes = (output("nodes") ?? {}) as Record<string, { managementAddress?: string }>;
    const managementAddresses = Object.fromEntries(
        Object.entries(nodes)
            .filter(([, node]) => typeof node?.managementAddress === "string")
            .map(([name, node]) => [name, node.managementAddress as string]),
    );
    const outputSecrets = Object.values(outputs)
        .filter((o) => o.secret)
        .flatMap((o) => secretStringsIn(o.value));
    return {
        settings,
        extras: {
            projectDir: options.workDir,
            api: apiUrl && keys?.apiKey && keys?.secretKey ? { apiUrl, apiKey: keys.apiKey, secretKey: keys.secretKey } : undefined,
            zoneId: output("zoneId") as string | undefined,
            managementAddresses,
            secrets: [...configSecrets, ...outputSecrets, ...secretsInState(deployment)],
        },
    };
}

// Inside a secret object (an SSH connection, a node list, a script's secret
// environment) only these fields are secret; host names and users are not,
// and masking them would make every message unreadable.
const SECRET_FIELD = /password|secret|key|token/i;
const PUBLIC_FIELD = /^(hostKey|privateKeyFile|publicKey|keyFile)$/;

/** The secret strings of a secret value: all of a string, the secret fields of an object. */
function secretStringsIn(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(secretStringsIn);
    if (!value || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([field, inner]) => {
        if (typeof inner === "string") return SECRET_FIELD.test(field) && !PUBLIC_FIELD.test(field) ? [inner] : [];
        return secretStringsIn(inner);
    });
}

/** The plaintext of every secret in an exported deployment. */
export function secretsInState(deployment: unknown): string[] {
    const found: string[] = [];
    const walk = (value: unknown): void => {
        if (Array.isArray(value)) return value.forEach(walk);
        if (!value || typeof value !== "object") return;
        const record = value as Record<string, unknown>;
        if (SECRET_SIG in record && typeof record.plaintext === "string") {
            try {
                found.push(...secretStringsIn(JSON.parse(record.plaintext)));
            } catch {
                found.push(record.plaintext);
            }
            return;
        }
        Object.values(record).forEach(walk);
    };
    walk(deployment);
    return found;
}
