/**
 * npm run import -- --from <Ansible project dir> --stack <name>
 *                   [--vault-password-file F] [--dry-run] [--force]
 * Reads the seed's inventory, group_vars and vaults, maps them to this
 * program's config, writes Pulumi.<stack>.yaml in the current directory (the
 * project) with every secret set through the stack's secrets provider, and
 * reports what came from where and the program's own validation of the result.
 * Exit: 0 written and valid; 1 error, nothing written; 2 written, but the
 * validation lists problems to fix before `pulumi up`.
 */
import * as fs from "fs";
import * as path from "path";
import { ConfigError } from "../config/problems";
import { rawConfigFrom, settingsFromConfig } from "../config/readSettings";
import { RawObject } from "../config/fields";
import { loadAnsibleProject, needsVaultPassword } from "./ansibleProject";
import { ImportPlan, setPath } from "./importPlan";
import { mapProject } from "./mapper";
import { formatReport } from "./report";
import { stackFile, WrittenStack, writeStack } from "./stackWriter";
import { vaultPassword } from "./vaultPassword";

interface Options {
    from: string;
    stack: string;
    passwordFile?: string;
    dryRun: boolean;
    force: boolean;
}

const USAGE = "usage: npm run import -- --from <Ansible project dir> --stack <name> [--vault-password-file FILE] [--dry-run] [--force]";

function parseArgs(argv: string[]): Options {
    const options: Partial<Options> = { dryRun: false, force: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new Error(`${arg} needs a value\n${USAGE}`);
            return v;
        };
        if (arg === "--from") options.from = value();
        else if (arg === "--stack") options.stack = value();
        else if (arg === "--vault-password-file") options.passwordFile = value();
        else if (arg === "--dry-run") options.dryRun = true;
        else if (arg === "--force") options.force = true;
        else throw new Error(`unknown argument ${arg}\n${USAGE}`);
    }
    if (!options.from || !options.stack) throw new Error(`--from and --stack are required\n${USAGE}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(options.stack)) throw new Error(`--stack ${options.stack}: a stack name may hold letters, digits, "_", "." and "-"`);
    return options as Options;
}

async function main(): Promise<number> {
    const options = parseArgs(process.argv.slice(2));
    // scripts/import.sh runs in the project; paths the user typed are relative to where they typed them.
    const callerDir = process.env.IMPORT_CALLER_DIR ?? process.cwd();
    options.from = path.resolve(callerDir, options.from);
    if (options.passwordFile) options.passwordFile = path.resolve(callerDir, options.passwordFile);
    const projectDir = process.cwd();
    const target = stackFile(projectDir, options.stack);
    // Checked first: refusing must not cost a password prompt.
    if (!options.dryRun && fs.existsSync(target) && !options.force) throw new Error(`${target} exists; pass --force to replace it (nothing was written)`);

    const password = needsVaultPassword(options.from) ? await vaultPassword(options.passwordFile) : undefined;
    const project = loadAnsibleProject(options.from, () => {
        if (password === undefined) throw new Error("a vault was found after the password check");
        return password;
    });
    const plan = mapProject(project);
    // Everything is read, decrypted and mapped before the first write.
    const planned = validation(plannedConfig(plan), (key) => plan.secrets.some((s) => topKey(s.key) === key));

    if (options.dryRun) {
        console.log(formatReport(plan, options.from, `${target} (dry run: nothing written)`, project.vaults));
        console.log(planned.text);
        return planned.ok ? 0 : 2;
    }
    const written = writeStack(projectDir, options.stack, plan, options.force);
    const result = validation(...readBack(written));
    console.log(formatReport(plan, options.from, written.file, project.vaults));
    console.log(result.text);
    return result.ok ? 0 : 2;
}

/** The planned config with the secrets in place, as the program would read it (in memory only). */
function plannedConfig(plan: ImportPlan): RawObject {
    const raw = JSON.parse(JSON.stringify(plan.config)) as RawObject;
    for (const secret of plan.secrets) setPath(raw, secret.key, secret.value);
    return raw;
}

function readBack(written: WrittenStack): [RawObject, (key: string) => boolean] {
    const entries = Object.entries(written.config).map(([k, v]): [string, string] => [k, v.value ?? JSON.stringify(v.objectValue)]);
    return [rawConfigFrom(entries), (key) => written.config[`cloudstack:${key}`]?.secret === true];
}

function topKey(key: string): string {
    return key.split(/[.[]/)[0];
}

/** The program's own checks (config/readSettings.ts), reported as `pulumi preview` reports a hand-written stack. */
function validation(raw: RawObject, isSecret: (key: string) => boolean): { ok: boolean; text: string } {
    const { problems } = settingsFromConfig(raw, { project: "cloudstack-infra", stack: "import", isSecret });
    if (problems.empty) return { ok: true, text: "Validation: the stack passes the program's configuration checks; next: pulumi preview" };
    return { ok: false, text: `Validation:\n${new ConfigError(problems.messages).message}` };
}

main().then(
    (code) => process.exit(code),
    (err: Error) => {
        console.error(`import failed, nothing was written: ${err.message}`);
        process.exit(1);
    },
);
