/**
 * Zone build at scale through the real engine: the real program (index.ts,
 * compiled) in a zone-only stack of N KVM hosts, `pulumi up` against the
 * CloudStack stand-in. Each host takes `hostDelayMs` from addHost to Up —
 * the stand-in's test control standing for a real host's agent setup (4.19's
 * addHost blocks in waitForHostConnect until the agent connects back). The
 * same stack with one host gives the single-host latency in the same run.
 *
 * Hosts have no dependency on each other (providers/cloudstack/zonePlan.ts),
 * so the engine registers as many at once as its `--parallel` allows.
 */
import { startStandIn } from "../tests/standin";
import { adminConnection, rejected } from "../tests/standin/testKit";
import { createTestProject } from "../tests/support/engine";
import { clone, readStackFile } from "../tests/support/stackConfig";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = Record<string, any>;

/** The dev example's zone with `count` hosts in its one cluster, addresses 10.15.1.1… in a /16 pod. */
function zoneWithHosts(count: number): Raw {
    const zone = clone(readStackFile("dev").zone) as Raw;
    const template = zone.hosts[0];
    delete template.node; // a zone-only stack has no nodes to name
    zone.pods[0].netmask = "255.255.0.0";
    zone.hosts = Array.from({ length: count }, (_, i) => ({ ...template, name: `N${i + 1}`, ip: `10.15.${1 + Math.floor(i / 250)}.${1 + (i % 250)}` }));
    return zone;
}

export interface ScaleRun {
    hosts: number;
    seconds: number;
    hostsUp: number;
    rejectedCalls: number;
}

export async function buildZoneAtScale(hosts: number, hostDelayMs: number, parallel: number): Promise<ScaleRun> {
    const standIn = await startStandIn({ jobLatencyMs: 50, hostConnectMs: hostDelayMs, systemVmBootMs: 500, templateReadyMs: 200 });
    const keys = adminConnection(standIn);
    const project = await createTestProject({
        stackName: `hosts${hosts}`,
        config: { "cloudstack:zone": { ...zoneWithHosts(hosts), apiUrl: standIn.url } },
        secrets: { "cloudstack:apiKey": keys.apiKey, "cloudstack:secretKey": keys.secretKey },
    });
    try {
        const started = Date.now();
        const up = await project.stack.up({ parallel });
        const seconds = (Date.now() - started) / 1000;
        if (up.summary.result !== "succeeded") throw new Error(`pulumi up of ${hosts} hosts: ${up.summary.result}`);
        return { hosts, seconds, hostsUp: standIn.data.hosts.filter((h) => h.type === "Routing" && h.state === "Up" && !h.removed).length, rejectedCalls: rejected(standIn).length };
    } finally {
        await project.remove();
        await standIn.close();
    }
}
