/**
 * The NFS data-disk step on a real block device: a loop device over a sparse
 * file on this machine, with the scripts run inside a private mount namespace
 * whose /etc is a temporary copy. Partitioning, mkfs, mounting by UUID and
 * fstab editing are real; nothing of the machine's own mounts or fstab
 * changes. Needs root, /dev/loop-control and sfdisk (Debian package fdisk).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { nfsSteps } from "../../components/steps";
import { parseReport, scriptPayload } from "../../providers/remote/ssh";
import { RemoteStep } from "../../providers/remote/step";
import { seedSettings } from "../unit/steps-fixture";
import { describeUnless } from "../support/gate";

function unavailableReason(): string | undefined {
    if (process.getuid?.() !== 0) return "needs root (loop devices, mount namespaces)";
    if (!fs.existsSync("/dev/loop-control")) return "no /dev/loop-control on this machine";
    if (spawnSync("sh", ["-c", "command -v sfdisk && command -v mkfs.ext4 && command -v wipefs"]).status !== 0) return "sfdisk, mkfs.ext4 or wipefs missing (apt-get install fdisk e2fsprogs)";
    return undefined;
}

const unavailable = unavailableReason();
const describeDisk = describeUnless(unavailable);

function expectSuccess(result: { code: number | null; stdout: string; stderr: string }): void {
    if (result.code !== 0) throw new Error(`exit ${result.code}\n${result.stdout}\n${result.stderr}`);
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" }).trim();

describeDisk("NFS data disk on a loop device", () => {
    let dir: string;
    let namespace: string;
    let loop: string;
    let exportRoot: string;

    /** Runs a step's script in the private mount namespace, as root with bash -s. */
    function runInNamespace(step: RemoteStep, phase: "create" | "delete" = "create") {
        const script = phase === "create" ? step.script : step.deleteScript!;
        const result = spawnSync("nsenter", [`--mount=${namespace}`, "bash", "-s"], { input: scriptPayload(script, {}), encoding: "utf8" });
        return { code: result.status, stdout: result.stdout, stderr: result.stderr, ...parseReport(result.stdout) };
    }

    const fstab = () => path.join(dir, "etc", "fstab");
    const inNamespace = (command: string) => spawnSync("nsenter", [`--mount=${namespace}`, "sh", "-c", command], { encoding: "utf8" });

    function diskStep(options: { forceFormat?: boolean; destroyData?: boolean } = {}): RemoteStep {
        const { nfs, packages } = seedSettings();
        const paths = { primaryPath: `${exportRoot}/primary`, secondaryPath: `${exportRoot}/secondary` };
        return nfsSteps({ ...nfs, ...paths, dataDisk: loop, exportRoot, forceFormat: options.forceFormat ?? false }, packages, options.destroyData ?? false, { primaryStorages: [], secondaryStorages: [] })[0];
    }

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "nfs-disk-"));
        exportRoot = path.join(dir, "export");
        // The namespace gets a copy of /etc, so that the script replaces a real file (as on a node), not a bind mount.
        run("cp", ["-a", "/etc", path.join(dir, "etc")]);
        fs.writeFileSync(fstab(), "# test fstab\n");
        run("truncate", ["-s", "96M", path.join(dir, "disk.img")]);
        loop = run("losetup", ["--find", "--partscan", "--show", path.join(dir, "disk.img")]);
        // A persistent private mount namespace: a file bind-mounted on a private mount holds it.
        namespace = path.join(dir, "mntns");
        fs.writeFileSync(namespace, "");
        run("mount", ["--bind", dir, dir]);
        run("mount", ["--make-private", dir]);
        run("unshare", [`--mount=${namespace}`, "--propagation", "private", "true"]);
        run("nsenter", [`--mount=${namespace}`, "mount", "--bind", path.join(dir, "etc"), "/etc"]);
    });

    afterAll(() => {
        if (namespace) {
            spawnSync("umount", [namespace]);
            spawnSync("umount", [dir]);
        }
        if (loop) spawnSync("losetup", ["-d", loop]);
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("a disk that holds a filesystem is refused unless forceFormat is set", () => {
        run("mkfs.ext4", ["-q", "-L", "somebodys-data", loop]);
        const refused = runInNamespace(diskStep());
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`refusing to format ${loop}: it already holds ext4. Choose an empty disk, or set nfs.forceFormat: true to erase it`);
        expect(run("blkid", ["-o", "value", "-s", "LABEL", loop])).toBe("somebodys-data");
    });

    test("with forceFormat: partitioned, ext4, mounted on the export root by UUID; a second run changes nothing", () => {
        const first = runInNamespace(diskStep({ forceFormat: true }));
        expectSuccess(first);
        expect(first.changed).toEqual([`partitioned ${loop} and created ext4 on ${loop}p1`, "wrote /etc/fstab", `mounted ${loop}p1 on ${exportRoot}`]);
        const uuid = run("blkid", ["-o", "value", "-s", "UUID", `${loop}p1`]);
        expect(fs.readFileSync(fstab(), "utf8")).toBe(
            `# test fstab\n# BEGIN cloudstack-infra export-disk\nUUID=${uuid} ${exportRoot} ext4 defaults,nofail 0 2\n# END cloudstack-infra export-disk\n`,
        );
        expect(inNamespace(`findmnt -n -o SOURCE --mountpoint ${exportRoot}`).stdout.trim()).toBe(`${loop}p1`);
        const second = runInNamespace(diskStep({ forceFormat: true }));
        expectSuccess(second);
        expect(second.changed).toEqual([]);
    });

    test("our own disk, unmounted (e.g. after a reboot), is mounted again and never reformatted", () => {
        expect(inNamespace(`touch ${exportRoot}/keep-me && umount ${exportRoot}`).status).toBe(0);
        const again = runInNamespace(diskStep());
        expectSuccess(again);
        expect(again.changed).toEqual([`mounted ${loop}p1 on ${exportRoot}`]);
        expect(inNamespace(`test -f ${exportRoot}/keep-me`).status).toBe(0);
    });

    test("delete keeps the disk unless destroyData; with it, unmounts, drops the fstab lines and wipes the disk", () => {
        const kept = runInNamespace(diskStep(), "delete");
        expectSuccess(kept);
        expect(kept.changed).toEqual([]);
        expect(inNamespace(`test -f ${exportRoot}/keep-me`).status).toBe(0);
        const destroyed = runInNamespace(diskStep({ destroyData: true }), "delete");
        expectSuccess(destroyed);
        expect(destroyed.changed).toEqual([`unmounted ${exportRoot}`, "wrote /etc/fstab", `wiped ${loop}`]);
        expect(fs.readFileSync(fstab(), "utf8")).toBe("# test fstab\n");
        expect(run("wipefs", ["--noheadings", loop])).toBe("");
    });

    test("an export root mounted from something else is left alone", () => {
        expect(inNamespace(`mkdir -p ${exportRoot} && mount -t tmpfs other ${exportRoot}`).status).toBe(0);
        const refused = runInNamespace(diskStep({ forceFormat: true }));
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain(`${exportRoot} is already mounted from other, not from nfs.dataDisk ${loop}; refusing to mount over it`);
        inNamespace(`umount ${exportRoot}`);
    });
});
