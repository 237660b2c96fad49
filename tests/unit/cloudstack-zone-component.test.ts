/**
 * The Zone component's resource graph (Pulumi mocks, no engine): which
 * objects it declares for a layout, which keys it uses, and what each waits
 * for. The objects' behaviour is tested against the stand-in elsewhere.
 */
import * as pulumi from "@pulumi/pulumi";
import { ZoneSettings } from "../../config/settings";
import { check, readStackFile } from "../support/stackConfig";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
}

let registered: Registered[] = [];
let declared = 0;

beforeAll(() => {
    pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered.push({ type: args.type, name: args.name, inputs: args.inputs });
                return { id: `${args.name}-id`, state: { ...args.inputs, apiKey: "mock-key", secretKey: "mock-secret", ready: true, checks: [] } };
            },
            call: (args) => args.inputs,
        },
        "cloudstack-infra",
        "test",
        false,
    );
});
const seed = (): ZoneSettings => check(readStackFile("dev")).settings.zone;
/** Until the SDK's queue of register requests has drained (each serializes its provider first, asynchronously). */
async function settle(): Promise<void> {
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs(); // eslint-disable-line @typescript-eslint/no-var-requires
}
afterAll(settle);
/** Each declaration gets its own component name, so late registrations of an earlier one do not count. */
const current = () => registered.filter((r) => r.name === `z${declared}` || r.name.startsWith(`z${declared}-`));
const kinds = () => current().map((r) => r.type.replace("pulumi-nodejs:dynamic/cloudstack:", "")).sort();

async function declare(zone: ZoneSettings, extra: Record<string, unknown> = {}) {
    const { Zone } = await import("../../components/Zone");
    declared += 1;
    const component = new Zone(`z${declared}`, { zone, apiUrl: "http://10.15.0.116:8080/client/api", adminPassword: "pw-for-test", ...extra });
    await settle();
    return component;
}

test("the seed's zone: keys bootstrapped, one object of each kind, the host setting and the zone's guest MTU", async () => {
    await declare(seed(), { managementAddress: "10.15.0.116" });
    expect(kinds()).toEqual([
        "ApiCredentials", "Cluster", "GlobalSetting", "GlobalSetting", "Host", "PhysicalNetwork", "Pod", "PrimaryStorage", "PublicIpRange", "SecondaryStorage", "Zone", "ZoneEnablement", "cloudstack:zone:Zone",
    ].sort());
    const host = current().find((r) => r.type.endsWith(":Host"));
    expect(host?.inputs).toMatchObject({ ip: "10.15.0.117", username: "root" });
    // The management-key path: an empty password, still passed as a secret.
    expect(host?.inputs.password).toMatchObject({ value: "" });
    const settings = current().filter((r) => r.type.endsWith(":GlobalSetting"));
    expect(settings.find((r) => r.inputs.name === "host")?.inputs).toMatchObject({ value: "10.15.0.116" });
    expect(settings.find((r) => r.inputs.name !== "host")?.inputs).toMatchObject({ name: "vr.private.interface.max.mtu", value: "1500", zoneId: expect.anything() });
});

test("given keys: no bootstrap; a password-path host needs kvmHostPassword", async () => {
    const zone = seed();
    await declare(zone, { apiKey: "k", secretKey: "s" });
    expect(kinds()).not.toContain("ApiCredentials");
    const passwordHost = { ...zone, hosts: zone.hosts.map((h) => ({ ...h, useManagementKey: false })) };
    await expect(declare(passwordHost, { apiKey: "k", secretKey: "s" })).rejects.toThrow("zone host N12 uses the password path (useManagementKey: false) but no kvmHostPassword was given");
    await expect(declare(zone, { apiKey: "k" })).rejects.toThrow("give both apiKey and secretKey, or neither");
});

test("lists: several pods, clusters, hosts and storages, with references checked", async () => {
    const zone = seed();
    const many: ZoneSettings = {
        ...zone,
        pods: [...zone.pods, { ...zone.pods[0], name: "Second", startIp: "10.15.0.180", endIp: "10.15.0.190" }],
        clusters: [...zone.clusters, { ...zone.clusters[0], name: "other", pod: "Second" }],
        hosts: [...zone.hosts, { ...zone.hosts[0], name: "N13", ip: "10.15.0.118", cluster: "other", pod: "Second" }],
        primaryStorages: [...zone.primaryStorages, { name: "zone-wide", scope: "zone", server: "10.10.0.118", path: "/export/zone" }],
    };
    await declare(many);
    const of = (kind: string) => current().filter((r) => r.type.endsWith(`:${kind}`));
    // Each object lands where the settings put it (mock ids are "<resource name>-id").
    const id = (suffix: string) => `z${declared}-${suffix}-id`;
    const placement = (kind: string) => Object.fromEntries(of(kind).map((r) => [r.name, { podId: r.inputs.podId, clusterId: r.inputs.clusterId }]));
    expect(placement("Host")).toEqual({
        [`z${declared}-host-N12`]: { podId: id("pod-Internal"), clusterId: id("cluster-testbed") },
        [`z${declared}-host-N13`]: { podId: id("pod-Second"), clusterId: id("cluster-other") },
    });
    expect(placement("Cluster")).toEqual({
        [`z${declared}-cluster-testbed`]: { podId: id("pod-Internal"), clusterId: undefined },
        [`z${declared}-cluster-other`]: { podId: id("pod-Second"), clusterId: undefined },
    });
    expect(placement("PrimaryStorage")).toEqual({
        [`z${declared}-primary-${zone.primaryStorages[0].name}`]: { podId: id("pod-Internal"), clusterId: id("cluster-testbed") },
        [`z${declared}-primary-zone-wide`]: { podId: undefined, clusterId: undefined },
    });
    expect(of("Pod").map((r) => r.inputs.startIp)).toEqual(["10.15.0.160", "10.15.0.180"]);
    await expect(declare({ ...zone, hosts: [{ ...zone.hosts[0], cluster: "missing" }] })).rejects.toThrow('host N12 refers to cluster "missing", which the zone does not define (defined: testbed)');
});
