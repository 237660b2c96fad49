/**
 * The dynamic provider behind components/Verification.ts: `verify` as the
 * last step of `pulumi up`. It runs the node and cloud checks with what the
 * engine hands it (plain settings, each node's SSH connection, the API
 * connection) and fails the update with the verify report — every failing
 * check and its fix — when anything is wrong.
 */
import { Settings } from "../config/settings";
import { ApiConnection } from "../providers/cloudstack/resource";
import { SshTarget } from "../providers/remote/ssh";
import { OpsContext } from "./context";
import { failed, renderVerifyReport, runVerify } from "./verify";

export interface VerificationInputs {
    /** Settings without their secrets (see components/Verification.ts). */
    settings: Settings;
    connections: Record<string, SshTarget>;
    managementAddresses: Record<string, string>;
    api: ApiConnection;
    zoneId: string;
    /** Changes with the settings: the checks run again after every change. */
    fingerprint: string;
}

export function contextOf(inputs: VerificationInputs): OpsContext {
    const nodes = inputs.settings.nodes.map((node) => ({
        name: node.name,
        roles: node.roles,
        settings: node,
        target: inputs.connections[node.name],
        managementAddress: node.managementAddress ?? inputs.managementAddresses[node.name],
    }));
    const secrets = [inputs.api.apiKey, inputs.api.secretKey, ...nodes.flatMap((n) => [n.target.password ?? "", n.target.privateKey ?? ""])].filter((s) => s.length > 0);
    return { settings: inputs.settings, nodes, api: inputs.api, zoneId: inputs.zoneId, secrets, projectDir: process.cwd() };
}

async function verifyNow(inputs: VerificationInputs): Promise<string> {
    const results = await runVerify(contextOf(inputs));
    const report = renderVerifyReport(results);
    if (failed(results).length > 0) throw new Error(`the deployment does not pass verify (npm run verify -- --stack ${inputs.settings.stack} shows the same):\n${report}`);
    return report.split("\n").filter((line) => /passed, \d+ failed/.test(line))[0] ?? report;
}

export const verificationProvider = {
    async diff(_id: string, olds: VerificationInputs, news: VerificationInputs) {
        const keys: (keyof VerificationInputs)[] = ["fingerprint", "connections", "managementAddresses", "api", "zoneId"];
        return { changes: keys.some((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k])) };
    },
    async create(inputs: VerificationInputs) {
        return { id: `verify-${inputs.settings.stack}`, outs: { ...inputs, summary: await verifyNow(inputs) } };
    },
    async update(_id: string, _olds: VerificationInputs, news: VerificationInputs) {
        return { outs: { ...news, summary: await verifyNow(news) } };
    },
    async delete() {},
};
