/**
 * The checks `verify` makes through the API, as data: the API answering
 * with the stack's keys, then what the zone readiness inspection
 * (providers/cloudstack/readiness.ts) reports — zone enabled, hosts Up and
 * Enabled, primary storage Up, secondary storage, SystemVM template Ready,
 * SSVM and CPVM Running — each with its fix.
 */
import { CloudStackClient } from "../../providers/cloudstack/client";
import { inspectZone, ReadinessCheck } from "../../providers/cloudstack/readiness";
import { clientFor } from "../../providers/cloudstack/resource";
import { zoneIdOf } from "../api";
import { opsCommand } from "../commands";
import { OpsContext } from "../context";
import { maskText } from "../mask";
import { CheckResult, CloudCheck } from "./types";
import { cloudStackVersion } from "../../providers/cloudstack/operations";

/** The KVM node registered as the zone host with this IP, for fix texts. */
function nodeOfHost(ctx: OpsContext, address: string | undefined): string | undefined {
    return ctx.settings.zone.hosts.find((h) => h.ip === address)?.node;
}

export const CLOUD_CHECKS: CloudCheck[] = [
    {
        name: "zone-enabled",
        kind: "zone",
        fix: (ctx) => `the zone is enabled by pulumi up (ZoneEnablement) once hosts and storage are ready: run pulumi up --stack ${ctx.settings.stack}`,
    },
    {
        name: "hosts-up",
        kind: "host",
        fix: (ctx, check) => {
            const node = nodeOfHost(ctx, check.address);
            return node ? opsCommand(ctx, "repair kvm-host", node) : `no KVM host is registered: run pulumi up --stack ${ctx.settings.stack}`;
        },
    },
    {
        name: "primary-storage-up",
        kind: "primaryStorage",
        fix: (ctx) => `hosts mount primary storage from ${ctx.settings.nfs.server}: check nfs-exports and nfs-ports, then ${opsCommand(ctx, "repair kvm-host")} --node <each KVM node> (reconnecting remounts it)`,
    },
    {
        name: "secondary-storage",
        kind: "secondaryStorage",
        fix: (ctx) => `pulumi up --stack ${ctx.settings.stack} adds the image store (SecondaryStorage)`,
    },
    {
        name: "systemvm-template",
        kind: "systemVmTemplate",
        fix: (ctx) => `${opsCommand(ctx, "repair systemvm-template")} (re-seeds the template on secondary storage and recreates the SSVM and CPVM)`,
    },
    {
        name: "ssvm-running",
        kind: "ssvm",
        fix: (ctx) =>
            `if systemvm-template fails too: ${opsCommand(ctx, "repair systemvm-template")}; otherwise ${opsCommand(ctx, "repair ssvm-certificate")} (recreates the SSVM with a fresh certificate)`,
    },
    {
        name: "cpvm-running",
        kind: "cpvm",
        fix: (ctx) => `${opsCommand(ctx, "repair systemvm-template")} (recreates the CPVM; it needs the template Ready and primary storage Up)`,
    },
];

const API_CHECK = "api-answers";

function fromReadiness(ctx: OpsContext, checks: ReadinessCheck[]): CheckResult[] {
    return checks.map((check) => {
        const definition = CLOUD_CHECKS.find((c) => c.kind === check.kind);
        const name = definition?.name ?? check.item;
        const result: CheckResult = { check: name, where: check.item, status: check.ready ? "pass" : "fail", detail: check.detail };
        if (!check.ready && definition) result.fix = definition.fix(ctx, check);
        return result;
    });
}

/** The API checks; when the API does not answer, the zone checks are skipped rather than guessed. */
export async function runCloudChecks(ctx: OpsContext): Promise<CheckResult[]> {
    const skipAll = (detail: string): CheckResult[] => CLOUD_CHECKS.map((c) => ({ check: c.name, where: "cloud", status: "skip", detail }));
    if (!ctx.api) {
        return [
            { check: API_CHECK, where: "cloud", status: "fail", detail: "the stack has no apiUrl/apiKeys outputs", fix: `run pulumi up --stack ${ctx.settings.stack} to build the zone and its keys` },
            ...skipAll("no API keys"),
        ];
    }
    const api = clientFor(ctx.api);
    const fast = new CloudStackClient({ apiUrl: ctx.api.apiUrl, credentials: { apiKey: ctx.api.apiKey, secretKey: ctx.api.secretKey }, requestTimeoutMs: 20_000, startupWaitMs: 0 });
    try {
        const version = await cloudStackVersion(fast);
        const results: CheckResult[] = [{ check: API_CHECK, where: ctx.api.apiUrl, status: "pass", detail: `answers with the stack's keys (CloudStack ${version})` }];
        const zoneId = await zoneIdOf(ctx, api).catch(() => undefined);
        if (!zoneId) {
            return [...results, { check: "zone-enabled", where: "cloud", status: "fail", detail: `no zone named ${ctx.settings.zone.name}`, fix: `run pulumi up --stack ${ctx.settings.stack}` }];
        }
        const readiness = await inspectZone(api, zoneId);
        if (!readiness) return [...results, { check: "zone-enabled", where: "cloud", status: "fail", detail: `zone ${zoneId} does not exist`, fix: `run pulumi up --stack ${ctx.settings.stack}` }];
        return [...results, ...fromReadiness(ctx, readiness.checks)];
    } catch (err) {
        const detail = maskText((err as Error).message, ctx.secrets);
        const unauthorized = / 401[: ]/.test(detail) || /error 401/.test(detail);
        const fix = unauthorized
            ? "the API refuses the stack's keys (apiKeys output): were they regenerated in the UI? set cloudstack:apiKey/secretKey (secret) to the new pair and run pulumi up"
            : `the management server does not answer: see management-service and management-api, then ${opsCommand(ctx, "diagnose")}`;
        return [{ check: API_CHECK, where: ctx.api.apiUrl, status: "fail", detail, fix }, ...skipAll("the API did not answer")];
    }
}
