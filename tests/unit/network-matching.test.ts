/**
 * Bridge NICs found by CIDR, and the netplan file rendered from them.
 */
import * as fs from "fs";
import * as path from "path";
import { IpLink, matchNodeNics } from "../../providers/remote/interfaces";
import { BridgedNetworks, renderNetplan } from "../../providers/remote/netplan";
import { TEMPLATE_DIR } from "../../providers/remote/templates";

const template = fs.readFileSync(path.join(TEMPLATE_DIR, "netplan.yaml.mustache"), "utf8");

function link(ifname: string, addresses: string[], extra: Partial<IpLink> = {}): IpLink {
    return {
        ifname,
        mtu: 1500,
        addr_info: addresses.map((a) => ({ family: "inet", local: a.split("/")[0], prefixlen: Number(a.split("/")[1]) })),
        ...extra,
    };
}

const seedNetworks: BridgedNetworks = {
    management: { cidr: "10.15.0.0/24", gateway: "10.15.0.1", bridge: "cloudbr0", routes: [{ to: "10.15.0.0/24", via: "10.15.0.1" }] },
    public: { cidr: "10.10.0.0/24", gateway: "10.10.0.1", bridge: "cloudbr1", routes: [] },
    defaultRoute: "public",
    dnsServers: ["8.8.8.8", "8.8.4.4"],
    searchDomains: [],
};

// The seed's example host: 10.10.0.116 on ens3 (public), 10.15.0.116 on ens4 (management).
const seedHost = [link("lo", ["127.0.0.1/8"]), link("ens3", ["10.10.0.116/24"]), link("ens4", ["10.15.0.116/24"])];

const withoutComments = (text: string) =>
    text
        .split("\n")
        .filter((line) => !line.trim().startsWith("#"))
        .map((line) => line.trimEnd())
        .join("\n")
        .trim();

describe("matching interfaces to networks by CIDR", () => {
    test("the seed's example: 10.15.0.116 on ens4 is management, 10.10.0.116 on ens3 is public", () => {
        const nics = matchNodeNics(seedHost, seedNetworks);
        expect(nics.management).toEqual({ nic: "ens4", address: "10.15.0.116", prefix: 24, onBridge: false, mtu: 1500 });
        expect(nics.public).toEqual({ nic: "ens3", address: "10.10.0.116", prefix: 24, onBridge: false, mtu: 1500 });
    });

    test("the netplan file for the seed's example equals the seed's file", () => {
        const rendered = renderNetplan(template, matchNodeNics(seedHost, seedNetworks), seedNetworks);
        const seed = fs.readFileSync(path.join(__dirname, "..", "fixtures", "seed-netplan.yaml"), "utf8");
        expect(withoutComments(rendered)).toBe(withoutComments(seed));
    });

    test("a re-run finds the address on our bridge and its single uplink, ignoring guest devices", () => {
        const bridged = [
            link("ens3", [], { master: "cloudbr1" }),
            link("ens4", [], { master: "cloudbr0" }),
            link("cloudbr0", ["10.15.0.116/24"], { linkinfo: { info_kind: "bridge" } }),
            link("cloudbr1", ["10.10.0.116/24"], { linkinfo: { info_kind: "bridge" } }),
            link("vnet3", [], { master: "cloudbr1", linkinfo: { info_kind: "tun" } }),
            link("vxlan5001", [], { master: "brvx-5001", linkinfo: { info_kind: "vxlan" } }),
        ];
        const nics = matchNodeNics(bridged, seedNetworks);
        expect(nics.management).toMatchObject({ nic: "ens4", onBridge: true });
        expect(nics.public).toMatchObject({ nic: "ens3", onBridge: true });
    });

    test("no address in a network is an error that lists what the host has", () => {
        expect(() => matchNodeNics([link("ens3", ["10.10.0.116/24"]), link("ens5", ["192.168.7.2/24"])], seedNetworks)).toThrow(
            /no interface has an IPv4 address in the management network 10\.15\.0\.0\/24 \(interfaces: ens3 10\.10\.0\.116\/24; ens5 192\.168\.7\.2\/24\)/,
        );
    });

    test("two addresses in one network are ambiguous", () => {
        const twoNics = [...seedHost, link("ens5", ["10.15.0.200/24"])];
        expect(() => matchNodeNics(twoNics, seedNetworks)).toThrow(/several addresses lie in the management network 10\.15\.0\.0\/24 \(ens4 10\.15\.0\.116\/24, ens5 10\.15\.0\.200\/24\)/);
        const secondary = [link("ens3", ["10.10.0.116/24"]), link("ens4", ["10.15.0.116/24", "10.15.0.117/24"])];
        expect(() => matchNodeNics(secondary, seedNetworks)).toThrow(/several addresses/);
    });

    test("one NIC carrying both networks cannot be split into two bridges", () => {
        expect(() => matchNodeNics([link("ens3", ["10.10.0.116/24", "10.15.0.116/24"])], seedNetworks)).toThrow(/ens3 carries both the management and the public address/);
    });

    test("an address on some other bridge is not silently taken over", () => {
        const other = [link("ens3", ["10.10.0.116/24"]), link("br0", ["10.15.0.116/24"], { linkinfo: { info_kind: "bridge" } }), link("ens4", [], { master: "br0" })];
        expect(() => matchNodeNics(other, seedNetworks)).toThrow(/sits on bridge br0, not on cloudbr0/);
    });

    test("our bridge with two uplinks is ambiguous", () => {
        const twoPorts = [
            link("ens3", ["10.10.0.116/24"]),
            link("cloudbr0", ["10.15.0.116/24"], { linkinfo: { info_kind: "bridge" } }),
            link("ens4", [], { master: "cloudbr0" }),
            link("ens5", [], { master: "cloudbr0" }),
        ];
        expect(() => matchNodeNics(twoPorts, seedNetworks)).toThrow(/has 2 uplink ports \(ens4, ens5\)/);
    });

    test("an address on a VXLAN device cannot become a bridge port", () => {
        const vx = [link("ens3", ["10.10.0.116/24"]), link("vxlan9", ["10.15.0.116/24"], { linkinfo: { info_kind: "vxlan" } })];
        expect(() => matchNodeNics(vx, seedNetworks)).toThrow(/vxlan device that cannot be a bridge port/);
    });

    test("bond and VLAN interfaces are valid uplinks", () => {
        const nics = matchNodeNics(
            [link("bond0", ["10.10.0.116/24"], { linkinfo: { info_kind: "bond" } }), link("bond0.15", ["10.15.0.116/24"], { linkinfo: { info_kind: "vlan" } })],
            seedNetworks,
        );
        expect([nics.public.nic, nics.management.nic]).toEqual(["bond0", "bond0.15"]);
    });

    test("MTU, search domains and a management default route are rendered where configured", () => {
        const networks: BridgedNetworks = {
            ...seedNetworks,
            public: { ...seedNetworks.public, mtu: 9000 },
            defaultRoute: "management",
            searchDomains: ["cloud.example"],
        };
        const rendered = renderNetplan(template, matchNodeNics(seedHost, networks), networks);
        expect(rendered).toContain("    ens3:\n      dhcp4: no\n      dhcp6: no\n      mtu: 9000\n");
        expect(rendered).toContain("    cloudbr1:\n      interfaces: [ens3]\n      mtu: 9000\n");
        expect(rendered).toContain("        - to: default\n          via: 10.15.0.1\n");
        expect(rendered).not.toContain("via: 10.10.0.1");
        expect(rendered).toContain("        search: [cloud.example]\n");
    });
});
