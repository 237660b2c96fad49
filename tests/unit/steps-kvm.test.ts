/**
 * kvmSteps and friends: pre-flight, libvirt, VXLAN readiness, agent, key,
 * post-registration check; and the libvirt and agent.properties shell
 * functions run for real with bash on files in a temporary directory.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { kvmAuthorizeKeySteps, kvmSteps, mergeSteps, managementSteps } from "../../components/steps";
import { renderTemplate } from "../../providers/remote/templates";
import { seedSettings } from "./steps-fixture";
import { withHelpers } from "./steps-partials";

describe("kvmSteps", () => {
    const settings = seedSettings();
    const args = { kvm: settings.kvm, network: settings.network, packages: settings.packages, physicalNetworks: settings.zone.physicalNetworks };

    test("pre-flight first, the agent last; libvirt and VXLAN readiness in between", () => {
        expect(kvmSteps(args).map((s) => s.name)).toEqual(["kvm-preflight", "kvm-packages", "kvm-libvirt", "vxlan-readiness", "java", "cloudstack-repo", "cloudstack-agent"]);
        expect(kvmSteps(args)[6].deleteScript).toContain("stop_and_disable cloudstack-agent");
    });

    test("the libvirt step never turns on plain TCP, and runs the shared functions tested below", () => {
        const libvirt = kvmSteps(args)[2].script;
        expect(libvirt).not.toMatch(/listen_tcp=1/);
        expect(libvirt).toContain("\nconfigure_libvirtd_conf\n");
        expect(libvirt).toContain("\ndisable_libvirt_apparmor\n");
        expect(libvirt).toContain("\nif mask_libvirtd_sockets; then\n");
        expect(libvirt).not.toContain(`systemctl mask --quiet "$socket"`);
        expect(libvirt).toContain('fail "something listens on plain TCP port $LIBVIRT_TCP_PORT');
    });

    test("VXLAN readiness checks the Guest label and only for VXLAN networks", () => {
        const vxlan = kvmSteps(args)[3].script;
        expect(vxlan).toContain("LABEL='cloudbr1'\nMINIMUM_MTU=1550\nIGMP_MAX_MEMBERSHIPS=200");
        const vlan = { ...args, physicalNetworks: [{ ...settings.zone.physicalNetworks[0], isolationMethod: "VLAN" as const }] };
        expect(kvmSteps(vlan).map((s) => s.name)).not.toContain("vxlan-readiness");
    });

    test("the hardware requirement reaches the pre-flight", () => {
        expect(kvmSteps(args)[0].script).toContain("REQUIRE_HARDWARE_VIRTUALIZATION=true");
        expect(kvmSteps({ ...args, kvm: { ...settings.kvm, requireHardwareVirtualization: false } })[0].script).toContain("REQUIRE_HARDWARE_VIRTUALIZATION=false");
    });

    test("the management key travels as an environment value, with a delete", () => {
        const [step] = kvmAuthorizeKeySteps("ssh-rsa AAAA cloud@m");
        expect(step.env).toEqual({ MANAGEMENT_PUBLIC_KEY: "ssh-rsa AAAA cloud@m" });
        // Its delete removes exactly that key's line from root's authorized_keys, nothing else.
        expect(step.deleteScript).toContain('grep -vxF "$MANAGEMENT_PUBLIC_KEY" "$AUTHORIZED_KEYS" | install_file "$AUTHORIZED_KEYS" 0600');
    });

    test("a node with two roles gets the shared steps once; a name clash with different scripts is an error", () => {
        const management = managementSteps({ management: settings.management, packages: settings.packages, nfs: settings.nfs, databaseHost: "10.15.0.116", databasePort: 3306, managementAddress: "10.15.0.116" }).steps;
        const merged = mergeSteps(management, kvmSteps(args));
        expect(merged.filter((s) => s.name === "java")).toHaveLength(1);
        expect(merged.filter((s) => s.name === "cloudstack-repo")).toHaveLength(1);
        const otherJava = kvmSteps({ ...args, packages: { ...settings.packages, javaPackage: "openjdk-17-jre-headless" } });
        expect(() => mergeSteps(management, otherJava)).toThrow("two different steps are named java on one node");
    });
});

interface Run {
    status: number | null;
    stdout: string;
    stderr: string;
}

const changes = (run: Run) => run.stdout.split("\n").filter((l) => l.startsWith("::changed "));

/**
 * The libvirt settings as the step and the check see them, with the files in
 * `dir` instead of /etc (the partial's variables are reassigned after it loads).
 */
describe("libvirt and agent.properties on a host, before and after registration", () => {
    let dir: string;
    let conf: string;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "libvirt-"));
        conf = path.join(dir, "libvirtd.conf");
        fs.mkdirSync(path.join(dir, "bin"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    function bash(body: string): Run {
        const prologue = [
            "{{> libvirt-settings.sh}}",
            "{{> agent-properties.sh}}",
            `PATH="$D/bin:$PATH"`,
            `LIBVIRTD_CONF="$D/libvirtd.conf" LIBVIRTD_DEFAULTS="$D/libvirtd" LIBVIRT_CONF="$D/libvirt.conf" QEMU_CONF="$D/qemu.conf"`,
            `LIBVIRT_TLS_FILES=("$D/cacert.pem" "$D/servercert.pem" "$D/serverkey.pem")`,
            `APPARMOR_DIR="$D/apparmor.d" APPARMOR_LOADED="$D/loaded" AGENT_PROPERTIES="$D/agent.properties"`,
        ].join("\n");
        const result = spawnSync("bash", ["-s"], { input: withHelpers(`${prologue}\n${body}`), encoding: "utf8", env: { ...process.env, D: dir } });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    }

    function stub(name: string, body: string): void {
        fs.writeFileSync(path.join(dir, "bin", name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
    }

    /** libvirtd.conf of the package: everything commented out. */
    const PACKAGE_CONF = '#listen_tls = 0\n#listen_tcp = 1\n#tls_port = "16514"\n#tcp_port = "16509"\n#auth_tcp = "sasl"\n';

    /** What cloudstack-setup-agent -s writes (python/lib/cloudutils/serviceConfig.py@4.19.3.0:607-622; configFileOps writes name=value). */
    const REGISTERED_CONF = [
        "listen_tcp=0",
        "listen_tls=1",
        'key_file="/etc/pki/libvirt/private/serverkey.pem"',
        'cert_file="/etc/pki/libvirt/servercert.pem"',
        'ca_file="/etc/pki/CA/cacert.pem"',
        'tcp_port="16509"',
        'tls_port="16514"',
        'auth_tcp="none"',
        'auth_tls="none"',
        "mdns_adv = 0",
        "",
    ].join("\n");

    const active = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter((l) => /^[a-z_]+\s*=/.test(l));

    // Issue 9, defect 9 (and 5): before, the step wrote listen_tcp=1 with auth_tcp "none"
    // (root for anyone on 16509), or listen_tls=1 without certificates (libvirtd would not start).
    test("before registration: neither plain TCP nor TLS, and a second run changes nothing", () => {
        fs.writeFileSync(conf, PACKAGE_CONF);
        const first = bash("configure_libvirtd_conf");
        expect(first.stderr).toBe("");
        expect(active(conf)).toEqual(["listen_tcp = 0", 'tcp_port = "16509"', 'tls_port = "16514"', 'auth_tcp = "none"', "mdns_adv = 0", "listen_tls = 0"]);
        expect(changes(bash("configure_libvirtd_conf"))).toEqual([]);
    });

    // Issue 9, defect 9: a re-run of the libvirt step must never weaken a registered host.
    test("after registration (CloudStack's certificates in place): TLS and setup-agent's TLS lines stay; nothing changes", () => {
        fs.writeFileSync(conf, REGISTERED_CONF);
        for (const file of ["cacert.pem", "servercert.pem", "serverkey.pem"]) fs.writeFileSync(path.join(dir, file), "-----BEGIN-----\n");
        const run = bash("configure_libvirtd_conf; libvirt_registered && echo registered");
        expect(run.stdout).toContain("registered");
        expect(fs.readFileSync(conf, "utf8")).toBe(REGISTERED_CONF);
        expect(changes(run)).toEqual([]);
    });

    test("a listen_tcp=1 left by an older run is turned off; listen_tls=1 without certificates goes back to 0", () => {
        fs.writeFileSync(conf, "listen_tls = 1\nlisten_tcp = 1\n");
        bash("configure_libvirtd_conf");
        expect(active(conf)).toContain("listen_tcp = 0");
        expect(active(conf)).toContain("listen_tls = 0");
        expect(active(conf).filter((l) => /listen_tcp\s*=\s*1/.test(l))).toEqual([]);
    });

    // Issue 9, defect 3: setup-agent's own changes are what registration means, not drift.
    test("drift after registration: setup-agent's writes are not drift; plain TCP turned on is", () => {
        stub("systemctl", 'echo masked');
        fs.writeFileSync(conf, REGISTERED_CONF);
        fs.writeFileSync(path.join(dir, "libvirtd"), "LIBVIRTD_ARGS=\"--listen\"\nlibvirtd_opts='-l'\n");
        fs.writeFileSync(path.join(dir, "libvirt.conf"), 'remote_mode = "legacy"\n');
        fs.writeFileSync(path.join(dir, "qemu.conf"), 'vnc_listen = "0.0.0.0"\nsecurity_driver="none"\nuser="root"\ngroup="root"\nvnc_tls=1\n');
        for (const file of ["cacert.pem", "servercert.pem", "serverkey.pem"]) fs.writeFileSync(path.join(dir, file), "x\n");
        expect(bash("libvirt_drift").stdout).toBe("");
        fs.writeFileSync(conf, REGISTERED_CONF.replace("listen_tcp=0", "listen_tcp=1"));
        expect(bash("libvirt_drift").stdout).toBe(`${conf}: listen_tcp is '1', expected '0'\n`);
    });

    // Each `systemctl mask` reloads all of systemd's units, seconds on a loaded host between a KVM host's packages and its registration.
    test("the libvirtd sockets are stopped and masked with one systemctl call each, only those not masked yet", () => {
        // A stand-in for systemctl: logs each call, remembers what was masked.
        stub(
            "systemctl",
            [
                'echo "$*" >>"$D/calls"',
                "case $1 in",
                'is-enabled) if grep -qx "$2" "$D/masked" 2>/dev/null; then echo masked; else echo enabled; fi ;;',
                'mask) shift; for unit in "$@"; do [ "$unit" = --quiet ] || echo "$unit" >>"$D/masked"; done ;;',
                "esac",
            ].join("\n"),
        );
        fs.writeFileSync(path.join(dir, "masked"), "libvirtd-admin.socket\n");
        const calls = () => fs.readFileSync(path.join(dir, "calls"), "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("is-enabled"));
        const first = bash("if mask_libvirtd_sockets; then echo restart; fi");
        expect(first.stderr).toBe("");
        const rest = ["libvirtd.socket", "libvirtd-ro.socket", "libvirtd-tls.socket", "libvirtd-tcp.socket"];
        expect(calls()).toEqual([`stop ${rest.join(" ")}`, `mask --quiet ${rest.join(" ")}`]);
        expect(changes(first)).toEqual(rest.map((socket) => `::changed masked ${socket}`));
        expect(first.stdout).toContain("restart");
        fs.rmSync(path.join(dir, "calls"));
        const second = bash("if mask_libvirtd_sockets; then echo restart; fi");
        expect(changes(second)).toEqual([]);
        expect(second.stdout).not.toContain("restart");
        expect(calls()).toEqual([]);
    });

    // Issue 9, "worth checking": `grep -q libvirt` on the loaded profiles stops matching once
    // libvirtd's profile is unloaded, so virt-aa-helper (whose name lacks "libvirt") stayed loaded.
    test("AppArmor: each libvirt profile is unloaded on its own, and a second run changes nothing", () => {
        fs.mkdirSync(path.join(dir, "apparmor.d"));
        fs.writeFileSync(path.join(dir, "apparmor.d", "usr.sbin.libvirtd"), "profile libvirtd /usr/sbin/libvirtd {}\n");
        fs.writeFileSync(path.join(dir, "apparmor.d", "usr.lib.libvirt.virt-aa-helper"), "profile virt-aa-helper /usr/lib/libvirt/virt-aa-helper {}\n");
        fs.writeFileSync(path.join(dir, "loaded"), "libvirtd (enforce)\nlibvirtd//qemu_bridge_helper (enforce)\nvirt-aa-helper (enforce)\nrsyslogd (enforce)\n");
        // A stand-in for apparmor_parser: -N prints the names a file defines, -R unloads them.
        stub(
            "apparmor_parser",
            [
                'names() { case $1 in *usr.sbin.libvirtd) printf "libvirtd\\nlibvirtd//qemu_bridge_helper\\n" ;; *virt-aa-helper) echo virt-aa-helper ;; esac; }',
                'case $1 in',
                '-N) names "$2" ;;',
                '-R) names "$2" | sed "s/\\$/ (enforce)/" > "$D/unload"; grep -vxF -f "$D/unload" "$D/loaded" > "$D/loaded.new" || true; mv "$D/loaded.new" "$D/loaded" ;;',
                'esac',
            ].join("\n"),
        );
        const first = bash("disable_libvirt_apparmor");
        expect(first.stderr).toBe("");
        expect(changes(first)).toEqual([
            "::changed disabled AppArmor profile usr.sbin.libvirtd",
            "::changed unloaded AppArmor profile usr.sbin.libvirtd",
            "::changed disabled AppArmor profile usr.lib.libvirt.virt-aa-helper",
            "::changed unloaded AppArmor profile usr.lib.libvirt.virt-aa-helper",
        ]);
        expect(fs.readFileSync(path.join(dir, "loaded"), "utf8")).toBe("rsyslogd (enforce)\n");
        expect(changes(bash("disable_libvirt_apparmor"))).toEqual([]);
    });

    // Issue 9, defect 4: the agent stores host=<list>@<algorithm> (Agent.java@4.19.3.0:811).
    test("agent.properties host= is read as <list>@<algorithm>", () => {
        const names = (host: string, address: string) => {
            fs.writeFileSync(path.join(dir, "agent.properties"), `zone=1\nhost=${host}\nport=8250\n`);
            return bash(`agent_names_host ${address} && echo yes || echo no`).stdout.trim();
        };
        expect(names("10.15.0.116@static", "10.15.0.116")).toBe("yes");
        expect(names("10.15.0.117,10.15.0.116@roundrobin", "10.15.0.116")).toBe("yes");
        expect(names("10.15.0.116", "10.15.0.116")).toBe("yes");
        expect(names("10.15.0.1161@static", "10.15.0.116")).toBe("no");
        expect(names("10.15.0.117@static", "10.15.0.116")).toBe("no");
    });

    /**
     * verify's node checks (templates/ops-checks.sh.mustache) as rendered, with
     * agent.properties in `dir` and `ss` answering from LISTEN / ESTABLISHED.
     */
    function opsChecks(calls: { name: string; fn: string; args: string }[], env: Record<string, string>): string {
        stub("ss", ['if [[ "$*" == *established* ]]; then [ -z "$ESTABLISHED" ] || echo "$ESTABLISHED"; exit 0; fi', 'for p in $LISTEN; do [[ "$*" == *":$p"* ]] && echo "0 4096 0.0.0.0:$p 0.0.0.0:*"; done; exit 0'].join("\n"));
        const script = renderTemplate("ops-checks.sh", { calls, mysql: true })
            .replace("\nPATH=/usr/local/sbin", `\nPATH=${dir}/bin:/usr/local/sbin`)
            .replace("\nAGENT_PROPERTIES=/etc/cloudstack/agent/agent.properties\n", `\nAGENT_PROPERTIES=${dir}/agent.properties\n`);
        expect(script).toContain(`AGENT_PROPERTIES=${dir}/agent.properties`);
        const result = spawnSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, ...env } });
        return result.stdout;
    }

    // Issue 9, defect 4: the check compared the whole host= value with the bare address.
    test("verify's agent-connected check passes when agent.properties says host=<management>@static", () => {
        fs.writeFileSync(path.join(dir, "agent.properties"), "host=10.15.0.116@static\nport=8250\n");
        const call = [{ name: "agent-connected", fn: "check_agent_connected", args: "10.15.0.116 8250" }];
        expect(opsChecks(call, { ESTABLISHED: "0 0 10.15.0.13:40000 10.15.0.116:8250" })).toBe("::check agent-connected pass connected to 10.15.0.116:8250\n");
        fs.writeFileSync(path.join(dir, "agent.properties"), "host=10.15.0.117@static\nport=8250\n");
        expect(opsChecks(call, { ESTABLISHED: "" })).toBe("::check agent-connected fail no connection to port 8250 (agent.properties host=10.15.0.117@static, expected 10.15.0.116)\n");
    });

    // Issue 9, defects 3 and 9: after registration TLS on 16514 is right, and plain TCP on 16509 is a failure.
    test("verify's libvirt-listening check wants TLS on 16514 and nothing on 16509", () => {
        const call = [{ name: "libvirt-listening", fn: "check_libvirt_tls_only", args: "16514 16509" }];
        expect(opsChecks(call, { LISTEN: "16514" })).toBe("::check libvirt-listening pass libvirt listens on TLS port 16514 only\n");
        expect(opsChecks(call, { LISTEN: "16509 16514" })).toBe("::check libvirt-listening fail something listens on plain TCP port 16509 (unauthenticated libvirt; listen_tcp must be 0)\n");
        expect(opsChecks(call, { LISTEN: "" })).toMatch(/^::check libvirt-listening fail nothing listens on TLS port 16514 /);
    });
});
