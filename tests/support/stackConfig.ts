/**
 * Reads an example stack file (Pulumi.<stack>.yaml) into the raw config shape
 * `buildSettings` takes, so tests start from the real example stacks.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { NAMESPACE } from "../../config/buildSettings";
import { RawObject } from "../../config/fields";
import { Settings } from "../../config/settings";
import { settingsFromConfig } from "../../config/readSettings";

export const REPO = path.join(__dirname, "..", "..");

export function readStackFile(stack: string): RawObject {
    const doc = YAML.parse(fs.readFileSync(path.join(REPO, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    const raw: RawObject = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (key.startsWith(`${NAMESPACE}:`)) raw[key.slice(NAMESPACE.length + 1)] = value;
    }
    return raw;
}

/** A deep copy, so each test can change what it needs. */
export function clone<T>(value: T): T {
    return JSON.parse(JSON.stringify(value)) as T;
}

export interface Checked {
    settings: Settings;
    problems: string[];
}

/** The config entry point (config/readSettings.ts); `secretKeys` lists the top-level keys stored as secrets. */
export function check(raw: RawObject, secretKeys: string[] = []): Checked {
    const { settings, problems } = settingsFromConfig(raw, { project: "cloudstack-infra", stack: "test", isSecret: (key) => secretKeys.includes(key) });
    return { settings, problems: problems.messages };
}
