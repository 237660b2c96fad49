/**
 * The provider of BridgeNetwork (the resource is in BridgeNetwork.ts): moves
 * a node's management and public addresses onto the CloudStack bridges, with
 * NICs found by CIDR, without ever stranding it.
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
import { diffResult, fieldChanges, propertyChanges } from "./detailedDiff";
import { matchNodeNics, NodeNics } from "./interfaces";
import { BridgedNetworks, NETPLAN_FILE, renderNetplan } from "./netplan";
import { unpackText } from "./packedText";
import { lastLines, maskSecrets, runScript, SshTarget } from "./ssh";
import { filesConfiguringNics, parseFacts, verifyEnv } from "./bridgeFacts";
import { BridgeNetworkScripts } from "./bridgeScripts";

export interface BridgeInputs {
    connection: SshTarget;
    node: string;
    networks: BridgedNetworks;
    expectedManagementAddress?: string;
    expectedPublicAddress?: string;
    rollbackSeconds: number;
    scripts: BridgeNetworkScripts;
}

export interface BridgeOutputs extends BridgeInputs {
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
