/**
 * backup.beforeChange: a dump of cloud and cloud_usage into backup.directory
 * before any `pulumi up` that changes the database or management nodes
 * (operator pain point (c) 11). The dump runs when the fingerprint of those
 * nodes' settings and of the program's scripts for them changed; on the
 * first deployment there is nothing to dump.
 *
 * The database and management steps wait for it (their `after`).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../config/settings";
import { LazyDynamicResource, lazyProvider } from "../providers/lazyProvider";
import { SshTarget } from "../providers/remote/ssh";
import { TEMPLATE_DIR } from "../providers/remote/templates";

// The templates of the database and management steps and everything they include.
const WATCHED_TEMPLATES = /^(database|management|mysql|java|cloudstack-repo|common|network|netplan)-|^partials\//;

function templateFiles(dir = TEMPLATE_DIR, prefix = ""): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap((entry) => (entry.isDirectory() ? templateFiles(path.join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]))
        .filter((name) => WATCHED_TEMPLATES.test(name))
        .sort();
}

/** Changes when the config of the database or management nodes, or the program's scripts for them, change. */
export function changeFingerprint(settings: Settings): string {
    const watchedNodes = settings.nodes
        .filter((n) => n.roles.includes("database") || n.roles.includes("management"))
        // How the controller connects is not a change of the node.
        .map(({ ssh: _ssh, address: _address, ...node }) => node);
    const hash = createHash("sha256").update(
        JSON.stringify({ nodes: watchedNodes, database: settings.database, management: settings.management, packages: settings.packages, network: settings.network, nfs: settings.nfs }),
    );
    for (const name of templateFiles()) hash.update(`\0${name}\0`).update(fs.readFileSync(path.join(TEMPLATE_DIR, name)));
    return hash.digest("hex");
}

export interface PreChangeBackupArgs {
    readonly settings: Settings;
    /** SSH connection to the database node (NodeBase.connection). */
    readonly connection: pulumi.Input<SshTarget>;
    /** What the dump is for when not backup.beforeChange (the upgrade's: one dump per from → to). */
    readonly fingerprint?: string;
    /** File name prefix of the dump (default `<stack>-db-before-up`). */
    readonly prefix?: string;
}

export class PreChangeBackup extends LazyDynamicResource {
    /** The dump made for the last change (a path on the controller), or why there was none. */
    declare readonly lastBackup: pulumi.Output<string>;

    constructor(name: string, args: PreChangeBackupArgs, opts?: pulumi.CustomResourceOptions) {
        const { settings } = args;
        super(
            lazyProvider("ops/backup/preChangeProvider", "preChangeBackupProvider"),
            name,
            {
                connection: pulumi.secret(args.connection),
                engine: settings.packages.databaseEngine,
                // The program runs in the project directory, which relative backup directories are relative to.
                directory: path.resolve(settings.backup.directory),
                prefix: args.prefix ?? `${settings.stack}-db-before-up`,
                keep: settings.backup.keep,
                fingerprint: args.fingerprint ?? changeFingerprint(settings),
                lastBackup: undefined,
            },
            { ...opts, additionalSecretOutputs: ["connection"] },
            "ops",
            "PreChangeBackup",
        );
    }
}
