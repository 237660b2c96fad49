/**
 * The zone plan (providers/cloudstack/zonePlan.ts) that both the Zone
 * component and the tests' provider-driven build follow: for the prod
 * example, every object refers to the pod and cluster the config puts it in,
 * and waits for what 4.19 needs first.
 */
import { planZone, ZoneObjectPlan } from "../../providers/cloudstack/zonePlan";
import { check, readStackFile } from "../support/stackConfig";

const prod = () => check(readStackFile("prod")).settings.zone;

describe("the prod example's zone plan", () => {
    const zone = prod();
    const plan = planZone(zone);
    const entry = (key: string) => plan.find((e) => e.key === key) as ZoneObjectPlan;
    const keysOf = (kind: ZoneObjectPlan["kind"]) => plan.filter((e) => e.kind === kind).map((e) => e.key);

    test("every object once, the zone first and enablement last", () => {
        expect(plan[0].key).toBe("zone");
        expect(plan[plan.length - 1].key).toBe("enablement");
        expect(new Set(plan.map((e) => e.key)).size).toBe(plan.length);
        expect(keysOf("host")).toEqual(zone.hosts.map((h) => `host ${h.name}`));
        expect(keysOf("primaryStorage")).toEqual(zone.primaryStorages.map((s) => `primary storage ${s.name}`));
    });

    test("hosts, clusters and cluster pools refer to the pod and cluster of their config entry", () => {
        for (const host of zone.hosts) expect(entry(`host ${host.name}`).ids).toEqual({ zoneId: "zone", podId: `pod ${host.pod}`, clusterId: `cluster ${host.cluster}` });
        for (const cluster of zone.clusters) expect(entry(`cluster ${cluster.name}`).ids).toEqual({ zoneId: "zone", podId: `pod ${cluster.pod}` });
        for (const pool of zone.primaryStorages.filter((s) => s.scope === "cluster")) {
            expect(entry(`primary storage ${pool.name}`).ids).toEqual({ zoneId: "zone", podId: `pod ${pool.pod}`, clusterId: `cluster ${pool.cluster}` });
            expect(entry(`primary storage ${pool.name}`).inputs).toMatchObject({ server: pool.server, path: pool.path });
        }
    });

    test("each waits for what 4.19 needs first", () => {
        const networks = keysOf("physicalNetwork");
        for (const key of [...keysOf("pod"), ...keysOf("publicIpRange")]) expect(entry(key).after).toEqual(networks);
        // A cluster pool waits for the hosts of its own cluster (an Up host mounts it), not for the others.
        for (const pool of zone.primaryStorages.filter((s) => s.scope === "cluster")) {
            expect(entry(`primary storage ${pool.name}`).after).toEqual(zone.hosts.filter((h) => h.cluster === pool.cluster).map((h) => `host ${h.name}`));
        }
        // The first image store registers the SystemVM template for the clusters' hypervisors: clusters first.
        for (const key of keysOf("secondaryStorage")) expect(entry(key).after).toEqual(keysOf("cluster"));
        expect(entry("enablement").after.sort()).toEqual([...keysOf("zoneSetting"), ...networks, ...keysOf("publicIpRange"), ...keysOf("host"), ...keysOf("primaryStorage"), ...keysOf("secondaryStorage")].sort());
        // Every reference points backwards: what an entry needs exists before it.
        plan.forEach((e, i) => {
            for (const key of [...Object.values(e.ids), ...e.after]) expect({ entry: e.key, needs: key, before: plan.findIndex((o) => o.key === key) < i }).toEqual({ entry: e.key, needs: key, before: true });
        });
    });

    test("a reference to something the zone does not define is named", () => {
        expect(() => planZone({ ...zone, hosts: [{ ...zone.hosts[0], cluster: "missing" }] })).toThrow(`host ${zone.hosts[0].name} refers to cluster "missing", which the zone does not define`);
    });
});
