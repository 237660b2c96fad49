/**
 * The dynamic provider behind the upgrade's API steps (components/Upgrade.ts):
 *
 *  preflight         verify passes (unless upgrade.ignoreVerify) and the target's SystemVM
 *                    template can be had; runs in `check`, so `pulumi preview` refuses too
 *  register-template the target's template registered through the running (old) API when it
 *                    is not (the guide's "Upload the System VM template if not already using it")
 *  template-ready    after the new management server started: the template Registered and Ready
 *                    in every zone, registered the documented way when it is not, then waited for
 *  host-up           after a host's agent upgrade: the host Up at the new version before the next
 *                    host starts; if not, the rollout stops naming the host, with its agent log
 *  system-vms        the SSVM and CPVM recreated from the new template; virtual routers that need a
 *                    restart are named in the outputs
 *
 * Each step runs once per upgrade (from, to): a second `up` does not run it
 * again, a killed one runs it again, and each looks before it changes.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { clientFor, ApiConnection } from "../../providers/cloudstack/resource";
import { recreateSystemVms, routingHostByAddress, SystemVmType } from "../../providers/cloudstack/operations";
import { waitFor } from "../../providers/cloudstack/wait";
import { lastLines, runScript, SshTarget } from "../../providers/remote/ssh";
import { renderTemplate } from "../../providers/remote/templates";
import { failed, renderVerifyReport, runVerify } from "../verify";
import { contextOf, VerificationInputs } from "../verifyProvider";

export type UpgradeAction = "preflight" | "register-template" | "template-ready" | "host-up" | "system-vms";

export interface UpgradeStepInputs {
    action: UpgradeAction;
    from: string;
    to: string;
    api: ApiConnection;
    zoneId: string;
    zoneName: string;
    /** The target's KVM SystemVM template: its name as the upgrade looks it up, and where to register it from. */
    template: { name: string; url: string };
    timeoutSeconds: number;
    /** preflight: verify's inputs, unless upgrade.ignoreVerify. */
    verification?: Omit<VerificationInputs, "fingerprint" | "api" | "zoneId">;
    /** preflight: where to check that the template URL answers (the management node). */
    management?: { name: string; connection: SshTarget };
    /** host-up: the zone host and its node. */
    host?: { name: string; ip: string; node: string; connection: SshTarget };
}

interface UpgradeStepOutputs extends UpgradeStepInputs {
    /** What the step found or did, one line. */
    result: string;
    /** system-vms: virtual routers that still run an older template and need a restart (restartNetwork with cleanup). */
    routersToRestart?: string[];
}

interface TemplateRow {
    id: string;
    name: string;
    zoneid?: string;
    zonename?: string;
    isready?: boolean;
    status?: string;
}

const sameUpgrade = (a: Partial<UpgradeStepInputs> | undefined, b: UpgradeStepInputs) => a?.from === b.from && a?.to === b.to && a?.action === b.action;

async function templateCopies(api: CloudStackClient, name: string): Promise<TemplateRow[]> {
    return (await api.list<TemplateRow>("listTemplates", { templatefilter: "all", name, hypervisor: "KVM" })).filter((t) => t.name === name);
}

async function zonesOf(api: CloudStackClient): Promise<{ id: string; name: string }[]> {
    return api.list<{ id: string; name: string }>("listZones", {});
}

/** The highest "Debian GNU/Linux N (64-bit)" OS type, as the upgrade guide asks (source/upgrading/upgrade/_sysvm_templates.rst@4.20.1.0). */
async function debianOsTypeId(api: CloudStackClient): Promise<string | undefined> {
    const types = await api.list<{ id: string; description: string }>("listOsTypes", { keyword: "Debian GNU/Linux" });
    const ranked = types
        .map((t) => ({ id: t.id, n: Number(/Debian GNU\/Linux (\d+)[^(]*\(64-bit\)/.exec(t.description)?.[1]) }))
        .filter((t) => !Number.isNaN(t.n))
        .sort((a, b) => b.n - a.n);
    return ranked[0]?.id;
}

/**
 * registerTemplate with the guide's values for KVM (source/upgrading/upgrade/_sysvm_templates.rst@4.20.1.0):
 * the template's name, QCOW2, not extractable, no password, not public, not featured, not routing; every zone
 * (zoneid -1, api/src/main/java/org/apache/cloudstack/api/command/user/template/RegisterTemplateCmd.java@4.19.3.0:233-245).
 */
async function registerTemplate(api: CloudStackClient, template: { name: string; url: string }): Promise<void> {
    const ostypeid = await debianOsTypeId(api);
    await api.request("registerTemplate", {
        name: template.name,
        displaytext: template.name,
        url: template.url,
        zoneid: "-1",
        hypervisor: "KVM",
        format: "QCOW2",
        ...(ostypeid ? { ostypeid } : {}),
        isextractable: "false",
        passwordenabled: "false",
        ispublic: "false",
        isfeatured: "false",
        isrouting: "false",
    });
}

async function preflight(inputs: UpgradeStepInputs): Promise<string> {
    const problems: string[] = [];
    if (inputs.verification) {
        const ctx = contextOf({ ...inputs.verification, api: inputs.api, zoneId: inputs.zoneId, fingerprint: "" });
        const results = await runVerify(ctx);
        if (failed(results).length > 0) {
            problems.push(
                `the running cloud does not pass verify, so it is not upgraded (fix it first, or set cloudstack:upgrade.ignoreVerify to true to upgrade anyway):\n${renderVerifyReport(results)}`,
            );
        }
    }
    const api = clientFor(inputs.api);
    const registered = await templateCopies(api, inputs.template.name);
    if (registered.length === 0 && inputs.management) {
        const script = renderTemplate("upgrade-template-url.sh", { url: inputs.template.url });
        const run = await runScript(inputs.management.connection, script, { env: {}, timeoutSeconds: 120, connectSeconds: 30 });
        if (run.code !== 0) {
            problems.push(
                `the SystemVM template of ${inputs.to} (${inputs.template.name}) is not registered and ${inputs.template.url} does not answer on the management server ${inputs.management.name}, so it could not be registered: ${lastLines(run, 5)}; set cloudstack:upgrade.systemVmTemplateUrl to where it can be downloaded`,
            );
        }
    }
    if (problems.length > 0) throw new Error(`the upgrade from ${inputs.from} to ${inputs.to} is refused, nothing was changed:\n${problems.join("\n")}`);
    return registered.length > 0 ? `verify passed; ${inputs.template.name} is registered` : `verify passed; ${inputs.template.name} can be registered from ${inputs.template.url}`;
}

async function ensureRegistered(inputs: UpgradeStepInputs): Promise<string> {
    const api = clientFor(inputs.api);
    if ((await templateCopies(api, inputs.template.name)).length > 0) return `${inputs.template.name} was registered already`;
    await registerTemplate(api, inputs.template);
    return `registered ${inputs.template.name} from ${inputs.template.url}`;
}

async function templateReady(inputs: UpgradeStepInputs): Promise<string> {
    const api = clientFor(inputs.api);
    let registeredHere = "";
    if ((await templateCopies(api, inputs.template.name)).length === 0) {
        // The automatic registration at the schema upgrade did not leave it: the documented way, then wait.
        await registerTemplate(api, inputs.template);
        registeredHere = ` (registered by this update from ${inputs.template.url})`;
    }
    const zones = await zonesOf(api);
    await waitFor(
        `${inputs.template.name} Ready in every zone`,
        async () => {
            const copies = await templateCopies(api, inputs.template.name);
            const states = zones.map((z) => {
                const copy = copies.find((c) => c.zoneid === z.id);
                return { zone: z.name, ready: copy?.isready === true, state: copy ? (copy.isready ? "Ready" : (copy.status ?? "not ready")) : "not in this zone" };
            });
            return { done: states.every((s) => s.ready), value: states, state: states.map((s) => `${s.zone}: ${s.state}`).join(", ") };
        },
        inputs.timeoutSeconds * 1000,
        3000,
    );
    return `${inputs.template.name} Ready in ${zones.length} zone(s)${registeredHere}`;
}

async function agentLog(host: NonNullable<UpgradeStepInputs["host"]>): Promise<string> {
    try {
        const run = await runScript(host.connection, "tail -n 40 /var/log/cloudstack/agent/agent.log 2>&1; systemctl status --no-pager -n 0 cloudstack-agent 2>&1 | head -n 5\n", {
            env: {},
            timeoutSeconds: 30,
            connectSeconds: 15,
        });
        return run.stdout.trim();
    } catch (err) {
        return `(cannot read it: ${(err as Error).message})`;
    }
}

async function hostUp(inputs: UpgradeStepInputs): Promise<string> {
    const host = inputs.host!;
    const api = clientFor(inputs.api);
    try {
        const state = await waitFor(
            `host ${host.name} (${host.ip}) Up at ${inputs.to}`,
            async () => {
                const now = (await routingHostByAddress(api, inputs.zoneId, host.ip)) as (Awaited<ReturnType<typeof routingHostByAddress>> & { version?: string }) | undefined;
                const done = now?.state === "Up" && (now.version === undefined || now.version === inputs.to);
                return { done, value: now, state: now ? `${now.state}, agent ${now.version ?? "version unknown"}` : "not in the zone" };
            },
            inputs.timeoutSeconds * 1000,
            2000,
        );
        return `host ${host.name} is Up with agent ${state?.version ?? inputs.to}`;
    } catch (err) {
        throw new Error(
            `the agent rollout to ${inputs.to} stopped at host ${host.name} (node ${host.node}, ${host.ip}): ${(err as Error).message}. ` +
                `Hosts after it were not touched. Agent log of ${host.node}:\n${await agentLog(host)}`,
        );
    }
}

interface SystemVmRow {
    id: string;
    name: string;
    systemvmtype: SystemVmType;
    templateid?: string;
}

interface RouterRow {
    name: string;
    requiresupgrade?: boolean;
    templateversion?: string;
}

async function systemVms(inputs: UpgradeStepInputs): Promise<{ result: string; routersToRestart: string[] }> {
    const api = clientFor(inputs.api);
    const templateIds = new Set((await templateCopies(api, inputs.template.name)).map((t) => t.id));
    const vms = await api.list<SystemVmRow>("listSystemVms", { zoneid: inputs.zoneId });
    // Looked at again on a rerun: system VMs already on the new template are kept.
    const stale = [...new Set(vms.filter((vm) => !templateIds.has(vm.templateid ?? "")).map((vm) => vm.systemvmtype))];
    const log: string[] = [];
    if (stale.length > 0) await recreateSystemVms(api, inputs.zoneId, inputs.zoneName, stale, inputs.timeoutSeconds * 1000, (line) => log.push(line));
    const routers = await api.list<RouterRow>("listRouters", { zoneid: inputs.zoneId, listall: "true" });
    const routersToRestart = routers.filter((r) => r.requiresupgrade === true).map((r) => r.name);
    const recreated = stale.length > 0 ? `recreated ${stale.join(" and ")}` : "system VMs already on the new template";
    return { result: `${recreated}; virtual routers to restart: ${routersToRestart.length ? routersToRestart.join(", ") : "none"}`, routersToRestart };
}

async function run(inputs: UpgradeStepInputs): Promise<UpgradeStepOutputs> {
    switch (inputs.action) {
        case "preflight":
            return { ...inputs, result: await preflight(inputs) };
        case "register-template":
            return { ...inputs, result: await ensureRegistered(inputs) };
        case "template-ready":
            return { ...inputs, result: await templateReady(inputs) };
        case "host-up":
            return { ...inputs, result: await hostUp(inputs) };
        case "system-vms":
            return { ...inputs, ...(await systemVms(inputs)) };
    }
}

export const upgradeStepProvider = {
    /** The preflight also runs at preview: an upgrade that cannot work is refused before `up`. */
    async check(olds: Partial<UpgradeStepInputs> | undefined, news: UpgradeStepInputs) {
        if (news.action === "preflight" && !sameUpgrade(olds, news) && isKnown(news)) await preflight(news);
        return { inputs: news };
    },
    async diff(_id: string, olds: UpgradeStepOutputs, news: UpgradeStepInputs) {
        return { changes: !sameUpgrade(olds, news) || JSON.stringify(olds.template) !== JSON.stringify(news.template) };
    },
    async create(inputs: UpgradeStepInputs) {
        return { id: `upgrade-${inputs.action}-${inputs.from}-${inputs.to}`, outs: await run(inputs) };
    },
    async update(_id: string, _olds: UpgradeStepOutputs, news: UpgradeStepInputs) {
        return { outs: await run(news) };
    },
    async delete() {},
};

/**
 * Inputs the engine could not resolve at preview arrive as its unknown sentinel (or not at all): then the
 * preflight waits for `up`, whose create runs it before anything changes.
 */
function isKnown(inputs: UpgradeStepInputs): boolean {
    if (JSON.stringify(inputs).includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9")) return false;
    const connections = [inputs.management?.connection, ...Object.values(inputs.verification?.connections ?? {})];
    return typeof inputs.api?.apiUrl === "string" && connections.every((c) => typeof c?.host === "string");
}
