/** Reads the top-level secrets; each must be stored encrypted, and the ones cloudstack-setup-databases sees must survive its shell. */
import * as pulumi from "@pulumi/pulumi";
import type { ConfigContext } from "../buildSettings";
import { DEFAULTS } from "../defaults";
import { FieldReader } from "../fields";
import { NAMESPACE } from "../namespace";
import { ConfigProblems } from "../problems";
import { SecretSettings } from "../settings";

/** Top-level config keys that hold secrets (set with `pulumi config set --secret`). */
export const SECRET_KEYS = [
    "mysqlRootPassword",
    "cloudDbPassword",
    "kvmHostPassword",
    "adminPassword",
    "initialAdminPassword",
    "apiKey",
    "secretKey",
    "managementServerKey",
    "databaseKey",
] as const;

export function secretOutput(value: string | undefined): pulumi.Output<string> | undefined {
    return value === undefined ? undefined : pulumi.secret(value);
}

// cloudstack-setup-databases puts these on shell command lines (some unquoted)
// and splits user:password at ":", so only this set survives it.
const SETUP_DATABASES_SAFE = /^[A-Za-z0-9._+=@%,^-]+$/;
const PASSED_TO_SETUP_DATABASES: readonly string[] = ["cloudDbPassword", "managementServerKey", "databaseKey"];

export function readSecrets(top: FieldReader, ctx: ConfigContext, problems: ConfigProblems): SecretSettings {
    const read = (name: (typeof SECRET_KEYS)[number]) => {
        const value = top.optionalString(name);
        if (value !== undefined && !ctx.isSecret(name)) {
            problems.add(top.key(name), "(hidden)", `is stored in plain text; set it with: pulumi config set --secret ${NAMESPACE}:${name}`);
        }
        if (value !== undefined && PASSED_TO_SETUP_DATABASES.includes(name) && !SETUP_DATABASES_SAFE.test(value)) {
            problems.add(top.key(name), "(hidden)", "may only contain letters, digits and . _ + = @ % , ^ - (cloudstack-setup-databases passes it through shell command lines)");
        }
        return secretOutput(value);
    };
    return {
        mysqlRootPassword: read("mysqlRootPassword"),
        cloudDbPassword: read("cloudDbPassword"),
        kvmHostPassword: read("kvmHostPassword"),
        adminPassword: read("adminPassword"),
        initialAdminPassword: read("initialAdminPassword") ?? pulumi.secret(DEFAULTS.initialAdminPassword),
        apiKey: read("apiKey"),
        secretKey: read("secretKey"),
        managementServerKey: read("managementServerKey"),
        databaseKey: read("databaseKey"),
    };
}
