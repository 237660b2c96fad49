/**
 * BridgeNetwork: moves a node's management and public addresses onto the
 * CloudStack bridges, with NICs found by CIDR, without ever stranding it.
 *
 *   1. read the interfaces and netplan files (templates/network-facts.sh);
 *   2. match addresses to CIDRs and render netplan here on the controller;
 *      if the file and the live bridges already match, stop: nothing to do;
 *   3. save the current files, arm a rollback timer on the node, apply in a
 *      transient unit (templates/network-apply.sh);
 *   4. reconnect over a new SSH session and check addresses, bridge ports,
 *      default route and gateways (templates/network-verify.sh), which
 *      disarms the timer — or rolls back at once when a check fails;
 *   5. if the node cannot be reached, the timer restores the old files; the
 *      controller waits for that, checks the node is back, and fails.
 *
 * `pulumi destroy` puts back the files saved before the first change, the
 * same way.
 */
import * as pulumi from "@pulumi/pulumi";
import { lazyProvider } from "../lazyProvider";
import { diffResult, fieldChanges, propertyChanges } from "./detailedDiff";
import { IpLink, matchNodeNics, NodeNics, parseIpLinks } from "./interfaces";
import { BridgedNetworks, NETPLAN_FILE, renderNetplan } from "./netplan";
import { packText, unpackText } from "./packedText";
import { lastLines, maskSecrets, runScript, SshTarget } from "./ssh";
import { renderTemplate, TEMPLATE_DIR } from "./templates";

export interface BridgeNetworkScripts {
    /** Source of templates/netplan.yaml.mustache (rendered here, after the NICs are known). */
    netplanTemplate: string;
    facts: string;
    apply: string;
    verify: string;
}

export interface BridgeNetworkArgs {
    readonly connection: pulumi.Input<SshTarget>;
    readonly node: pulumi.Input<string>;
    readonly networks: pulumi.Input<BridgedNetworks>;
    /** Addresses the config expects on this node (checked against what is found). */
    readonly expectedManagementAddress?: pulumi.Input<string>;
    readonly expectedPublicAddress?: pulumi.Input<string>;
    readonly rollbackSeconds: pulumi.Input<number>;
    readonly scripts: pulumi.Input<BridgeNetworkScripts>;
}

interface BridgeInputs {
    connection: SshTarget;
    node: string;
    networks: BridgedNetworks;
    expectedManagementAddress?: string;
    expectedPublicAddress?: string;
    rollbackSeconds: number;
    scripts: BridgeNetworkScripts;
}

interface BridgeOutputs extends BridgeInputs {
    managementNic: string;
    publicNic: string;
    managementAddress: string;
    publicAddress: string;
    netplan: string;
    changed: string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one of the scripts; returns stdout, or throws a message naming node and phase. */
async function run(inputs: BridgeInputs, script: string, env: Record<string, string>, phase: string, connectSeconds = 60): Promise<string> {
    const secrets = [inputs.connection.password ?? ""];
    const result = await runScript(inputs.connection, unpackText(script), { env, timeoutSeconds: 600, connectSeconds }).catch((err: Error) => {
        throw new Error(maskSecrets(`node ${inputs.node}, step bridges (${phase}): ${err.message}`, secrets));
    });
    if (result.code !== 0) {
        throw new Error(maskSecrets(`node ${inputs.node}, step bridges (${phase}) failed with exit code ${result.code}:\n${lastLines(result, 25)}`, secrets));
    }
    return result.stdout;
}

interface NodeFacts {
    links: IpLink[];
    netplanFiles: Record<string, string>;
    originalSaved: boolean;
}

function parseFacts(stdout: string): NodeFacts {
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
function filesConfiguringNics(files: Record<string, string>, nics: string[]): string[] {
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

function verifyEnv(inputs: BridgeInputs, nics: NodeNics, bridged: boolean): Record<string, string> {
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

/** Applies a change and confirms it over a new connection, or lets the node roll it back. */
async function applySafely(inputs: BridgeInputs, applyEnv: Record<string, string>, verify: Record<string, string>): Promise<string[]> {
    const started = Date.now();
    const applied = await run(inputs, inputs.scripts.apply, { ...applyEnv, ROLLBACK_SECONDS: String(inputs.rollbackSeconds) }, `apply ${applyEnv.MODE}`);
    await sleep(3000);
    const reconnectSeconds = Math.max(10, inputs.rollbackSeconds - 20);
    try {
        await run(inputs, inputs.scripts.verify, verify, "verify", reconnectSeconds);
    } catch (err) {
        const message = (err as Error).message;
        if (!/cannot connect/.test(message)) throw err;
        // Unreachable: the node restores its previous files by itself when the timer fires.
        await sleep(Math.max(0, started + (inputs.rollbackSeconds + 20) * 1000 - Date.now()));
        const back = await run(inputs, inputs.scripts.facts, {}, "reconnect after rollback", 120).then(
            () => "the node rolled the change back by itself and is reachable again",
            () => "the node is STILL unreachable after its rollback timer; check it on the console",
        );
        throw new Error(`node ${inputs.node}: after the ${applyEnv.MODE} of the bridge configuration the controller could not reconnect (${message}); ${back}`);
    }
    return applied
        .split("\n")
        .filter((l) => l.startsWith("::changed "))
        .map((l) => l.slice("::changed ".length));
}

async function converge(inputs: BridgeInputs): Promise<BridgeOutputs> {
    const facts = parseFacts(await run(inputs, inputs.scripts.facts, {}, "facts"));
    let nics: NodeNics;
    try {
        nics = matchNodeNics(facts.links, inputs.networks);
    } catch (err) {
        throw new Error(`node ${inputs.node}: ${(err as Error).message}`);
    }
    for (const [name, expected] of [
        ["management", inputs.expectedManagementAddress],
        ["public", inputs.expectedPublicAddress],
    ] as const) {
        if (expected && nics[name].address !== expected) {
            throw new Error(`node ${inputs.node}: the config says its ${name} address is ${expected}, but the node has ${nics[name].address} in ${inputs.networks[name].cidr}`);
        }
    }
    const netplan = renderNetplan(unpackText(inputs.scripts.netplanTemplate), nics, inputs.networks);
    const mtuOk = (name: "management" | "public") => {
        const want = inputs.networks[name].mtu;
        const bridge = facts.links.find((l) => l.ifname === inputs.networks[name].bridge);
        return want === undefined || bridge?.mtu === want;
    };
    const ours = NETPLAN_FILE.split("/").pop()!;
    const inPlace = facts.netplanFiles[ours] === netplan && nics.management.onBridge && nics.public.onBridge && mtuOk("management") && mtuOk("public");
    const outs = {
        ...inputs,
        managementNic: nics.management.nic,
        publicNic: nics.public.nic,
        managementAddress: nics.management.address,
        publicAddress: nics.public.address,
        netplan,
    };
    if (inPlace) return { ...outs, changed: [] };
    const disable = filesConfiguringNics(facts.netplanFiles, [nics.management.nic, nics.public.nic]);
    const changed = await applySafely(
        inputs,
        {
            MODE: "install",
            NETPLAN_B64: Buffer.from(netplan).toString("base64"),
            DISABLE_FILES: disable.join(" "),
            BRIDGES: `${inputs.networks.management.bridge} ${inputs.networks.public.bridge}`,
        },
        verifyEnv(inputs, nics, true),
    );
    return { ...outs, changed };
}

export const bridgeNetworkProvider = {
    /** Names what changed (detailedDiff.ts): connection fields, each network, each script by name (compared unpacked). */
    async diff(_id: string, olds: BridgeOutputs, news: BridgeInputs) {
        const unpacked = (b: BridgeInputs) => Object.fromEntries(Object.entries(b.scripts ?? {}).map(([name, text]) => [name, unpackText(text)]));
        return diffResult({
            ...fieldChanges("connection", olds.connection, news.connection),
            ...fieldChanges("networks", olds.networks, news.networks),
            ...propertyChanges(olds, news, ["node", "expectedManagementAddress", "expectedPublicAddress", "rollbackSeconds"]),
            ...fieldChanges("scripts", unpacked(olds), unpacked(news)),
        });
    },

    async create(inputs: BridgeInputs) {
        const outs = await converge(inputs);
        return { id: `${inputs.node}/bridges`, outs };
    },

    async update(_id: string, _olds: BridgeOutputs, news: BridgeInputs) {
        return { outs: await converge(news) };
    },

    async delete(_id: string, olds: BridgeOutputs) {
        const facts = parseFacts(await run(olds, olds.scripts.facts, {}, "facts"));
        if (!facts.originalSaved) return;
        const nics: NodeNics = {
            management: { nic: olds.managementNic, address: olds.managementAddress, prefix: 0, onBridge: true, mtu: 0 },
            public: { nic: olds.publicNic, address: olds.publicAddress, prefix: 0, onBridge: true, mtu: 0 },
        };
        await applySafely(
            olds,
            { MODE: "restore", NETPLAN_B64: "", DISABLE_FILES: "", BRIDGES: `${olds.networks.management.bridge} ${olds.networks.public.bridge}` },
            verifyEnv(olds, nics, false),
        );
    },
};

/** The scripts the provider runs, rendered from templates/ at program time. */
export function renderBridgeScripts(): BridgeNetworkScripts {
    const fs = require("fs");
    const path = require("path");
    const view = {
        stateDir: "/var/lib/cloudstack-infra/network",
        netplanFile: NETPLAN_FILE,
        rollbackUnit: "cloudstack-netplan-rollback",
        applyUnit: "cloudstack-netplan-apply",
    };
    return {
        netplanTemplate: fs.readFileSync(path.join(TEMPLATE_DIR, "netplan.yaml.mustache"), "utf8"),
        facts: renderTemplate("network-facts.sh", view),
        apply: renderTemplate("network-apply.sh", view),
        verify: renderTemplate("network-verify.sh", view),
    };
}

export class BridgeNetwork extends pulumi.dynamic.Resource {
    declare readonly managementNic: pulumi.Output<string>;
    declare readonly publicNic: pulumi.Output<string>;
    /** The node's address on the management network, as found on the node. */
    declare readonly managementAddress: pulumi.Output<string>;
    declare readonly publicAddress: pulumi.Output<string>;
    /** The netplan file written to the node. */
    declare readonly netplan: pulumi.Output<string>;
    declare readonly changed: pulumi.Output<string[]>;

    constructor(name: string, args: BridgeNetworkArgs, opts?: pulumi.CustomResourceOptions) {
        const outputs = { managementNic: undefined, publicNic: undefined, managementAddress: undefined, publicAddress: undefined, netplan: undefined, changed: undefined };
        const scripts = pulumi.output(args.scripts).apply((s) => ({ netplanTemplate: packText(s.netplanTemplate), facts: packText(s.facts), apply: packText(s.apply), verify: packText(s.verify) }));
        super(
            lazyProvider("providers/remote/BridgeNetwork", "bridgeNetworkProvider"),
            name,
            { ...args, scripts, connection: pulumi.secret(args.connection), ...outputs },
            { ...opts, additionalSecretOutputs: ["connection"] },
            "remote",
            "BridgeNetwork",
        );
    }
}
