/** commonSteps: what every node gets, built from the seed's example. */
import { commonSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("commonSteps", () => {
    const settings = seedSettings();
    const [mgmt, kvm] = settings.nodes;

    test("identity, apt proxy, the CloudStack repository where a role needs it, base and clock, each with a delete that undoes it", () => {
        const steps = commonSteps(kvm, settings.network, settings.packages, settings.nodes);
        expect(steps.map((s) => s.name)).toEqual(["identity", "apt-proxy", "cloudstack-repo", "base", "clock"]);
        // Each delete undoes exactly what its step added: our /etc/hosts block, the apt proxy file, the repository, our NTP sources; packages stay.
        const [identity, proxy, repo, base, clock] = steps.map((s) => s.deleteScript ?? "");
        expect(identity).toContain("remove_block /etc/hosts nodes");
        expect(proxy).toContain("remove_file /etc/apt/apt.conf.d/01cloudstack-infra-proxy");
        expect(repo).toContain("remove_file /etc/apt/sources.list.d/cloudstack.list");
        expect(base).toBe("");
        expect(clock).toContain("remove_file /etc/chrony/sources.d/cloudstack-infra.sources");
        expect(steps.flatMap((s) => s.secretEnv ?? [])).toEqual([]);
        const nfs = settings.nodes.find((n) => n.roles.includes("nfs"))!;
        expect(commonSteps(nfs, settings.network, settings.packages).map((s) => s.name)).toEqual(["identity", "apt-proxy", "base", "clock"]);
    });

    test("/etc/hosts lists this node first, then the others, at their management address where known", () => {
        const identity = commonSteps(kvm, settings.network, settings.packages, settings.nodes)[0];
        expect(identity.script).toContain(
            "10.15.0.117 kvm-host-01.cloudstack.local kvm-host-01\n10.15.0.116 cloudstack-mgmt.cloudstack.local cloudstack-mgmt\n10.10.0.118 nfs-storage.cloudstack.local nfs-storage\n",
        );
        expect(identity.script).toContain("SHORT_NAME='kvm-host-01'");
    });

    test("every package of the node's roles installs in one transaction; the apt proxy file is written only when configured", () => {
        const base = (node: typeof mgmt, packages = settings.packages) => commonSteps(node, settings.network, packages).find((s) => s.name === "base")!.script;
        const proxy = (packages = settings.packages) => commonSteps(mgmt, settings.network, packages).find((s) => s.name === "apt-proxy")!.script;
        // Management and database on one node: Java, the management and usage servers, the database client and server.
        expect(base(mgmt)).toContain(
            "apt_install chrony curl ca-certificates gnupg openssh-server python3 iproute2 netplan.io openjdk-11-jre-headless cloudstack-management cloudstack-usage mysql-client nfs-common wget mysql-server\n",
        );
        // A KVM host: its KVM packages, Java and the agent, with recommendations as the KVM packages always had them.
        expect(base(kvm)).toContain(
            "apt_install --with-recommends chrony curl ca-certificates gnupg openssh-server python3 iproute2 netplan.io qemu-system-x86 libvirt-daemon-system libvirt-clients cpu-checker bridge-utils openjdk-11-jre-headless cloudstack-agent\n",
        );
        // Names only: a fresh node gets the pinned release; a release change is the role steps' (after the pre-change backup).
        const repo = commonSteps(kvm, settings.network, settings.packages).find((s) => s.name === "cloudstack-repo")!.script;
        expect(repo).toContain("Pin: version 4.19.3.0*\nPin-Priority: 1001");
        expect(proxy()).toContain('remove_file "$PROXY_FILE"');
        expect(proxy({ ...settings.packages, aptProxy: "http://10.15.0.1:3142" })).toContain('Acquire::http::Proxy "http://10.15.0.1:3142";');
    });

    test("chrony gets the configured servers and the time zone", () => {
        const clock = commonSteps(mgmt, settings.network, settings.packages).find((s) => s.name === "clock")!;
        expect(clock.script).toContain("server time.bora.net iburst\nserver 0.ubuntu.pool.ntp.org iburst");
        expect(clock.script).toContain("TIMEZONE='Asia/Seoul'");
    });

    test("values that could break out of a shell word are refused with the key, the value and what is allowed", () => {
        expect(() => commonSteps(mgmt, { ...settings.network, timezone: "Asia/Seoul'; reboot; '" }, settings.packages)).toThrow(
            `network.timezone: "Asia/Seoul'; reboot; '" is not allowed here; expected a time zone name like Asia/Seoul`,
        );
        expect(() => commonSteps(mgmt, settings.network, { ...settings.packages, basePackages: ["curl", "$(id)"] })).toThrow(/packages\.basePackages\[1\]: "\$\(id\)" is not allowed here; expected a Debian package name/);
        expect(() => commonSteps(mgmt, { ...settings.network, ntpServers: ["pool.ntp.org iburst"] }, settings.packages)).toThrow(/network\.ntpServers\[0\]/);
    });
});
