/**
 * Where the time of a `pulumi up` went: when each resource started and ended
 * (from the engine's events, as the Automation API streams them), the phases
 * of a cold deploy (each node's installs, then the chain after them) and the
 * critical path (which resource waited on which), for bench/lab-deploy.ts.
 *
 * Times are seconds since the up started, taken when the event arrived: the
 * events' own timestamps have whole seconds only.
 */
import { EngineEvent } from "@pulumi/pulumi/automation";

export interface Span {
    urn: string;
    /** The resource's name (the last part of its URN). */
    name: string;
    start: number;
    end?: number;
}

/** A resource as the exported state lists it (only what the analysis reads). */
export interface StateResource {
    urn: string;
    custom?: boolean;
    dependencies?: string[];
}

const nameOf = (urn: string) => urn.split("::").pop()!;
const fmt = (seconds: number | undefined) => (seconds === undefined ? "—" : `${seconds.toFixed(1)} s`);

/** Collects start and end of every resource the engine steps through. */
export class Timeline {
    readonly spans = new Map<string, Span>();
    private readonly origin = Date.now();

    /** For `stack.up({ onEvent })`. */
    readonly onEvent = (event: EngineEvent): void => {
        const now = (Date.now() - this.origin) / 1000;
        const pre = event.resourcePreEvent?.metadata;
        if (pre && pre.op !== "same" && !this.spans.has(pre.urn)) this.spans.set(pre.urn, { urn: pre.urn, name: nameOf(pre.urn), start: now });
        const done = event.resOutputsEvent?.metadata;
        if (done) {
            const span = this.spans.get(done.urn);
            if (span) span.end = now;
        }
    };

    /** Custom resources whose names pass `test`. */
    matching(test: (name: string) => boolean): Span[] {
        return [...this.spans.values()].filter((s) => test(s.name));
    }
}

/** A phase: from the first start to the last end of the resources whose names match. */
export interface PhaseSpec {
    label: string;
    names: RegExp;
}

function phaseOf(timeline: Timeline, customs: Set<string>, spec: PhaseSpec): { start?: number; end?: number; count: number } {
    const spans = timeline.matching((name) => spec.names.test(name)).filter((s) => customs.has(s.urn));
    if (spans.length === 0) return { count: 0 };
    return {
        start: Math.min(...spans.map((s) => s.start)),
        end: spans.some((s) => s.end === undefined) ? undefined : Math.max(...spans.map((s) => s.end!)),
        count: spans.length,
    };
}

export interface PhaseReport {
    lines: string[];
    /** When the last node's installs ended. */
    installsEnded?: number;
}

/**
 * `installs`: per node, the resources that install its packages (the rest of
 * its steps are configuration); `chain`: the phases after the installs, in
 * their order.
 */
export function reportPhases(timeline: Timeline, state: StateResource[], installs: PhaseSpec[], chain: PhaseSpec[]): PhaseReport {
    const customs = new Set(state.filter((r) => r.custom).map((r) => r.urn));
    const spans = [...timeline.spans.values()].filter((s) => customs.has(s.urn));
    const first = Math.min(...spans.map((s) => s.start));
    const firstNode = Math.min(...installs.map((spec) => phaseOf(timeline, customs, spec).start ?? Infinity));
    const lines = [`engine and program start: the first resource started at ${fmt(first)}, the first node step at ${fmt(firstNode)}`, "installs (per node: first start → last end):"];
    let installsEnded: number | undefined;
    for (const spec of installs) {
        const phase = phaseOf(timeline, customs, spec);
        lines.push(`  ${spec.label.padEnd(28)} ${fmt(phase.start)} → ${fmt(phase.end)}`);
        if (phase.end !== undefined) installsEnded = Math.max(installsEnded ?? 0, phase.end);
    }
    lines.push(`  all installs ended at ${fmt(installsEnded)}`);
    lines.push("the chain after the installs (first start → last end, duration):");
    for (const spec of chain) {
        const phase = phaseOf(timeline, customs, spec);
        const took = phase.start !== undefined && phase.end !== undefined ? phase.end - phase.start : undefined;
        lines.push(`  ${spec.label.padEnd(28)} ${fmt(phase.start)} → ${fmt(phase.end)}  (${fmt(took)}${phase.count > 1 ? `, ${phase.count} resources` : ""})`);
    }
    return { lines, installsEnded };
}

/**
 * Every custom resource's span in the order the engine started them: where the
 * engine's `--parallel` limit (8 by default on 2 cores) made a step queue, its
 * start lags the end of whatever freed its slot.
 */
export function spansInOrder(timeline: Timeline, state: StateResource[]): string[] {
    const customs = new Set(state.filter((r) => r.custom).map((r) => r.urn));
    const spans = [...timeline.spans.values()].filter((s) => customs.has(s.urn)).sort((a, b) => a.start - b.start);
    return ["every resource as the engine started it:", ...spans.map((s) => `  ${s.name.padEnd(40)} ${fmt(s.start)} → ${fmt(s.end)}`)];
}

/**
 * The critical path, walked back from the resource that ended last: at each
 * step the dependency that ended last is the one this resource waited on.
 * "gap" is the time between that dependency's end and this resource's start
 * (the engine's and the program's own overhead).
 */
export function criticalPath(timeline: Timeline, state: StateResource[]): string[] {
    const byUrn = new Map(state.map((r) => [r.urn, r]));
    const timed = (urn: string) => {
        const span = timeline.spans.get(urn);
        return span?.end !== undefined && byUrn.get(urn)?.custom ? span : undefined;
    };
    const ended = [...timeline.spans.values()].filter((s) => timed(s.urn)).sort((a, b) => b.end! - a.end!);
    const path: { span: Span; gap?: number }[] = [];
    let current = ended[0];
    while (current) {
        const deps = (byUrn.get(current.urn)?.dependencies ?? []).map(timed).filter((s): s is Span => s !== undefined);
        const waitedOn = deps.sort((a, b) => b.end! - a.end!)[0];
        path.unshift({ span: current, gap: waitedOn ? current.start - waitedOn.end! : undefined });
        current = waitedOn;
    }
    const lines = ["critical path (each waited on the one above it):"];
    for (const { span, gap } of path) {
        lines.push(`  ${span.name.padEnd(40)} ${fmt(span.start)} → ${fmt(span.end)}  took ${fmt(span.end! - span.start)}${gap === undefined ? "" : `, started ${fmt(gap)} after`}`);
    }
    return lines;
}
