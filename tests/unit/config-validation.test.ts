/**
 * Every validation rule rejects a bad stack config with a message naming the
 * key, the value and what is allowed. Each test starts from the dev stack
 * (the seed's topology) and breaks one thing.
 */
import { ConfigError, ConfigProblems } from "../../config/problems";
import { check, clone, readStackFile } from "../support/stackConfig";

type Raw = ReturnType<typeof readStackFile>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRaw = any;

const dev = readStackFile("dev");

/** The problems of the dev stack after `change`. */
function problemsAfter(change: (raw: AnyRaw) => void, secretKeys: string[] = []): string[] {
    const raw: Raw = clone(dev);
    change(raw);
    return check(raw, secretKeys).problems;
}

function expectProblem(problems: string[], pattern: RegExp): void {
    if (!problems.some((p) => pattern.test(p))) {
        throw new Error(`expected a problem matching ${pattern}, got:\n${problems.join("\n") || "(none)"}`);
    }
}

describe("the example stacks", () => {
    test.each(["dev", "prod"])("Pulumi.%s.yaml is valid", (stack) => {
        expect(check(readStackFile(stack)).problems).toEqual([]);
    });

    test("the dev stack reproduces the seed's topology", () => {
        const { settings } = check(clone(dev));
        expect(settings.nodes.map((n) => [n.name, n.address, n.roles.join("+")])).toEqual([
            ["cloudstack-mgmt", "10.10.0.116", "management+database"],
            ["kvm-host-01", "10.10.0.117", "kvm"],
            ["nfs-storage", "10.10.0.118", "nfs"],
        ]);
        expect(settings.zone).toMatchObject({ name: "TEST", guestCidr: "192.168.0.0/24", guestMtu: 1500 });
        expect(settings.zone.physicalNetworks[0]).toMatchObject({ isolationMethod: "VXLAN", vniStart: 5000, vniEnd: 6000 });
        expect(settings.zone.pods[0]).toMatchObject({ name: "Internal", startIp: "10.15.0.160", endIp: "10.15.0.170" });
        expect(settings.zone.hosts[0]).toMatchObject({ name: "N12", cluster: "testbed", ip: "10.15.0.117" });
        expect(settings.zone.publicIpRanges[0]).toMatchObject({ startIp: "10.10.0.220", endIp: "10.10.0.230", vlan: "untagged" });
        expect(settings.database.maxConnections).toBe(350);
    });
});

describe("validation rules", () => {
    test("malformed IP address", () => {
        expectProblem(
            problemsAfter((r) => (r.zone.pods[0].startIp = "10.15.0.300")),
            /^cloudstack:zone\.pods\[0\]\.startIp: "10\.15\.0\.300" is invalid: expected an IPv4 address/,
        );
    });

    test("malformed CIDR", () => {
        expectProblem(problemsAfter((r) => (r.network.management.cidr = "10.15.0.0/33")), /^cloudstack:network\.management\.cidr: "10\.15\.0\.0\/33" is invalid: expected an IPv4 network in CIDR form/);
    });

    test("an address outside its network", () => {
        expectProblem(problemsAfter((r) => (r.nodes[1].managementAddress = "10.16.0.117")), /nodes\[1\]\.managementAddress: "10\.16\.0\.117" is invalid: must lie inside the management network 10\.15\.0\.0\/24/);
        expectProblem(problemsAfter((r) => (r.network.public.gateway = "10.11.0.1")), /network\.public\.gateway: "10\.11\.0\.1" is invalid: must lie inside 10\.10\.0\.0\/24/);
    });

    test("a range outside its network", () => {
        expectProblem(
            problemsAfter((r) => Object.assign(r.zone.publicIpRanges[0], { startIp: "10.20.0.220", endIp: "10.20.0.230", gateway: "10.20.0.1" })),
            /publicIpRanges\[0\]\.startIp: "10\.20\.0\.220" is invalid: must lie inside the public network 10\.10\.0\.0\/24/,
        );
        expectProblem(problemsAfter((r) => (r.zone.pods[0].endIp = "10.15.1.170")), /pods\[0\]\.endIp: "10\.15\.1\.170" is invalid: must lie inside the network 10\.15\.0\.0\/24 of its gateway and netmask/);
    });

    test("start after end", () => {
        expectProblem(problemsAfter((r) => (r.zone.pods[0].startIp = "10.15.0.180")), /pods\[0\]\.startIp: "10\.15\.0\.180" is invalid: must not be after endIp 10\.15\.0\.170/);
    });

    test("overlapping reserved ranges", () => {
        expectProblem(
            problemsAfter((r) => r.zone.publicIpRanges.push({ ...r.zone.publicIpRanges[0], startIp: "10.10.0.228", endIp: "10.10.0.240" })),
            /publicIpRanges\[1\]: "10\.10\.0\.228-10\.10\.0\.240" is invalid: overlaps public range 10\.10\.0\.220-10\.10\.0\.230/,
        );
    });

    test("a node or host address inside a reserved range", () => {
        expectProblem(problemsAfter((r) => (r.zone.hosts[0].ip = "10.15.0.165")), /zone\.hosts\[0\]\.ip: "10\.15\.0\.165" is invalid: lies inside pod Internal/);
    });

    test("a gateway inside its own range", () => {
        expectProblem(problemsAfter((r) => (r.zone.pods[0].gateway = "10.15.0.165")), /pods\[0\]\.gateway: "10\.15\.0\.165" is invalid: lies inside its own range 10\.15\.0\.160-10\.15\.0\.170/);
    });

    test("a guest CIDR overlapping the management or public network", () => {
        expectProblem(problemsAfter((r) => (r.zone.guestCidr = "10.15.0.0/16")), /zone\.guestCidr: "10\.15\.0\.0\/16" is invalid: overlaps the management network 10\.15\.0\.0\/24/);
        expectProblem(problemsAfter((r) => (r.zone.guestCidr = "10.10.0.128/25")), /overlaps the public network 10\.10\.0\.0\/24/);
    });

    test("a VNI range outside 0-16777214", () => {
        expectProblem(problemsAfter((r) => (r.zone.physicalNetworks[0].vniRange = "5000-16777215")), /vniRange: "5000-16777215" is invalid: expected START-END with 0 <= START <= END <= 16777214/);
    });

    test("a VNI range too large", () => {
        expectProblem(problemsAfter((r) => (r.zone.physicalNetworks[0].vniRange = "1-100000")), /vniRange: "1-100000" is invalid: spans 100000 VNIs; at most 16384/);
    });

    test("VXLAN over an underlay MTU below 1550", () => {
        expectProblem(problemsAfter((r) => delete r.network.public.mtu), /network\.public\.mtu: 1500 is invalid: VXLAN needs an underlay MTU of at least 1550/);
    });

    test("a guest MTU larger than the underlay allows", () => {
        expectProblem(problemsAfter((r) => (r.zone.guestMtu = 1520)), /zone\.guestMtu: 1520 is invalid: must be at most the underlay MTU 1550 minus 50/);
    });

    test("bridge and interface names over 15 characters", () => {
        expectProblem(problemsAfter((r) => (r.network.management.bridge = "cloudbr-management")), /network\.management\.bridge: "cloudbr-management" is invalid: expected an interface name of at most 15 characters/);
        expectProblem(problemsAfter((r) => (r.zone.physicalNetworks[0].trafficTypes[1].kvmLabel = "guestbridge-vxlan0")), /trafficTypes\[1\]\.kvmLabel: "guestbridge-vxlan0" is invalid: expected an interface name of at most 15/);
    });

    test("duplicate names, compared as CloudStack does (case-insensitive)", () => {
        expectProblem(
            problemsAfter((r) => r.zone.pods.push({ ...r.zone.pods[0], name: "internal", startIp: "10.15.0.180", endIp: "10.15.0.190" })),
            /zone\.pods\[1\]\.name: "internal" is invalid: duplicates zone\.pods\[0\]\.name/,
        );
        expectProblem(problemsAfter((r) => r.nodes.push({ ...r.nodes[1], address: "10.10.0.119" })), /nodes\[3\]\.name: "kvm-host-01" is invalid: duplicates nodes\[1\]\.name/);
    });

    test("references that do not resolve: host → cluster → pod, storage → cluster, host → node", () => {
        expectProblem(problemsAfter((r) => (r.zone.hosts[0].cluster = "nosuch")), /zone\.hosts\[0\]\.cluster: "nosuch" is invalid: names no cluster in zone\.clusters \(testbed\)/);
        expectProblem(problemsAfter((r) => (r.zone.clusters[0].pod = "Outside")), /zone\.clusters\[0\]\.pod: "Outside" is invalid: names no pod in zone\.pods \(Internal\)/);
        expectProblem(problemsAfter((r) => (r.zone.primaryStorages[0].cluster = "gone")), /primaryStorages\[0\]\.cluster: "gone" is invalid: a cluster-scope primary storage must name a cluster/);
        expectProblem(problemsAfter((r) => (r.zone.hosts[0].node = "kvm-host-99")), /zone\.hosts\[0\]\.node: "kvm-host-99" is invalid: names no node/);
        expectProblem(problemsAfter((r) => (r.zone.publicIpRanges[0].physicalNetwork = "Other")), /publicIpRanges\[0\]\.physicalNetwork: "Other" is invalid: names no physical network/);
    });

    test("a role with no host", () => {
        expectProblem(
            problemsAfter((r) => (r.nodes = r.nodes.filter((n: AnyRaw) => !n.roles.includes("nfs")))),
            /^cloudstack:nodes: is missing; no node has the role "nfs"/,
        );
    });

    test("a KVM host without credentials", () => {
        expectProblem(problemsAfter((r) => (r.zone.hosts[0].useManagementKey = false)), /zone\.hosts\[0\]: "N12" is invalid: has no credentials for registration: set useManagementKey: true, or .* cloudstack:kvmHostPassword/);
        expect(
            problemsAfter(
                (r) => {
                    r.zone.hosts[0].useManagementKey = false;
                    r.kvmHostPassword = "root-pw-of-N12";
                },
                ["kvmHostPassword"],
            ),
        ).toEqual([]);
    });

    test("a node without SSH credentials", () => {
        expectProblem(problemsAfter((r) => delete r.ssh.privateKeyFile), /nodes\[0\]\.ssh: is missing; node cloudstack-mgmt has no SSH credentials/);
    });

    test("missing secrets that cannot be generated", () => {
        expectProblem(problemsAfter((r) => (r.apiKey = "only-half"), ["apiKey"]), /cloudstack:secretKey: is missing; API keys come in pairs/);
        const zoneOnly = (r: AnyRaw) => {
            r.nodes = [];
            delete r.zone.hosts[0].node;
            r.zone.apiUrl = "http://10.15.0.116:8080/client/api";
        };
        expectProblem(problemsAfter(zoneOnly), /cloudstack:apiKey: is missing; a zone-only stack talks to an existing management server/);
        expect(
            problemsAfter(
                (r) => {
                    zoneOnly(r);
                    r.apiKey = "k";
                    r.secretKey = "s";
                },
                ["apiKey", "secretKey"],
            ),
        ).toEqual([]);
    });

    test("secrets cloudstack-setup-databases cannot pass through its shell lines are refused, without showing them", () => {
        const problems = problemsAfter((r) => (r.cloudDbPassword = "pa$$word:with spaces"), ["cloudDbPassword"]);
        expectProblem(problems, /cloudstack:cloudDbPassword: "\(hidden\)" is invalid: may only contain letters, digits and/);
        expect(problems.join("\n")).not.toContain("pa$$word");
    });

    test("management and KVM on one machine is refused by this version", () => {
        expectProblem(problemsAfter((r) => r.nodes[0].roles.push("kvm")), /cloudstack:nodes\[0\]\.roles: .* is invalid: management and kvm on one machine is not supported/);
    });

    test("secrets stored in plain text are refused", () => {
        expectProblem(problemsAfter((r) => (r.mysqlRootPassword = "hunter2hunter2")), /cloudstack:mysqlRootPassword: "\(hidden\)" is invalid: is stored in plain text; set it with: pulumi config set --secret/);
        const problems = problemsAfter((r) => (r.mysqlRootPassword = "hunter2hunter2"));
        expect(problems.join("\n")).not.toContain("hunter2hunter2");
    });

    test("a misspelt key is reported instead of silently ignored", () => {
        expectProblem(problemsAfter((r) => (r.zone.pods[0].gatway = "10.15.0.1")), /zone\.pods\[0\]\.gatway: "10\.15\.0\.1" is invalid: is not a known setting here \(known: .*gateway/);
    });

    test("an enum value outside the allowed set (case-sensitive like the API)", () => {
        expectProblem(problemsAfter((r) => (r.zone.physicalNetworks[0].isolationMethod = "vxlan")), /isolationMethod: "vxlan" is invalid: expected one of VXLAN, VLAN \(case-sensitive\)/);
    });

    test("all problems are reported together, in one error", () => {
        const problems = problemsAfter((r) => {
            r.zone.pods[0].startIp = "bad";
            r.zone.guestCidr = "10.15.0.0/16";
            r.network.public.bridge = "a-very-long-bridge-name";
        });
        expect(problems.length).toBeGreaterThanOrEqual(3);
        const collected = new ConfigProblems();
        problems.forEach((p) => collected.messages.push(p));
        expect(() => collected.throwIfAny()).toThrow(ConfigError);
        expect(() => collected.throwIfAny()).toThrow(/^The stack configuration has \d+ problem\(s\); nothing was changed:\n {2}- /);
        const message = (() => {
            try {
                collected.throwIfAny();
                return "";
            } catch (err) {
                return (err as Error).message;
            }
        })();
        for (const key of ["zone.pods[0].startIp", "zone.guestCidr", "network.public.bridge"]) expect(message).toContain(`cloudstack:${key}`);
    });
});
