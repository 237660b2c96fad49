/**
 * The dynamic provider behind components/PreChangeBackup.ts: a database dump
 * into backup.directory on the controller whenever the fingerprint of what
 * the program would run on the database and management nodes changed —
 * before those nodes are touched, because they depend on it. The first
 * deployment has nothing to dump and records that instead.
 */
import { SshTarget } from "../../providers/remote/ssh";
import { dumpDatabases, NothingToBackUp } from "./dump";

export interface PreChangeInputs {
    connection: SshTarget;
    engine: "mysql" | "mariadb";
    /** Absolute directory on the controller. */
    directory: string;
    prefix: string;
    keep: number;
    /** Changes whenever the database or management nodes would change. */
    fingerprint: string;
}

interface PreChangeOutputs extends PreChangeInputs {
    /** The dump made for the last change, or why there was none. */
    lastBackup: string;
}

async function backUp(inputs: PreChangeInputs): Promise<string> {
    try {
        const secrets = [inputs.connection.password ?? "", inputs.connection.privateKey ?? ""];
        const result = await dumpDatabases(inputs.connection, { engine: inputs.engine, directory: inputs.directory, prefix: inputs.prefix, keep: inputs.keep, secrets });
        return result.file;
    } catch (err) {
        if (err instanceof NothingToBackUp) return `none: ${err.message}`;
        throw new Error(`the database backup before this change failed, so nothing was changed: ${(err as Error).message}`);
    }
}

export const preChangeBackupProvider = {
    async diff(_id: string, olds: PreChangeOutputs, news: PreChangeInputs) {
        const keys: (keyof PreChangeInputs)[] = ["connection", "engine", "directory", "prefix", "keep", "fingerprint"];
        return { changes: keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])) };
    },

    async create(inputs: PreChangeInputs) {
        return { id: `${inputs.prefix}-${Date.now()}`, outs: { ...inputs, lastBackup: await backUp(inputs) } };
    },

    async update(_id: string, olds: PreChangeOutputs, news: PreChangeInputs) {
        const lastBackup = olds.fingerprint === news.fingerprint ? olds.lastBackup : await backUp(news);
        return { outs: { ...news, lastBackup } };
    },

    // The dumps are the operator's; destroying the stack leaves them where they are.
    async delete() {},
};
