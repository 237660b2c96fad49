/**
 * The optional copy of primary and secondary storage (backup.includeExports,
 * the seed's rsync of /export): an rsync mirror of both directories of the
 * NFS node under <backup.directory>/exports/, over SSH with the stack's key
 * for that node and its pinned host key. rsync needs a key login (it runs
 * the ssh client); a key given in the config is put in a private temporary
 * file for the run only.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { OpsContext, nodeWith } from "../context";
import { maskText } from "../mask";
import { runOnNodeOrFail } from "../nodeScript";
import { checked } from "../../config/safeValues";
import { privateDirectory } from "./dump";
import { rsyncPathFor } from "../../providers/remote/privilege";
import { openRootSession } from "../sshSession";

export async function syncExports(ctx: OpsContext, directory: string, log: (line: string) => void): Promise<string> {
    const node = nodeWith(ctx, "nfs");
    const { primaryPath, secondaryPath } = ctx.settings.nfs;
    const target = node.target;
    if (!target.privateKey && !target.privateKeyFile) {
        throw new Error(`backup.includeExports: rsync needs a key login to ${node.name}, which is configured with a password only; give it ssh.privateKeyFile`);
    }
    await runOnNodeOrFail(ctx, node, "ops-rsync-ready", { primaryPath: checked("path", "nfs.primaryPath", primaryPath), secondaryPath: checked("path", "nfs.secondaryPath", secondaryPath) }, { timeoutSeconds: 900 });
    // How rsync becomes root on the node: asked of the node, as for every other command (providers/remote/privilege.ts).
    const session = await openRootSession(target);
    session.client.end();
    const privilege = session.privilege;
    const destination = path.join(directory, "exports");
    privateDirectory(destination);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "cloudstack-rsync-"));
    try {
        let keyFile = target.privateKeyFile?.replace(/^~(?=\/)/, os.homedir());
        if (target.privateKey) {
            keyFile = path.join(scratch, "key");
            fs.writeFileSync(keyFile, target.privateKey.endsWith("\n") ? target.privateKey : `${target.privateKey}\n`, { mode: 0o600 });
        }
        const knownHosts = path.join(scratch, "known_hosts");
        const hostPattern = target.port === 22 ? target.host : `[${target.host}]:${target.port}`;
        fs.writeFileSync(knownHosts, target.hostKey ? `${hostPattern} ${target.hostKey}\n` : "", { mode: 0o600 });
        if (!target.hostKey) log(`warning: ${node.name} has no pinned ssh.hostKey; rsync accepts the key it is shown this time`);
        const ssh = [
            "ssh",
            `-p ${target.port}`,
            `-i ${keyFile}`,
            `-o UserKnownHostsFile=${knownHosts}`,
            `-o StrictHostKeyChecking=${target.hostKey ? "yes" : "accept-new"}`,
            "-o BatchMode=yes",
            "-o IdentitiesOnly=yes",
        ].join(" ");
        const remote = (dir: string) => `${target.user}@${target.host}:${dir}`;
        const args = ["-a", "--delete", "--numeric-ids", "-e", ssh, ...rsyncPathFor(privilege, target.user), remote(primaryPath), remote(secondaryPath), `${destination}/`];
        log(`rsync ${node.name}:${primaryPath} and ${secondaryPath} -> ${destination}/`);
        await promisify(execFile)("rsync", args, { maxBuffer: 16 << 20 }).catch((err: Error & { stderr?: string }) => {
            throw new Error(maskText(`rsync from ${node.name} failed: ${err.stderr?.trim() || err.message}`, ctx.secrets));
        });
        return destination;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
