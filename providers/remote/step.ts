/**
 * A remote step: one rendered script that a node component runs over SSH.
 *
 * Step builders (components/steps/*) return these as plain data, so what runs
 * on a node can be unit-tested without Pulumi; components turn each step into
 * a RemoteScript resource and wire the dependencies.
 *
 * Contract for every script (templates/*.sh.mustache):
 *  - runs as root with `bash -s`; stdin is closed for the commands it runs;
 *  - idempotent: checks before it changes; prints `::changed <what>` for every
 *    change it makes, so a second run prints none;
 *  - may print `::output <name>=<value>` lines, which become the step's outputs;
 *  - reads secrets only from the environment variables named in `secretEnv`,
 *    never echoes them, and writes files holding them with mode 0600;
 *  - exits non-zero with a message that says what to fix.
 */
import * as pulumi from "@pulumi/pulumi";

/** Secrets a step may ask for; the component supplies their values. */
export type SecretName =
    | "MYSQL_ROOT_PASSWORD"
    | "CLOUD_DB_PASSWORD"
    | "DEPLOY_ADMIN_PASSWORD"
    | "MANAGEMENT_SERVER_KEY"
    | "DATABASE_KEY"
    | "CLOUDSTACK_API_KEY"
    | "CLOUDSTACK_SECRET_KEY"
    | "KVM_HOST_PASSWORD";

/** Other nodes' work a step may have to wait for (the rest of its node's steps do not). */
export type ExternalDependency = "database" | "nfs";

export interface RemoteStep {
    /** Short name, unique per node, e.g. "nfs-server". Used in resource names and error messages. */
    name: string;
    /** Rendered script run on create and again whenever it or its inputs change. */
    script: string;
    /** Rendered script run on destroy. */
    deleteScript?: string;
    /** Non-secret values for both scripts, as environment variables (may be known only at deploy time). */
    env?: Record<string, pulumi.Input<string>>;
    /** Secret environment variables both scripts need. */
    secretEnv?: SecretName[];
    /**
     * Steps in a row with the same stage run as one resource (components/stages.ts); without
     * a stage a step is its own.
     */
    stage?: string;
    /** Names of steps on the same node this one must run after (default: the previous step in the list). */
    after?: string[];
    /** Work on other nodes this step needs finished, e.g. the database before the schema is created. */
    requires?: ExternalDependency[];
    /** Upper bound for one run of the script. */
    timeoutSeconds?: number;
}
