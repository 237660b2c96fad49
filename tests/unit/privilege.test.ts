/**
 * How a login becomes root (providers/remote/privilege.ts), the one rule of
 * the step runner, the ops sessions and the backup rsync: each of the four
 * cases, and the leak the old ops copy had (a password sent to a sudo that
 * does not read it).
 */
import { asRoot, privilegeOf, rsyncPathFor } from "../../providers/remote/privilege";

const PASSWORD = "Sudo.Pw-7";
const sudoWorks = async () => true;
const sudoAsksForPassword = async () => false;

describe("how a login becomes root", () => {
    test("root: the command as it is, nothing before the script, sudo never asked", async () => {
        let asked = false;
        const privilege = await privilegeOf("root", PASSWORD, async () => (asked = true));
        expect(privilege).toEqual({ kind: "root" });
        expect(asked).toBe(false);
        expect(asRoot(privilege, "/bin/bash -s")).toEqual({ command: "/bin/bash -s", stdinPrefix: "" });
        expect(rsyncPathFor(privilege, "root")).toEqual([]);
    });

    test("sudo without a password: sudo -n, and a configured password is never sent", async () => {
        const privilege = await privilegeOf("deploy", PASSWORD, sudoWorks);
        expect(privilege).toEqual({ kind: "sudo" });
        const root = asRoot(privilege, "/bin/bash -s");
        expect(root).toEqual({ command: "sudo -n /bin/bash -s", stdinPrefix: "" });
        expect(JSON.stringify(root)).not.toContain(PASSWORD);
        expect(rsyncPathFor(privilege, "deploy")).toEqual(["--rsync-path=sudo -n rsync"]);
    });

    test("sudo with a password: sudo -S with the password first on stdin, never on the command line", async () => {
        const privilege = await privilegeOf("deploy", PASSWORD, sudoAsksForPassword);
        const root = asRoot(privilege, "/bin/bash -s");
        expect(root).toEqual({ command: "sudo -S -p '' /bin/bash -s", stdinPrefix: `${PASSWORD}\n` });
        expect(root.command).not.toContain(PASSWORD);
        expect(() => rsyncPathFor(privilege, "deploy")).toThrow("user deploy needs a password for sudo, which rsync cannot give");
    });

    test("no sudo and no password: a clear error before anything runs", async () => {
        await expect(privilegeOf("deploy", undefined, sudoAsksForPassword)).rejects.toThrow("user deploy cannot run sudo without a password and no SSH password is configured");
    });
});
