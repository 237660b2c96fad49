/**
 * The netplan file for a node's bridges, rendered from templates/netplan.yaml.mustache
 * with the NICs found by CIDR (interfaces.ts).
 */
import Mustache from "mustache";
import { NodeNics } from "./interfaces";

export const NETPLAN_FILE = "/etc/netplan/01-cloudstack-network.yaml";

export interface BridgedSegment {
    cidr: string;
    gateway: string;
    bridge: string;
    mtu?: number;
    routes: { to: string; via: string }[];
}

export interface BridgedNetworks {
    management: BridgedSegment;
    public: BridgedSegment;
    defaultRoute: "public" | "management";
    dnsServers: string[];
    searchDomains: string[];
}

export function netplanView(nics: NodeNics, networks: BridgedNetworks): object {
    const segments = (["management", "public"] as const).map((name) => ({ name, segment: networks[name], nic: nics[name] }));
    const label = (name: string) => name[0].toUpperCase() + name.slice(1);
    const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name)).map((item, i) => ({ ...item, first: i === 0 }));
    const ethernets = byName(
        segments.map(({ name, segment, nic }) => ({ name: nic.nic, mtu: segment.mtu, comment: `${label(name)} network NIC (carries ${segment.cidr})` })),
    );
    const bridges = byName(
        segments.map(({ name, segment, nic }) => {
            const routes = [...segment.routes, ...(networks.defaultRoute === name ? [{ to: "default", via: segment.gateway }] : [])];
            return {
                name: segment.bridge,
                comment: `${label(name)} bridge (${segment.bridge})`,
                nic: nic.nic,
                mtu: segment.mtu,
                address: `${nic.address}/${nic.prefix}`,
                routes,
                hasRoutes: routes.length > 0,
                hasNameservers: networks.dnsServers.length > 0,
                nameservers: networks.dnsServers.join(", "),
                search: networks.searchDomains.length > 0 ? networks.searchDomains.join(", ") : undefined,
            };
        }),
    );
    return { ethernets, bridges };
}

/** Renders the netplan file from the template's source text (the provider receives the text as an input). */
export function renderNetplan(templateSource: string, nics: NodeNics, networks: BridgedNetworks): string {
    return Mustache.render(templateSource, netplanView(nics, networks), {}, { escape: (value: string) => value });
}
