/** commonSteps: what every node gets, built from the seed's example. */
import { commonSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("commonSteps", () => {
    const settings = seedSettings();
    const [mgmt, kvm] = settings.nodes;

    test("base, identity and clock, each with a delete that undoes it", () => {
        const steps = commonSteps(kvm, settings.network, settings.packages, settings.nodes);
        expect(steps.map((s) => s.name)).toEqual(["base", "identity", "clock"]);
        // Each delete undoes exactly what its step added: the apt proxy file, our /etc/hosts block, our NTP sources.
        const [base, identity, clock] = steps.map((s) => s.deleteScript ?? "");
        expect(base).toContain("remove_file /etc/apt/apt.conf.d/01cloudstack-infra-proxy");
        expect(identity).toContain("remove_block /etc/hosts nodes");
        expect(clock).toContain("remove_file /etc/chrony/sources.d/cloudstack-infra.sources");
        expect(steps.flatMap((s) => s.secretEnv ?? [])).toEqual([]);
    });

    test("/etc/hosts lists this node first, then the others, at their management address where known", () => {
        const identity = commonSteps(kvm, settings.network, settings.packages, settings.nodes)[1];
        expect(identity.script).toContain(
            "10.15.0.117 kvm-host-01.cloudstack.local kvm-host-01\n10.15.0.116 cloudstack-mgmt.cloudstack.local cloudstack-mgmt\n10.10.0.118 nfs-storage.cloudstack.local nfs-storage\n",
        );
        expect(identity.script).toContain("SHORT_NAME='kvm-host-01'");
    });

    test("base packages install in one transaction; the apt proxy file is written only when configured", () => {
        const [without] = commonSteps(mgmt, settings.network, settings.packages);
        expect(without.script).toContain("apt_install chrony curl ca-certificates gnupg openssh-server python3 iproute2 netplan.io\n");
        expect(without.script).toContain('remove_file "$PROXY_FILE"');
        const [withProxy] = commonSteps(mgmt, settings.network, { ...settings.packages, aptProxy: "http://10.15.0.1:3142" });
        expect(withProxy.script).toContain('Acquire::http::Proxy "http://10.15.0.1:3142";');
    });

    test("chrony gets the configured servers and the time zone", () => {
        const clock = commonSteps(mgmt, settings.network, settings.packages)[2];
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
