/**
 * `diagnose`: a bundle of what maintainers ask for first — per node the
 * logs, sockets, links, bridges, netplan, service states and the database
 * and agent files its roles have; for the cloud the verify report and the
 * API's view (hosts, storage, system VMs, the failing job) — with every
 * secret masked before anything is written.
 */
import { randomBytes } from "crypto";
import * as path from "path";
import { engineOf } from "../config/databaseEngine";
import { zoneStateViews } from "../providers/cloudstack/operations";
import { apiClient, zoneIdOf } from "./api";
import { UsageError } from "./args";
import { Bundle, FileSink, masking, splitSections } from "./bundle";
import { OpsContext, OpsNode } from "./context";
import { maskText } from "./mask";
import { runOnNode } from "./nodeScript";
import { renderVerifyReport, runVerify } from "./verify";

export interface DiagnoseOptions {
    /** An async job id: its management-server.log lines (and those of the log ids it mentions). */
    job?: string;
    /** Directory for the bundle (default diagnostics/ in the project). */
    output?: string;
    /** Only this node. */
    node?: string;
    log: (line: string) => void;
}

const MAX_LINES = 5000;
const SERVICES = { management: ["cloudstack-management", "cloudstack-usage"], nfs: ["nfs-server", "rpcbind", "rpc-statd"], kvm: ["libvirtd", "cloudstack-agent"] };

function nodeView(ctx: OpsContext, node: OpsNode) {
    const engine = engineOf(ctx.settings.packages);
    const has = (role: OpsNode["roles"][number]) => node.roles.includes(role);
    const services = [
        ...(has("management") ? SERVICES.management : []),
        ...(has("database") ? [engine.service] : []),
        ...(has("nfs") ? SERVICES.nfs : []),
        ...(has("kvm") ? SERVICES.kvm : []),
        "chrony",
    ];
    return {
        ...engine,
        maxLines: MAX_LINES,
        services: services.join(" "),
        management: has("management"),
        database: has("database"),
        nfs: has("nfs"),
        kvm: has("kvm"),
        databaseService: engine.service,
        databasePort: ctx.settings.database.port,
        cnfPath: `${engine.confDir}/zz-cloudstack.cnf`,
    };
}

async function collectNode(ctx: OpsContext, node: OpsNode, bundle: FileSink, job: string | undefined): Promise<void> {
    const boundary = `::ops-file-${randomBytes(8).toString("hex")}`;
    try {
        const run = await runOnNode(ctx, node, "ops-collect", nodeView(ctx, node), { env: { OPS_BOUNDARY: boundary, ...(job ? { JOB_ID: job } : {}) }, timeoutSeconds: 300 });
        for (const [name, content] of splitSections(run.stdout, boundary)) bundle.add(`${node.name}/${name}`, content);
        if (run.code !== 0 || run.stderr.trim()) bundle.add(`${node.name}/collect-errors.txt`, `exit ${run.code}\n${run.stderr}`);
    } catch (err) {
        bundle.add(`${node.name}/ERROR.txt`, `could not collect from ${node.name}: ${(err as Error).message}`);
    }
}

async function collectApi(ctx: OpsContext, bundle: FileSink, job: string | undefined): Promise<void> {
    if (!ctx.api) return bundle.add("api/ERROR.txt", "the stack has no API keys (outputs apiUrl/apiKeys)");
    try {
        const api = apiClient(ctx);
        const zoneid = await zoneIdOf(ctx, api);
        await Promise.all(
            zoneStateViews(api, zoneid, job).map(async ([name, ask]) => {
                const answer = await ask().catch((err: Error) => ({ error: err.message }));
                bundle.add(`api/${name}`, JSON.stringify(answer, null, 2));
            }),
        );
    } catch (err) {
        bundle.add("api/ERROR.txt", (err as Error).message);
    }
}

/** Collects the bundle and returns its path. */
export async function runDiagnose(ctx: OpsContext, options: DiagnoseOptions): Promise<string> {
    if (options.job !== undefined && !/^[A-Za-z0-9-]{1,64}$/.test(options.job)) throw new UsageError(`--job: "${options.job}" is not a job id (letters, digits and -)`);
    const nodes = options.node ? ctx.nodes.filter((n) => n.name === options.node) : ctx.nodes;
    if (options.node && nodes.length === 0) throw new UsageError(`--node: "${options.node}" is not a node of stack ${ctx.settings.stack}`);
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const file = path.resolve(ctx.projectDir, options.output ?? "diagnostics", `${ctx.settings.stack}-${stamp}.tar.gz`);
    // Every file goes through the mask on its way in.
    const bundle = new Bundle();
    const masked = masking(bundle, (text) => maskText(text, ctx.secrets));
    options.log(`collecting from ${nodes.map((n) => n.name).join(", ")}${options.node ? "" : " and the API"}`);
    await Promise.all([
        ...nodes.map((node) => collectNode(ctx, node, masked, options.job)),
        options.node ? Promise.resolve() : collectApi(ctx, masked, options.job),
        runVerify(ctx, { node: options.node }).then((results) => masked.add("verify.txt", renderVerifyReport(results))),
    ]);
    masked.add(
        "README.txt",
        [
            `Diagnostics of stack ${ctx.settings.stack}, collected ${new Date().toISOString()}${options.job ? ` for job ${options.job}` : ""}.`,
            "verify.txt: every check and its fix. <node>/: logs and system state of each node. api/: what CloudStack reports.",
            "Secrets are masked (********): the stack's secret values and anything shaped like a password, key, ENC(...) or signature.",
        ].join("\n"),
    );
    await bundle.write(file);
    return file;
}
