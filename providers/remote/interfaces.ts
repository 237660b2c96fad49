/**
 * Finds, from a node's `ip -j -d addr show`, which physical NIC carries each
 * configured network, by matching its IPv4 addresses against the CIDRs —
 * never by guessing names or taking the first interface that is up.
 *
 * A second run finds the address already on our bridge; the NIC is then the
 * bridge's one uplink port.
 */
import { cidrContains } from "../../config/net";

/** The parts of `ip -j -d addr show` this needs. */
export interface IpLink {
    ifname: string;
    mtu: number;
    master?: string;
    linkinfo?: { info_kind?: string };
    addr_info?: { family: string; local: string; prefixlen: number }[];
}

export interface NicMatch {
    /** Physical (or bond / VLAN) interface that becomes the bridge's port. */
    nic: string;
    /** The node's address on this network and its prefix length. */
    address: string;
    prefix: number;
    /** True when the address already sits on the configured bridge (a re-run). */
    onBridge: boolean;
    /** Current MTU of the NIC. */
    mtu: number;
}

// Devices CloudStack and libvirt hang off bridges; never an uplink.
const NOT_AN_UPLINK = new Set(["vxlan", "tun", "bridge", "dummy", "macvtap"]);

export class InterfaceMatchError extends Error {}

export function parseIpLinks(json: string): IpLink[] {
    const parsed = JSON.parse(json) as IpLink[];
    if (!Array.isArray(parsed)) throw new InterfaceMatchError("`ip -j -d addr show` did not return a list");
    return parsed;
}

function describeLinks(links: IpLink[]): string {
    return (
        links
            .filter((l) => l.ifname !== "lo")
            .map((l) => {
                const v4 = (l.addr_info ?? []).filter((a) => a.family === "inet").map((a) => `${a.local}/${a.prefixlen}`);
                return `${l.ifname} ${v4.length ? v4.join(",") : "(no IPv4)"}`;
            })
            .join("; ") || "none"
    );
}

/** The uplink NIC and address for one network (`label` is "management" or "public" for messages). */
export function matchNetwork(links: IpLink[], cidr: string, bridge: string, label: string): NicMatch {
    const carriers = links.flatMap((link) =>
        (link.addr_info ?? [])
            .filter((a) => a.family === "inet" && link.ifname !== "lo" && cidrContains(cidr, a.local))
            .map((a) => ({ link, address: a.local, prefix: a.prefixlen })),
    );
    if (carriers.length === 0) {
        throw new InterfaceMatchError(`no interface has an IPv4 address in the ${label} network ${cidr} (interfaces: ${describeLinks(links)})`);
    }
    if (carriers.length > 1) {
        const found = carriers.map((c) => `${c.link.ifname} ${c.address}/${c.prefix}`).join(", ");
        throw new InterfaceMatchError(`several addresses lie in the ${label} network ${cidr} (${found}); keep exactly one so the bridge is unambiguous`);
    }
    const { link, address, prefix } = carriers[0];
    if (link.ifname === bridge) {
        const ports = links.filter((l) => l.master === bridge && !NOT_AN_UPLINK.has(l.linkinfo?.info_kind ?? "") && !/^(vnet|brvx-|vxlan)/.test(l.ifname));
        if (ports.length !== 1) {
            const names = ports.map((p) => p.ifname).join(", ") || "none";
            throw new InterfaceMatchError(`bridge ${bridge} carries the ${label} address ${address} but has ${ports.length} uplink ports (${names}); expected exactly one`);
        }
        return { nic: ports[0].ifname, address, prefix, onBridge: true, mtu: ports[0].mtu };
    }
    const kind = link.linkinfo?.info_kind ?? "";
    if (kind === "bridge") {
        throw new InterfaceMatchError(`the ${label} address ${address} sits on bridge ${link.ifname}, not on ${bridge}; rename the bridge in the config or move the address to a NIC`);
    }
    if (NOT_AN_UPLINK.has(kind)) {
        throw new InterfaceMatchError(`the ${label} address ${address} sits on ${link.ifname}, a ${kind} device that cannot be a bridge port`);
    }
    if (link.master !== undefined) {
        throw new InterfaceMatchError(`${link.ifname} carries the ${label} address ${address} but is already a port of ${link.master}`);
    }
    return { nic: link.ifname, address, prefix, onBridge: false, mtu: link.mtu };
}

export interface NodeNics {
    management: NicMatch;
    public: NicMatch;
}

export function matchNodeNics(
    links: IpLink[],
    networks: { management: { cidr: string; bridge: string }; public: { cidr: string; bridge: string } },
): NodeNics {
    const management = matchNetwork(links, networks.management.cidr, networks.management.bridge, "management");
    const publicNic = matchNetwork(links, networks.public.cidr, networks.public.bridge, "public");
    if (management.nic === publicNic.nic) {
        throw new InterfaceMatchError(`${management.nic} carries both the management and the public address; the two networks need separate NICs`);
    }
    return { management, public: publicNic };
}
