/**
 * A connection that dies while a script runs (the lab e2e cuts a node's
 * cables; here the script's own sshd session is killed) is reported as a lost
 * connection naming node and step, not as an exit code the script never had.
 */
import { remoteScriptProvider } from "../../providers/remote/RemoteScript";
import { describeUnless } from "../support/gate";
import { LocalSshd, sshdAvailable, startLocalSshd } from "../support/localSshd";

const describeSsh = describeUnless(sshdAvailable() ? undefined : "needs root and /usr/sbin/sshd (apt-get install openssh-server)");

/** Kills the sshd processes serving this session (OpenSSH 9.2: "sshd: root [priv]" and "sshd: root@notty"), never the listener. */
const KILL_OWN_SESSION = `
p=$$
while p=$(ps -o ppid= -p "$p" | tr -d ' ') && [ "$p" -gt 1 ]; do
    case "$(ps -o args= -p "$p")" in "sshd: root"*) kill -9 "$p" ;; esac
done
sleep 30
`;

describeSsh("SSH connection lost mid-script", () => {
    let sshd: LocalSshd;
    beforeAll(async () => {
        sshd = await startLocalSshd();
    });
    afterAll(async () => sshd?.stop());

    test("the error names node and step and says the connection was lost", async () => {
        const connection = { host: sshd.host, port: sshd.port, user: sshd.user, privateKey: sshd.privateKey, hostKey: sshd.hostKey };
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const provider = remoteScriptProvider as any;
        const failure: Error = await provider.create({ connection, node: "kvm3", step: "kvm", script: KILL_OWN_SESSION, timeoutSeconds: 60 }).then(
            () => new Error("the interrupted script was reported as a success"),
            (err: Error) => err,
        );
        expect(failure.message).toMatch(/^node kvm3, step kvm \(create\): SSH connection lost while the script ran \(.+\); the script may still be running on the node$/);
    }, 60_000);
});
