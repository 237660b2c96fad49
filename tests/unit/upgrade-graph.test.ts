/**
 * The upgrade's place in the resource graph (Pulumi mocks): none of its
 * resources on a fresh or unchanged stack; when upgrading, the guide's steps
 * in the guide's order, the management server before any agent, one KVM
 * host after another, the node components' install steps after their node's
 * upgrade, and the final verify after all of it.
 */
import { Settings } from "../../config/settings";
import { UpgradeRequest } from "../../components/deployCloud";
import { unpackText } from "../../providers/remote/packedText";
import { devWithKvmHosts, Graph, inputsOf, recordResourceGraph, Registered, registerCloud } from "../support/resourceGraph";

recordResourceGraph();

/** The dev stack at `version` (Java 17 for 4.20) with `count` KVM hosts. */
function settingsFor(version: string, count: number): Settings {
    return devWithKvmHosts(count, (raw) => {
        raw.cloudstackVersion = version;
        if (version.startsWith("4.20.")) raw.packages = { ...(raw.packages ?? {}), javaPackage: "openjdk-17-jre-headless", javaBinary: "/usr/lib/jvm/java-17-openjdk-amd64/bin/java" };
    });
}

/** Who waits for whom, by step name. */
function graphOf(graph: Graph) {
    return { waitsFor: (a: string, b: string) => graph.waitsFor(graph.step(a), graph.step(b)) };
}

const REQUEST: UpgradeRequest = { from: "4.19.3.0", to: "4.20.1.0", api: { apiUrl: "http://10.10.0.116:8080/client/api", apiKey: "k", secretKey: "s" }, zoneId: "zone-1" };
const isUpgradeResource = (r: Registered) => r.type === "cloudstack:upgrade:Upgrade" || r.type.endsWith("ops:UpgradeStep") || /-upgrade-|^upgrade-/.test(r.name);

describe("no upgrade", () => {
    test("a stack without an upgrade request has no upgrade resource", async () => {
        const { graph } = await registerCloud(settingsFor("4.19.3.0", 1));
        expect(graph.resources.filter(isUpgradeResource).map((r) => r.name)).toEqual([]);
    });
});

describe.each([1, 3])("an upgrade 4.19.3.0 → 4.20.1.0 with %i KVM host(s)", (count) => {
    let resources: Registered[];
    let graph: ReturnType<typeof graphOf>;
    beforeAll(async () => {
        const registered = await registerCloud(settingsFor("4.20.1.0", count), REQUEST);
        resources = registered.graph.resources;
        graph = graphOf(registered.graph);
    });

    test("the guide's steps, one resource each, under the Upgrade component", () => {
        const upgrade = resources.find((r) => r.type === "cloudstack:upgrade:Upgrade")!;
        const children = resources.filter((r) => r.parent === upgrade.urn).map((r) => r.name);
        const hosts = Array.from({ length: count }, (_, i) => i + 1).flatMap((i) => [`kvm-host-0${i}-upgrade-agent`, `upgrade-host-N${i}`]);
        expect(children.sort()).toEqual(
            ["upgrade-preflight", "upgrade-backup", "upgrade-register-template", "cloudstack-mgmt-upgrade-stop", "cloudstack-mgmt-upgrade-packages", "cloudstack-mgmt-upgrade-start", "upgrade-template-ready", ...hosts, "upgrade-system-vms"].sort(),
        );
    });

    test("in the guide's order: preflight, backup, template, stop, packages, start, template Ready, agents, system VMs", () => {
        const order = ["upgrade-preflight", "upgrade-backup", "upgrade-register-template", "cloudstack-mgmt-upgrade-stop", "cloudstack-mgmt-upgrade-packages", "cloudstack-mgmt-upgrade-start", "upgrade-template-ready", "kvm-host-01-upgrade-agent", "upgrade-host-N1"];
        for (let i = 1; i < order.length; i++) expect([order[i], graph.waitsFor(order[i], order[i - 1])]).toEqual([order[i], true]);
        expect(graph.waitsFor("upgrade-system-vms", `upgrade-host-N${count}`)).toBe(true);
    });

    test("agents one host at a time: each host's agent waits for the previous host to be Up", () => {
        for (let i = 2; i <= count; i++) {
            expect(graph.waitsFor(`kvm-host-0${i}-upgrade-agent`, `upgrade-host-N${i - 1}`)).toBe(true);
            expect(graph.waitsFor(`upgrade-host-N${i - 1}`, `kvm-host-0${i}-upgrade-agent`)).toBe(false);
        }
    });

    test("the install steps that name the version run after their node's upgrade; verify after the whole upgrade", () => {
        expect(graph.waitsFor("cloudstack-mgmt-management-install", "upgrade-template-ready")).toBe(true);
        for (let i = 1; i <= count; i++) expect([i, graph.waitsFor(`kvm-host-0${i}-kvm`, `upgrade-host-N${i}`)]).toEqual([i, true]);
        expect(graph.waitsFor("verify", "upgrade-system-vms")).toBe(true);
        // The upgrade itself never waits for the install steps it runs before.
        expect(graph.waitsFor("upgrade-system-vms", "cloudstack-mgmt-management-install")).toBe(false);
    });

    test("the pinned packages of the target and the upgrade's backup prefix", () => {
        const packages = unpackText(inputsOf("cloudstack-mgmt-upgrade-packages").script as string);
        expect(packages).toContain("apt_install cloudstack-common=4.20.1.0 cloudstack-management=4.20.1.0 cloudstack-usage=4.20.1.0");
        expect(packages).toContain("Pin: version 4.20.1.0*");
        expect(packages).toContain("apt_install openjdk-17-jre-headless");
        expect(inputsOf("upgrade-backup")).toMatchObject({ prefix: "test-db-before-upgrade-4.19.3.0-to-4.20.1.0", fingerprint: "upgrade 4.19.3.0 to 4.20.1.0" });
        expect(inputsOf("upgrade-template-ready")).toMatchObject({ action: "template-ready", template: { name: "systemvm-kvm-4.20.1-x86_64" } });
    });
});
