/**
 * The one place that reads the stack config. Everything downstream receives
 * the typed, validated Settings.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildSettings, NAMESPACE } from "./buildSettings";
import { RawObject } from "./fields";
import { ConfigProblems } from "./problems";
import { Settings } from "./settings";
import { validateSettings } from "./validate";

// Not in the SDK's typings, but part of its runtime module since 2.x: which keys `pulumi config set --secret` stored.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/** Reads, types and validates the stack config; throws one error listing every problem. */
export function loadSettings(): Settings {
    const problems = new ConfigProblems();
    const settings = buildSettings(readStackConfig(), {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        isSecret: (key) => isConfigSecret(`${NAMESPACE}:${key}`),
    }, problems);
    validateSettings(settings, problems);
    problems.throwIfAny();
    return settings;
}

/** All `cloudstack:*` keys, with structured values parsed from the JSON the engine passes. */
function readStackConfig(): RawObject {
    const raw: RawObject = {};
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        const [namespace, key] = fullKey.split(":", 2);
        if (namespace !== NAMESPACE || key === undefined) continue;
        raw[key] = parseValue(text);
    }
    return raw;
}

function parseValue(text: string): unknown {
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
