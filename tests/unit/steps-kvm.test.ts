/** kvmSteps and friends: pre-flight, libvirt, VXLAN readiness, agent, key, post-registration check. */
import { kvmAuthorizeKeySteps, kvmSteps, kvmVerifySteps, mergeSteps, managementSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("kvmSteps", () => {
    const settings = seedSettings();
    const args = { kvm: settings.kvm, network: settings.network, packages: settings.packages, physicalNetworks: settings.zone.physicalNetworks };

    test("pre-flight first, the agent last; libvirt and VXLAN readiness in between", () => {
        expect(kvmSteps(args).map((s) => s.name)).toEqual(["kvm-preflight", "kvm-packages", "kvm-libvirt", "vxlan-readiness", "java", "cloudstack-repo", "cloudstack-agent"]);
        expect(kvmSteps(args)[6].deleteScript).toContain("stop_and_disable cloudstack-agent");
    });

    test("libvirt listens on 16509 with TCP, or 16514 with TLS", () => {
        const tcp = kvmSteps(args)[2].script;
        expect(tcp).toContain("LIBVIRT_PORT=16509\nLIBVIRT_TLS=0\n");
        expect(tcp).toContain("LIBVIRTD_CONF_SETTINGS=(listen_tls=0 listen_tcp=1 ");
        const tls = kvmSteps({ ...args, kvm: { ...settings.kvm, libvirtTls: true } })[2].script;
        expect(tls).toContain("LIBVIRT_PORT=16514\nLIBVIRT_TLS=1\n");
        expect(tls).toContain("LIBVIRTD_CONF_SETTINGS=(listen_tls=1 listen_tcp=0 ");
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
        expect(step.deleteScript).toBeDefined();
    });

    test("the post-registration check expects the traffic labels in agent.properties", () => {
        const [verify] = kvmVerifySteps(settings.zone.physicalNetworks);
        expect(verify.script).toContain("EXPECTED_AGENT_PROPERTIES=('private.network.device=cloudbr0' 'public.network.device=cloudbr1' 'guest.network.device=cloudbr1' )");
        expect(kvmVerifySteps()[0].script).toContain("EXPECTED_AGENT_PROPERTIES=()");
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
