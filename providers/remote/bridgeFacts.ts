/**
 * What BridgeNetwork reads from a node and hands back to it: the facts script's
 * report, the netplan files that stand in the way, and the verify script's
 * environment. Pure functions, no connection.
 */
import { IpLink, NodeNics, parseIpLinks } from "./interfaces";
import { BridgedNetworks, NETPLAN_FILE } from "./netplan";

export interface NodeFacts {
    links: IpLink[];
    netplanFiles: Record<string, string>;
    originalSaved: boolean;
}

export function parseFacts(stdout: string): NodeFacts {
    const facts: NodeFacts = { links: [], netplanFiles: {}, originalSaved: false };
    for (const line of stdout.split("\n")) {
        if (line.startsWith("::links ")) facts.links = parseIpLinks(line.slice("::links ".length));
        const file = /^::netplan (\S+) (\S*)$/.exec(line);
        if (file) facts.netplanFiles[file[1]] = Buffer.from(file[2], "base64").toString("utf8");
        if (line === "::original-saved yes") facts.originalSaved = true;
    }
    return facts;
}

/** Netplan files (other than ours) that configure one of the bridged NICs; they must go, or netplan merges them in. */
export function filesConfiguringNics(files: Record<string, string>, nics: string[]): string[] {
    const YAML = require("yaml");
    const ours = NETPLAN_FILE.split("/").pop();
    const conflicting: string[] = [];
    for (const [name, text] of Object.entries(files)) {
        if (name === ours) continue;
        let doc: { network?: { ethernets?: Record<string, { "set-name"?: string }> } & Record<string, unknown> };
        try {
            doc = YAML.parse(text) ?? {};
        } catch (err) {
            throw new Error(`/etc/netplan/${name} is not valid YAML (${(err as Error).message}); fix it before bridging`);
        }
        const ethernets = doc.network?.ethernets ?? {};
        const configured = Object.entries(ethernets).map(([key, value]) => value?.["set-name"] ?? key);
        if (!configured.some((nic) => nics.includes(nic))) continue;
        const others = configured.filter((nic) => !nics.includes(nic));
        const otherSections = Object.keys(doc.network ?? {}).filter((k) => !["version", "renderer", "ethernets"].includes(k));
        if (others.length > 0 || otherSections.length > 0) {
            throw new Error(
                `/etc/netplan/${name} configures the bridged NICs (${nics.join(", ")}) together with ${[...others, ...otherSections].join(", ")}; ` +
                    "move those into a file of their own so it can stay when the bridged NICs' file is set aside",
            );
        }
        conflicting.push(name);
    }
    return conflicting;
}

export function verifyEnv(inputs: { networks: BridgedNetworks }, nics: NodeNics, bridged: boolean): Record<string, string> {
    const { networks } = inputs;
    const gateway = networks.defaultRoute === "public" ? networks.public.gateway : networks.management.gateway;
    return {
        MGMT_DEVICE: bridged ? networks.management.bridge : nics.management.nic,
        MGMT_ADDRESS: nics.management.address,
        MGMT_PORT: bridged ? nics.management.nic : "",
        MGMT_MTU: bridged && networks.management.mtu ? String(networks.management.mtu) : "",
        PUB_DEVICE: bridged ? networks.public.bridge : nics.public.nic,
        PUB_ADDRESS: nics.public.address,
        PUB_PORT: bridged ? nics.public.nic : "",
        PUB_MTU: bridged && networks.public.mtu ? String(networks.public.mtu) : "",
        DEFAULT_GATEWAY: bridged ? gateway : "",
        GATEWAYS: `${networks.management.gateway} ${networks.public.gateway}`,
    };
}
