/**
 * The one place that reads the stack config. Everything downstream receives
 * the typed, validated Settings.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSettings, ConfigContext, NAMESPACE } from "./buildSettings";
import { RawObject } from "./fields";
import { ConfigProblems } from "./problems";
import { Settings } from "./settings";
import { validateSettings } from "./validate";

// Not in the SDK's typings, but part of its runtime module since 2.x: which keys `pulumi config set --secret` stored.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Reads, types and validates the stack config; throws one error listing every problem. */
export function loadSettings(): Settings {
    const raw = rawConfigFrom(Object.entries(pulumi.runtime.allConfig()));
    const { settings, problems } = settingsFromConfig(raw, {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        isSecret: (key) => isConfigSecret(`${NAMESPACE}:${key}`),
    });
    problems.throwIfAny();
    return settings;
}

/**
 * The one way from a config map to Settings, for the program, `npm run ops`
 * (ops/stackReader.ts) and the tests: typed, then validated; every problem is
 * collected, nothing thrown.
 */
export function settingsFromConfig(raw: RawObject, context: ConfigContext): { settings: Settings; problems: ConfigProblems } {
    const problems = new ConfigProblems();
    const settings = buildSettings(raw, context, problems);
    validateSettings(settings, problems);
    return { settings, problems };
}

/** The `cloudstack:*` entries of a config, keys without the namespace, structured values parsed from their JSON text. */
export function rawConfigFrom(entries: Iterable<[string, string]>): RawObject {
    const raw: RawObject = {};
    for (const [fullKey, text] of entries) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE || key === undefined) continue;
        raw[key] = parseConfigValue(text);
    }
    return raw;
}

/** A config value as the engine stores it: objects and lists are JSON text. */
export function parseConfigValue(text: string): unknown {
    const trimmed = text.trim();
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
        try {
            return JSON.parse(trimmed);
        } catch {
            return text;
        }
    }
    return text;
}
