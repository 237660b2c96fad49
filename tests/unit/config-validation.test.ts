/**
 * Every validation rule rejects a bad stack config with a message naming the
 * key, the value and what is allowed. Each test starts from the dev stack
 * (the seed's topology) and breaks one thing.
 */
import { RunError } from "@pulumi/pulumi";
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

const K = "cloudstack:";

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

describe("the prod example is deployable", () => {
    test("one pod in the management subnet, two clusters of two hosts, primary storage under the export root", () => {
        const { settings, problems } = check(readStackFile("prod"));
        expect(problems).toEqual([]);
        expect(settings.zone.pods.map((p) => [p.name, p.gateway, p.netmask, p.startIp, p.endIp])).toEqual([["rack-a", "10.30.0.1", "255.255.255.0", "10.30.0.100", "10.30.0.139"]]);
        expect(settings.zone.clusters.map((c) => [c.name, c.pod])).toEqual([
            ["cluster-a", "rack-a"],
            ["cluster-b", "rack-a"],
        ]);
        expect(settings.zone.hosts.map((h) => [h.name, h.cluster, h.pod])).toEqual([
            ["kvm01", "cluster-a", "rack-a"],
            ["kvm02", "cluster-a", "rack-a"],
            ["kvm03", "cluster-b", "rack-a"],
            ["kvm04", "cluster-b", "rack-a"],
        ]);
        expect(settings.zone.primaryStorages.map((s) => [s.name, s.cluster, s.server, s.path])).toEqual([
            ["primary-a", "cluster-a", "10.30.0.12", "/export/primary/cluster-a"],
            ["primary-b", "cluster-b", "10.30.0.12", "/export/primary/cluster-b"],
        ]);
        expect(settings.nfs).toMatchObject({ server: "10.30.0.12", exportRoot: "/export" });
    });
});

describe("validation rules (each with the exact list of problems: no follow-ons)", () => {
    const invalid = (key: string, value: string, why: string) => `${K}${key}: "${value}" is invalid: ${why}`;

    test("malformed IP address", () => {
        expect(problemsAfter((r) => (r.zone.pods[0].startIp = "10.15.0.300"))).toEqual([invalid("zone.pods[0].startIp", "10.15.0.300", "expected an IPv4 address like 10.15.0.160")]);
    });

    test("malformed CIDR", () => {
        expect(problemsAfter((r) => (r.network.management.cidr = "10.15.0.0/33"))).toEqual([
            invalid("network.management.cidr", "10.15.0.0/33", "expected an IPv4 network in CIDR form like 10.15.0.0/24"),
        ]);
    });

    test("an address outside its network", () => {
        expect(problemsAfter((r) => (r.nodes[1].managementAddress = "10.16.0.117"))).toEqual([
            invalid("nodes[1].managementAddress", "10.16.0.117", "must lie inside the management network 10.15.0.0/24"),
        ]);
        expect(problemsAfter((r) => (r.network.public.gateway = "10.11.0.1"))).toEqual([invalid("network.public.gateway", "10.11.0.1", "must lie inside 10.10.0.0/24")]);
    });

    test("a range outside its network", () => {
        expect(problemsAfter((r) => Object.assign(r.zone.publicIpRanges[0], { startIp: "10.20.0.220", endIp: "10.20.0.230", gateway: "10.20.0.1" }))).toEqual([
            invalid("zone.publicIpRanges[0].startIp", "10.20.0.220", "must lie inside the public network 10.10.0.0/24"),
            invalid("zone.publicIpRanges[0].endIp", "10.20.0.230", "must lie inside the public network 10.10.0.0/24"),
        ]);
        // Outside its own gateway's network: reported once, not again as outside the management network.
        expect(problemsAfter((r) => (r.zone.pods[0].endIp = "10.15.1.170"))).toEqual([
            invalid("zone.pods[0].endIp", "10.15.1.170", "must lie inside the network 10.15.0.0/24 of its gateway and netmask"),
        ]);
    });

    test("start after end", () => {
        expect(problemsAfter((r) => (r.zone.pods[0].startIp = "10.15.0.180"))).toEqual([invalid("zone.pods[0].startIp", "10.15.0.180", "must not be after endIp 10.15.0.170")]);
    });

    test("overlapping reserved ranges", () => {
        expect(problemsAfter((r) => r.zone.publicIpRanges.push({ ...r.zone.publicIpRanges[0], startIp: "10.10.0.228", endIp: "10.10.0.240" }))).toEqual([
            invalid("zone.publicIpRanges[1]", "10.10.0.228-10.10.0.240", "overlaps public range 10.10.0.220-10.10.0.230 (10.10.0.220-10.10.0.230); reserved ranges must not overlap"),
        ]);
    });

    test("a node or host address inside a reserved range", () => {
        expect(problemsAfter((r) => (r.zone.hosts[0].ip = "10.15.0.165"))).toEqual([
            invalid("zone.hosts[0].ip", "10.15.0.165", "lies inside pod Internal (10.15.0.160-10.15.0.170), which CloudStack hands out to system VMs; move the range or the address"),
        ]);
    });

    test("a gateway inside its own range", () => {
        expect(problemsAfter((r) => (r.zone.pods[0].gateway = "10.15.0.165"))).toEqual([
            invalid("zone.pods[0].gateway", "10.15.0.165", "lies inside its own range 10.15.0.160-10.15.0.170; the gateway must be outside it"),
        ]);
    });

    test("a guest CIDR overlapping the management or public network", () => {
        expect(problemsAfter((r) => (r.zone.guestCidr = "10.15.0.0/16"))).toEqual([
            invalid("zone.guestCidr", "10.15.0.0/16", "overlaps the management network 10.15.0.0/24; guest networks must not overlap the underlying L3 networks"),
        ]);
        expect(problemsAfter((r) => (r.zone.guestCidr = "10.10.0.128/25"))).toEqual([
            invalid("zone.guestCidr", "10.10.0.128/25", "overlaps the public network 10.10.0.0/24; guest networks must not overlap the underlying L3 networks"),
        ]);
    });

    test("a guest CIDR outside private address space (NetUtils.validateGuestCidr)", () => {
        const why = "must lie inside private address space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10); CloudStack refuses other guest CIDRs";
        expect(problemsAfter((r) => (r.zone.guestCidr = "8.8.0.0/24"))).toEqual([invalid("zone.guestCidr", "8.8.0.0/24", why)]);
        // Wider than 172.16/12 though it starts inside it: not within one allowed block.
        expect(problemsAfter((r) => (r.zone.guestCidr = "172.16.0.0/11"))).toEqual([invalid("zone.guestCidr", "172.16.0.0/11", why)]);
        for (const ok of ["10.1.0.0/16", "172.31.255.0/24", "100.64.0.0/10", "192.168.10.0/24"]) expect(problemsAfter((r) => (r.zone.guestCidr = ok))).toEqual([]);
    });

    test("a timezone the tz database does not have", () => {
        const why = 'expected a tz database name (case-sensitive) such as "Asia/Seoul", "UTC" or "Etc/GMT-9"; timedatectl refuses names it does not know';
        expect(problemsAfter((r) => (r.network.timezone = "Asia/Seol"))).toEqual([invalid("network.timezone", "Asia/Seol", why)]);
        expect(problemsAfter((r) => (r.network.timezone = "asia/seoul"))).toEqual([invalid("network.timezone", "asia/seoul", why)]);
        for (const ok of ["UTC", "Etc/UTC", "Etc/GMT-9", "Europe/Berlin"]) expect(problemsAfter((r) => (r.network.timezone = ok))).toEqual([]);
    });

    test("a node address given as a host name (it could not be checked at preview)", () => {
        expect(problemsAfter((r) => (r.nodes[2].address = "nfs.example.invalid"))).toEqual([
            invalid("nodes[2].address", "nfs.example.invalid", "expected an IPv4 address like 10.10.0.116 (the address the controller reaches over SSH; a host name cannot be checked at preview)"),
        ]);
    });

    test("a VNI range outside 0-16777214", () => {
        expect(problemsAfter((r) => (r.zone.physicalNetworks[0].vniRange = "5000-16777215"))).toEqual([
            invalid("zone.physicalNetworks[0].vniRange", "5000-16777215", "expected START-END with 0 <= START <= END <= 16777214"),
        ]);
    });

    test("a VNI range too large", () => {
        expect(problemsAfter((r) => (r.zone.physicalNetworks[0].vniRange = "1-100000"))).toEqual([
            invalid("zone.physicalNetworks[0].vniRange", "1-100000", "spans 100000 VNIs; at most 16384 (each VNI becomes a database row)"),
        ]);
    });

    test("VXLAN over an underlay MTU below 1550: blamed on what the file says, not on a computed value", () => {
        const need = "VXLAN needs an underlay MTU of at least 1550 on the Guest traffic bridge (VXLAN adds 50 bytes); set the MTU of the network whose bridge carries Guest traffic to 1550 or more (9000 recommended)";
        expect(problemsAfter((r) => delete r.network.public.mtu)).toEqual([`${K}network.public.mtu: is not set, so the Guest traffic bridge has MTU 1500; ${need}`]);
        expect(problemsAfter((r) => (r.network.public.mtu = 1400))).toEqual([`${K}network.public.mtu: 1400 is invalid: ${need}`]);
    });

    test("a guest MTU larger than the underlay allows", () => {
        expect(problemsAfter((r) => (r.zone.guestMtu = 1520))).toEqual([`${K}zone.guestMtu: 1520 is invalid: must be at most the underlay MTU 1550 minus 50`]);
    });

    test("bridge and interface names over 15 characters", () => {
        const tooLong = "expected an interface name of at most 15 characters (letters, digits, _ . -); Linux refuses longer names";
        expect(problemsAfter((r) => (r.network.management.bridge = "cloudbr-management"))).toEqual([
            invalid("network.management.bridge", "cloudbr-management", tooLong),
            invalid("zone.physicalNetworks[0].trafficTypes[0].kvmLabel", "cloudbr0", "names no bridge this stack creates (cloudbr-management, cloudbr1)"),
            invalid("zone.physicalNetworks[0].trafficTypes[3].kvmLabel", "cloudbr0", "names no bridge this stack creates (cloudbr-management, cloudbr1)"),
        ]);
        expect(problemsAfter((r) => (r.zone.physicalNetworks[0].trafficTypes[1].kvmLabel = "guestbridge-vxlan0"))).toEqual([
            invalid("zone.physicalNetworks[0].trafficTypes[1].kvmLabel", "guestbridge-vxlan0", tooLong),
        ]);
    });

    test("duplicate names, compared as CloudStack does (case-insensitive)", () => {
        expect(problemsAfter((r) => r.zone.clusters.push({ ...r.zone.clusters[0], name: "TESTBED" }))).toEqual([
            invalid("zone.clusters[1].name", "TESTBED", "duplicates zone.clusters[0].name; cluster names must be unique (case-insensitive)"),
        ]);
        expect(problemsAfter((r) => r.nodes.push({ ...r.nodes[1], address: "10.10.0.119" }))).toEqual([
            invalid("nodes[3].name", "kvm-host-01", "duplicates nodes[1].name; node names must be unique"),
        ]);
    });

    test("pods of one zone in one subnet are refused as createPod refuses them", () => {
        expect(problemsAfter((r) => r.zone.pods.push({ name: "rack-b", gateway: "10.15.0.1", netmask: "255.255.255.0", startIp: "10.15.0.180", endIp: "10.15.0.190" }))).toEqual([
            invalid(
                "zone.pods[1].gateway",
                "10.15.0.1",
                "with netmask 255.255.255.0 makes the subnet 10.15.0.0/24, which conflicts with the subnet 10.15.0.0/24 of pod Internal; CloudStack refuses two pods of a zone in one subnet. Put the ranges in one pod, or give each pod its own subnet",
            ),
        ]);
    });

    test("storage on the NFS node outside what it exports", () => {
        expect(problemsAfter((r) => (r.zone.primaryStorages[0].path = "/srv/primary"))).toEqual([
            invalid("zone.primaryStorages[0].path", "/srv/primary", "is on the NFS node (10.10.0.118) but not under nfs.exportRoot (/export), which is all it exports"),
        ]);
    });

    test("a route to the bridge's own connected network", () => {
        expect(problemsAfter((r) => (r.network.management.routes = [{ to: "10.15.0.0/24", via: "10.15.0.1" }]))).toEqual([
            invalid("network.management.routes[0].to", "10.15.0.0/24", "overlaps 10.15.0.0/24, the network this bridge is connected to; it needs no route"),
        ]);
    });

    test("references that do not resolve are reported once, without their consequences", () => {
        expect(problemsAfter((r) => (r.zone.hosts[0].cluster = "nosuch"))).toEqual([invalid("zone.hosts[0].cluster", "nosuch", "names no cluster in zone.clusters (testbed)")]);
        expect(problemsAfter((r) => (r.zone.clusters[0].pod = "Outside"))).toEqual([invalid("zone.clusters[0].pod", "Outside", "names no pod in zone.pods (Internal)")]);
        expect(problemsAfter((r) => (r.zone.primaryStorages[0].cluster = "gone"))).toEqual([
            invalid("zone.primaryStorages[0].cluster", "gone", "a cluster-scope primary storage must name a cluster from zone.clusters"),
        ]);
        expect(problemsAfter((r) => (r.zone.hosts[0].node = "kvm-host-99"))).toEqual([invalid("zone.hosts[0].node", "kvm-host-99", "names no node in cloudstack:nodes")]);
        expect(problemsAfter((r) => (r.zone.publicIpRanges[0].physicalNetwork = "Other"))).toEqual([
            invalid("zone.publicIpRanges[0].physicalNetwork", "Other", "names no physical network in zone.physicalNetworks"),
        ]);
    });

    test("a role with no host: the key exists, so it is not called missing", () => {
        expect(problemsAfter((r) => (r.nodes = r.nodes.filter((n: AnyRaw) => !n.roles.includes("nfs"))))).toEqual([
            `${K}nodes: no node has the role "nfs"; every stack needs management, database, nfs and kvm nodes (or set cloudstack:zone.apiUrl and no nodes for a zone-only stack)`,
        ]);
    });

    test("registration by password is refused: Ubuntu 24.04 permits no root password login", () => {
        const refused = [
            `${K}zone.hosts[0].useManagementKey: false is invalid: host N12 cannot be registered by password: Ubuntu 24.04 refuses root password logins (PermitRootLogin prohibit-password); set useManagementKey: true (the management server's key is installed on the host) or delete the key`,
        ];
        expect(problemsAfter((r) => (r.zone.hosts[0].useManagementKey = false))).toEqual(refused);
        // A password does not make it work.
        expect(
            problemsAfter(
                (r) => {
                    r.zone.hosts[0].useManagementKey = false;
                    r.kvmHostPassword = "root-pw-of-N12";
                },
                ["kvmHostPassword"],
            ),
        ).toEqual(refused);
    });

    test("kvm.libvirtTls is refused with why it was removed, not as an unknown key", () => {
        expect(problemsAfter((r) => (r.kvm = { libvirtTls: true }))).toEqual([
            `${K}kvm.libvirtTls: was removed: CloudStack itself switches libvirt to TLS with its own CA when it adds the host (addHost runs cloudstack-setup-agent, which sets listen_tls=1 and turns plain TCP off), so there is nothing to choose; delete this key`,
        ]);
    });

    test("a node without SSH credentials", () => {
        const none = (i: number, name: string) =>
            `${K}nodes[${i}].ssh: node ${name} has no SSH credentials; set cloudstack:ssh.privateKeyFile, or a secret ssh.password / ssh.privateKey (pulumi config set --secret --path ...)`;
        expect(problemsAfter((r) => delete r.ssh.privateKeyFile)).toEqual([none(0, "cloudstack-mgmt"), none(1, "kvm-host-01"), none(2, "nfs-storage")]);
    });

    test("missing secrets that cannot be generated", () => {
        expect(problemsAfter((r) => (r.apiKey = "only-half"), ["apiKey"])).toEqual([
            `${K}secretKey: is missing; API keys come in pairs; set both cloudstack:apiKey and cloudstack:secretKey (secrets), or neither to have them created`,
        ]);
        const zoneOnly = (r: AnyRaw) => {
            r.nodes = [];
            delete r.zone.hosts[0].node;
            r.zone.apiUrl = "http://10.15.0.116:8080/client/api";
        };
        expect(problemsAfter(zoneOnly)).toEqual([
            `${K}apiKey: is missing; a zone-only stack talks to an existing management server: set cloudstack:apiKey and cloudstack:secretKey, or cloudstack:adminPassword to create keys (these cannot be generated)`,
        ]);
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
        expect(problemsAfter((r) => (r.cloudDbPassword = "pa$$word:with spaces"), ["cloudDbPassword"])).toEqual([
            `${K}cloudDbPassword: "(hidden)" is invalid: may only contain letters, digits and . _ + = @ % , ^ - (cloudstack-setup-databases passes it through shell command lines)`,
        ]);
    });

    test("management and KVM on one machine is refused by this version", () => {
        expect(problemsAfter((r) => r.nodes[0].roles.push("kvm"))).toEqual([
            `${K}nodes[0].roles: ["management","database","kvm"] is invalid: management and kvm on one machine is not supported by this version; use separate machines`,
        ]);
    });

    test("secrets stored in plain text are refused", () => {
        expect(problemsAfter((r) => (r.mysqlRootPassword = "hunter2hunter2"))).toEqual([
            `${K}mysqlRootPassword: "(hidden)" is invalid: is stored in plain text; set it with: pulumi config set --secret cloudstack:mysqlRootPassword`,
        ]);
    });

    test("a misspelt key is reported without dumping its value", () => {
        expect(problemsAfter((r) => (r.zone.pods[0].gatway = "10.15.0.1"))).toEqual([`${K}zone.pods[0].gatway: is not a known setting here (known: endIp, gateway, name, netmask, startIp)`]);
        expect(problemsAfter((r) => (r.zone.podz = r.zone.pods))).toEqual([
            `${K}zone.podz: is not a known setting here (known: apiUrl, clusters, dns1, dns2, guestCidr, guestMtu, hosts, internalDns1, internalDns2, name, networkType, physicalNetworks, pods, primaryStorages, publicIpRanges, readyTimeoutSeconds, secondaryStorages)`,
        ]);
    });

    test("an enum value outside the allowed set (case-sensitive like the API)", () => {
        expect(problemsAfter((r) => (r.zone.physicalNetworks[0].isolationMethod = "vxlan"))).toEqual([
            invalid("zone.physicalNetworks[0].isolationMethod", "vxlan", "expected one of VXLAN, VLAN (case-sensitive)"),
        ]);
    });

    test("a bad traffic type is not then checked as another type (no \"appears twice\", no missing Guest, no MTU)", () => {
        expect(problemsAfter((r) => (r.zone.physicalNetworks[0].trafficTypes[1].type = "Guests"))).toEqual([
            invalid("zone.physicalNetworks[0].trafficTypes[1].type", "Guests", "expected one of Management, Guest, Public, Storage (case-sensitive)"),
        ]);
    });

    test("a bad value is not reported again under a default derived from it", () => {
        expect(problemsAfter((r) => (r.nodes[1].name = r.zone.hosts[0].node = "kvm_host_01"))).toEqual([
            invalid("nodes[1].name", "kvm_host_01", "expected a host name (letters, digits and '-', at most 63 characters)"),
        ]);
        expect(
            problemsAfter((r) => {
                r.nodes = r.nodes.filter((n: AnyRaw) => !n.roles.includes("nfs"));
                delete r.nfs.server;
            }),
        ).toEqual([`${K}nodes: no node has the role "nfs"; every stack needs management, database, nfs and kvm nodes (or set cloudstack:zone.apiUrl and no nodes for a zone-only stack)`]);
    });

    test("a missing key is reported once, not again as an empty value", () => {
        expect(problemsAfter((r) => delete r.zone.name)).toEqual([`${K}zone.name: is missing; it is required`]);
        expect(problemsAfter((r) => delete r.zone.guestCidr)).toEqual([`${K}zone.guestCidr: is missing; it is required`]);
        expect(problemsAfter((r) => delete r.zone.primaryStorages[0].server)).toEqual([`${K}zone.primaryStorages[0].server: is missing; it is required`]);
    });
});

describe("NFS export clients", () => {
    test("by default exactly the nodes, hosts and pod ranges that mount the exports", () => {
        // Management and KVM nodes by their address on the NFS server's network (public here), the zone
        // host, and the pod range 10.15.0.160-170 as the smallest exact CIDR cover (the SSVM's storage NIC).
        expect(check(clone(dev)).settings.nfs.allowedCidrs).toEqual(["10.10.0.116/32", "10.10.0.117/32", "10.15.0.117/32", "10.15.0.160/29", "10.15.0.168/31", "10.15.0.170/32"]);
        expect(check(readStackFile("prod")).settings.nfs.allowedCidrs).toEqual([
            "10.30.0.10/32",
            "10.30.0.21/32",
            "10.30.0.22/32",
            "10.30.0.23/32",
            "10.30.0.24/32",
            "10.30.0.100/30",
            "10.30.0.104/29",
            "10.30.0.112/28",
            "10.30.0.128/29",
            "10.30.0.136/30",
        ]);
    });

    test("whole networks only when the config asks; entries are checked where the user wrote them", () => {
        const asked = clone(dev) as AnyRaw;
        asked.nfs.allowedCidrs = ["10.15.0.0/24", "10.10.0.5"];
        expect(check(asked)).toMatchObject({ problems: [], settings: { nfs: { allowedCidrs: ["10.15.0.0/24", "10.10.0.5"] } } });
        expect(problemsAfter((r) => (r.nfs.allowedCidrs = ["10.15.0.0/24", "everyone"]))).toEqual([
            invalid2("nfs.allowedCidrs[1]", "everyone", "expected an IPv4 address or network in CIDR form like 10.15.0.0/24"),
        ]);
        expect(problemsAfter((r) => (r.nfs.allowedCidrs = []))).toEqual([
            `${K}nfs.allowedCidrs: is empty; list the addresses or networks allowed to mount the exports (never *), or delete the key for the default (the nodes, hosts and system VM ranges that need them)`,
        ]);
    });

    test("a default never produces problems under keys the file does not contain", () => {
        // The bad network is reported where the user wrote it, and not again under nfs.allowedCidrs[1].
        expect(problemsAfter((r) => (r.network.public.cidr = "10.10.0.0/33"))).toEqual([
            invalid2("network.public.cidr", "10.10.0.0/33", "expected an IPv4 network in CIDR form like 10.10.0.0/24"),
        ]);
    });
});

describe("zone-only stacks", () => {
    const zoneOnly = (): AnyRaw => ({ zone: { ...clone(dev.zone as AnyRaw), apiUrl: "http://10.15.0.116:8080/client/api" } });

    test("a stack with ONLY the zone section (and its API keys) is valid", () => {
        const raw = zoneOnly();
        delete raw.zone.hosts[0].node;
        raw.apiKey = "k";
        raw.secretKey = "s";
        expect(check(raw, ["apiKey", "secretKey"]).problems).toEqual([]);
    });
});

describe("a rejection", () => {
    test("is a Pulumi RunError (printed without a stack trace) listing every problem once", () => {
        const collected = new ConfigProblems();
        for (const p of problemsAfter((r) => {
            r.zone.pods[0].startIp = "bad";
            r.zone.guestCidr = "10.15.0.0/16";
        })) {
            collected.messages.push(p);
        }
        let thrown: unknown;
        try {
            collected.throwIfAny();
        } catch (err) {
            thrown = err;
        }
        expect(thrown).toBeInstanceOf(ConfigError);
        expect(RunError.isInstance(thrown)).toBe(true);
        expect((thrown as Error).message).toBe(
            [
                "The stack configuration has 2 problem(s); nothing was changed:",
                `  - ${K}zone.guestCidr: "10.15.0.0/16" is invalid: overlaps the management network 10.15.0.0/24; guest networks must not overlap the underlying L3 networks`,
                `  - ${K}zone.pods[0].startIp: "bad" is invalid: expected an IPv4 address like 10.15.0.160`,
            ].join("\n"),
        );
    });
});

function invalid2(key: string, value: string, why: string): string {
    return `${K}${key}: "${value}" is invalid: ${why}`;
}
