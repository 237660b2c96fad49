/**
 * A KVM host registered with addHost. The call blocks while the management
 * server sets up the agent over SSH (up to ~8 minutes, reference §2.3), so it
 * gets a 10-minute HTTP timeout and is never re-sent; afterwards the host must
 * reach Up. Two ways in: the management server's SSH key (empty password) or
 * a password, which stays a secret. A host already known by its address is
 * adopted — re-adding one fails with "already in the database".
 *
 * Delete: maintenance first (prepareHostForMaintenance, wait for
 * Maintenance), then deleteHost. The agent on the machine keeps its
 * registration until it is stopped there (the KVM host's own teardown).
 */
import * as pulumi from "@pulumi/pulumi";
import { applyOnce, gone } from "../applyOnce";
import { CloudStackClient, firstObject } from "../client";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { defineProvider, ObjectInputs } from "../resource";
import { InputChecks } from "../validate";
import { waitFor } from "../wait";

export interface HostInputs extends ObjectInputs {
    zoneId: string;
    podId: string;
    clusterId: string;
    /** Management-network address CloudStack reaches the host on. */
    ip: string;
    username: string;
    /** Empty: the management server's SSH key is authorized on the host. */
    password: string;
    /** How long the host may take to come Up after addHost (default 600). */
    upTimeoutSeconds?: number;
}

interface HostView {
    id: string;
    name: string;
    ipaddress: string;
    zoneid: string;
    podid: string;
    clusterid: string;
    state: string;
    resourcestate: string;
}

const ADD_HOST_TIMEOUT_MS = 10 * 60_000;
const MAINTENANCE_TIMEOUT_MS = 30 * 60_000;
/** Resource states a host reaches once prepareHostForMaintenance took effect. */
const MAINTENANCE_STATES = ["PrepareForMaintenance", "Maintenance", "ErrorInMaintenance"];

async function hostById(api: CloudStackClient, id: string): Promise<HostView | undefined> {
    return (await api.list<HostView>("listHosts", { id }))[0];
}

export const provider = defineProvider<HostInputs, HostView>({
    describe: (inputs) => `host ${inputs.ip}`,
    check(inputs) {
        const checks = new InputChecks().connection(inputs.connection).ipv4("ip", inputs.ip).text("username", inputs.username, "a login name such as root");
        if (typeof inputs.password !== "string") checks.fail("password", "password must be a string (empty to use the management server's SSH key)");
        if (inputs.upTimeoutSeconds !== undefined) checks.integer("upTimeoutSeconds", inputs.upTimeoutSeconds, 1, 86400);
        return { inputs, failures: checks.failures };
    },
    replaceOn: ["zoneId", "podId", "clusterId", "ip"],
    // No API changes them on a registered host; a new value is kept for the next registration.
    updatable: ["username", "password", "upTimeoutSeconds"],
    async find(api, inputs) {
        // Any zone: CloudStack refuses the same address twice anywhere.
        const hosts = await api.list<HostView>("listHosts", { type: "Routing" });
        return hosts.find((h) => h.ipaddress === inputs.ip);
    },
    get: (api, id) => hostById(api, id),
    observe: (host) => ({ zoneId: host.zoneid, podId: host.podid, clusterId: host.clusterid, ip: host.ipaddress }),
    async create(api, inputs) {
        const answer = await api.request(
            "addHost",
            {
                zoneid: inputs.zoneId,
                podid: inputs.podId,
                clusterid: inputs.clusterId,
                url: `http://${inputs.ip}`,
                hypervisor: "KVM",
                username: inputs.username,
                password: inputs.password,
            },
            { post: true, timeoutMs: ADD_HOST_TIMEOUT_MS },
        );
        return firstObject<HostView>(answer).id;
    },
    async complete(api, id, inputs) {
        await waitFor(
            `host ${inputs.ip} to come Up`,
            async () => {
                const host = await hostById(api, id);
                return { done: host?.state === "Up", value: host, state: host ? host.state : "missing" };
            },
            (inputs.upTimeoutSeconds ?? 600) * 1000,
        );
    },
    async remove(api, id, olds) {
        const host = await hostById(api, id);
        if (!host) return;
        if (host.resourcestate !== "Maintenance") {
            if (host.resourcestate !== "PrepareForMaintenance") {
                await applyOnce(api, {
                    command: "prepareHostForMaintenance",
                    params: { id },
                    options: { deadlineMs: MAINTENANCE_TIMEOUT_MS },
                    tookEffect: async () => {
                        const now = await hostById(api, id);
                        return !now || MAINTENANCE_STATES.includes(now.resourcestate);
                    },
                });
            }
            await waitFor(
                `host ${olds.ip} to enter maintenance`,
                async () => {
                    const now = await hostById(api, id);
                    if (now?.resourcestate === "ErrorInMaintenance") throw new Error(`host ${olds.ip} could not enter maintenance (ErrorInMaintenance); move or stop its VMs and run again`);
                    return { done: !now || now.resourcestate === "Maintenance", value: now, state: now?.resourcestate ?? "gone" };
                },
                MAINTENANCE_TIMEOUT_MS,
            );
        }
        // No forcedestroylocalstorage: the zone has no local storage (localstorageenabled is never set), so it would change nothing.
        // deleteHost leaves the agent running on the host; with add.host.on.service.restart.kvm (default true) it adds
        // itself again when cloudstack-agent restarts (ConfigurationManagerImpl ADD_HOST_ON_SERVICE_RESTART_KVM). A zone-only
        // stack does not manage the hosts, so README tells to stop the agent there after destroy.
        await applyOnce(api, { command: "deleteHost", params: { id, forced: "true" }, tookEffect: gone(() => hostById(api, id)) });
    },
    outputs: (host) => ({ hostName: host.name, state: host.state }),
});

export class Host extends CloudStackResource {
    /** The hypervisor's host name as CloudStack shows it. */
    declare readonly hostName: pulumi.Output<string>;
    declare readonly state: pulumi.Output<string>;

    constructor(name: string, args: ArgsOf<Omit<HostInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("host", "Host", name, args, ["hostName", "state"], opts, ["password"]);
    }
}
