/**
 * Enables a zone once everything in it exists, and waits until it is ready
 * (readiness.ts) or its deadline passes, reporting what is not ready.
 *
 * Destroying it is the first step of the zone's teardown (reference §3.2):
 * disable the zone so nothing restarts, destroy its system VMs (and any
 * virtual routers) and wait until they are gone (../systemVmTeardown.ts), which
 * frees the pod's and the public range's addresses for the deletes that follow.
 */
import * as pulumi from "@pulumi/pulumi";
import { ArgsOf, CloudStackResource, ConnectedArgs } from "../dynamicResource";
import { disableZoneAndDestroySystemVms } from "../systemVmTeardown";
import { setZoneAllocationState, zoneAllocationState } from "../zoneState";
import { inspectZone, notReady, Readiness, ReadinessCheck } from "../readiness";
import { clientFor, ObjectInputs, sameValue } from "../resource";
import { InputChecks } from "../validate";
import { waitFor } from "../wait";

export interface ZoneEnablementInputs extends ObjectInputs {
    zoneId: string;
    /** For messages. */
    zoneName: string;
    readyTimeoutSeconds: number;
}

interface ZoneEnablementOutputs extends ZoneEnablementInputs, Readiness {
    allocationState: string;
}

// The last wait of a cold deploy: a system VM Running is noticed within a second.
const READY_POLL_MS = 1000;

async function enableAndWait(inputs: ZoneEnablementInputs): Promise<ZoneEnablementOutputs> {
    const api = clientFor(inputs.connection);
    const state = await zoneAllocationState(api, inputs.zoneId);
    if (!state) throw new Error(`zone ${inputs.zoneName} (id ${inputs.zoneId}) does not exist in CloudStack`);
    if (state !== "Enabled") await setZoneAllocationState(api, inputs.zoneId, "Enabled");
    let last: Readiness | undefined;
    try {
        const readiness = await waitFor(
            `zone ${inputs.zoneName} to become ready`,
            async () => {
                last = await inspectZone(api, inputs.zoneId);
                if (!last) throw new Error(`zone ${inputs.zoneName} disappeared while waiting for it`);
                return { done: last.ready, value: last, state: "not ready" };
            },
            inputs.readyTimeoutSeconds * 1000,
            READY_POLL_MS,
        );
        return { ...inputs, ...readiness, allocationState: "Enabled" };
    } catch (err) {
        if (!last) throw err;
        throw new Error(`zone ${inputs.zoneName} is enabled but not ready after ${inputs.readyTimeoutSeconds} s — ${notReady(last)}`);
    }
}

export const provider = {
    async check(_olds: ZoneEnablementInputs, news: ZoneEnablementInputs) {
        const checks = new InputChecks().connection(news.connection).integer("readyTimeoutSeconds", news.readyTimeoutSeconds, 1, 86400);
        return { inputs: news, failures: checks.failures };
    },

    async diff(_id: string, olds: ZoneEnablementOutputs, news: ZoneEnablementInputs) {
        const replaces = sameValue(olds.zoneId, news.zoneId) ? [] : ["zoneId"];
        // A zone disabled behind our back, or never ready, is enabled and waited for again.
        const drifted = olds.allocationState !== "Enabled" || olds.ready !== true;
        const changes = replaces.length > 0 || drifted || !sameValue(olds.connection, news.connection) || olds.readyTimeoutSeconds !== news.readyTimeoutSeconds || olds.zoneName !== news.zoneName;
        return { changes, replaces, deleteBeforeReplace: true };
    },

    async create(inputs: ZoneEnablementInputs) {
        return { id: inputs.zoneId, outs: await enableAndWait(inputs) };
    },

    async read(id: string, props: ZoneEnablementOutputs) {
        const api = clientFor(props.connection);
        const zone = (await api.list<{ allocationstate: string }>("listZones", { id: props.zoneId }))[0];
        if (!zone) return { id: "", props: {} };
        const readiness = (await inspectZone(api, props.zoneId)) as Readiness;
        return { id, props: { ...props, ...readiness, allocationState: zone.allocationstate } };
    },

    async update(_id: string, _olds: ZoneEnablementOutputs, news: ZoneEnablementInputs) {
        return { outs: await enableAndWait(news) };
    },

    async delete(_id: string, props: ZoneEnablementOutputs) {
        await disableZoneAndDestroySystemVms(clientFor(props.connection), { zoneId: props.zoneId, zoneName: props.zoneName });
    },
};

export class ZoneEnablement extends CloudStackResource {
    declare readonly allocationState: pulumi.Output<string>;
    /** Whether every readiness check passed. */
    declare readonly ready: pulumi.Output<boolean>;
    /** Each check with what was seen, e.g. { kind: "ssvm", item: "SSVM", ready: true, detail: "s-5-VM Running" }. */
    declare readonly checks: pulumi.Output<ReadinessCheck[]>;

    constructor(name: string, args: ArgsOf<Omit<ZoneEnablementInputs, "connection">> & ConnectedArgs, opts?: pulumi.CustomResourceOptions) {
        super("zoneEnablement", "ZoneEnablement", name, args, ["allocationState", "ready", "checks"], opts);
    }
}
