/** What a check reports, and how checks are described. */
import { OpsContext, OpsNode } from "../context";
import { ReadinessCheck, ReadinessKind } from "../../providers/cloudstack/readiness";

/** `warn`: something to report that is not a failure (e.g. a setting the agent's own setup changed). */
export type CheckStatus = "pass" | "warn" | "fail" | "skip";

export interface CheckResult {
    check: string;
    /** A node name, or "cloud" / an API object for the cloud checks. */
    where: string;
    status: CheckStatus;
    /** What was found (masked). */
    detail: string;
    /** What to do about a failure. */
    fix?: string;
}

/** How a node check is probed: a function of templates/ops-checks.sh.mustache and its arguments, or why it does not apply. */
export type Probe = { fn: string; args: (string | number)[] } | { skip: string };

/** One check that runs on nodes: which ones, how, and what fixes a failure. */
export interface NodeCheck {
    name: string;
    appliesTo(node: OpsNode, ctx: OpsContext): boolean;
    probe(node: OpsNode, ctx: OpsContext): Probe;
    fix(node: OpsNode, ctx: OpsContext, detail: string): string;
}

/** One check of the cloud through the API: which kind of readiness items it covers and its fix. */
export interface CloudCheck {
    name: string;
    /** The kind of the items of providers/cloudstack/readiness.ts inspectZone() it covers. */
    kind: ReadinessKind;
    fix(ctx: OpsContext, check: ReadinessCheck): string;
}
