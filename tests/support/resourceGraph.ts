/**
 * The resource graph a program run registers, with Pulumi's mocks: each
 * register-resource request (type, name, parent, dependencies), so tests can
 * ask who waits for whom. `recordResourceGraph()` installs the mocks for a
 * test file; `registerCloud()` runs deployCloud and returns the graph.
 *
 * Dependencies are read from the register-resource requests the engine would
 * receive (explicit dependsOn and the resources behind input values).
 */
import * as pulumi from "@pulumi/pulumi";
import { Settings } from "../../config/settings";
import type { UpgradeRequest } from "../../components/deployCloud";
import { settingsFromConfig } from "../../config/readSettings";
import { clone, readStackFile } from "./stackConfig";

export interface Registered {
    urn: string;
    type: string;
    name: string;
    parent: string;
    dependencies: string[];
    custom: boolean;
}

let registered: Registered[] = [];

function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    if (type.endsWith("remote:Script")) return { ...inputs, outputs: { publicKey: "ssh-rsa AAAAmock cloud@mgmt" }, changed: [], warnings: [] };
    if (type.endsWith("remote:BridgeNetwork")) return { ...inputs, managementAddress: "10.15.0.99", publicAddress: "10.10.0.99", managementNic: "ens4", publicNic: "ens3" };
    if (type.endsWith("GeneratedSecret")) return { ...inputs, value: `generated-${name}` };
    return { ...inputs, apiKey: "mock-api-key", secretKey: "mock-secret-key", id: `${name}-id` };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const inputs = new Map<string, Record<string, any>>();

/** The inputs a resource of this name was created with (as the mocks received them, outputs resolved). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function inputsOf(name: string): Record<string, any> {
    const found = inputs.get(name);
    if (!found) throw new Error(`no resource named ${name} was created`);
    return found;
}

/** The dev stack with `count` KVM hosts (kvm-host-01 … as in the seed), after `adjust` changed its raw config. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function devWithKvmHosts(count: number, adjust: (raw: Record<string, any>) => void = () => undefined): Settings {
    const raw = clone(readStackFile("dev")) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    adjust(raw);
    const template = raw.nodes.find((n: { roles: string[] }) => n.roles.includes("kvm"));
    const hostTemplate = raw.zone.hosts[0];
    raw.nodes = raw.nodes.filter((n: { roles: string[] }) => !n.roles.includes("kvm"));
    raw.zone.hosts = [];
    for (let i = 1; i <= count; i++) {
        const name = `kvm-host-${String(i).padStart(2, "0")}`;
        raw.nodes.push({ ...template, name, address: `10.10.0.${10 + i}`, managementAddress: `10.15.0.${10 + i}`, publicAddress: `10.10.0.${10 + i}` });
        raw.zone.hosts.push({ ...hostTemplate, name: `N${i}`, ip: `10.15.0.${10 + i}`, node: name });
    }
    const { settings, problems } = settingsFromConfig(raw, { project: "cloudstack-infra", stack: "test", isSecret: () => false });
    problems.throwIfAny();
    return settings;
}

/** Installs the mocks (call once at the top of a test file). */
export function recordResourceGraph(): void {
    beforeAll(async () => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args) => {
                    inputs.set(args.name, args.inputs);
                    return { id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) };
                },
                call: (args) => args.inputs,
            },
            "cloudstack-infra",
            "test",
            false,
        );
        // Record what each register-resource request carries; the mock monitor ignores dependencies otherwise.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
        const register = monitor.registerResource.bind(monitor);
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        monitor.registerResource = (req: any, callback: any) =>
            register(req, (err: unknown, resp: { getUrn(): string } | undefined) => {
                if (resp) {
                    registered.push({
                        urn: resp.getUrn(),
                        type: req.getType(),
                        name: req.getName(),
                        parent: req.getParent(),
                        dependencies: req.getDependenciesList(),
                        custom: req.getCustom(),
                    });
                }
                callback(err, resp);
            });
    });
}

/** Runs deployCloud (with an upgrade request when given) under the mocks; returns its outputs and the graph. */
export async function registerCloud(settings: Settings, upgrade?: UpgradeRequest) {
    registered = [];
    inputs.clear();
    const { deployCloud } = await import("../../components/deployCloud");
    const outputs = deployCloud(settings, upgrade);
    // Resolving an output that depends on every part waits for registration to finish.
    await new Promise((resolve) => pulumi.all([outputs.apiKeys, outputs.zoneId, outputs.managementSshPublicKey]).apply(resolve));
    // Registration goes on asynchronously: wait until the SDK's queue of register requests has drained.
    await require("@pulumi/pulumi/runtime/settings").waitForRPCs(); // eslint-disable-line @typescript-eslint/no-var-requires
    return { outputs, graph: new Graph(registered) };
}

export class Graph {
    readonly byUrn: Map<string, Registered>;
    constructor(readonly resources: Registered[]) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
    }
    /** Resources whose URN ends with `::name`. */
    named(name: string): Registered {
        const found = this.resources.find((r) => r.name === name);
        if (!found) throw new Error(`no resource named ${name}; have ${this.resources.map((r) => r.name).join(", ")}`);
        return found;
    }
    /** The custom resource of this name where a component shares it (a node component and its stage: kvm-host-01-kvm). */
    step(name: string): Registered {
        return this.resources.find((r) => r.name === name && r.custom) ?? this.named(name);
    }
    ofType(suffix: string): Registered[] {
        return this.resources.filter((r) => r.type.endsWith(suffix));
    }
    /** Everything `urn` waits for, directly or not. */
    ancestors(urn: string): Set<string> {
        const seen = new Set<string>();
        const stack = [...(this.byUrn.get(urn)?.dependencies ?? [])];
        while (stack.length) {
            const next = stack.pop()!;
            if (seen.has(next)) continue;
            seen.add(next);
            stack.push(...(this.byUrn.get(next)?.dependencies ?? []));
        }
        return seen;
    }
    waitsFor(a: Registered, b: Registered): boolean {
        return this.ancestors(a.urn).has(b.urn);
    }
    /**
     * The role's own steps: custom resources under the component, without the
     * node's base steps (bridges, common) that one role component of each node
     * also holds (components/NodeBase.ts).
     */
    stepsUnder(componentName: string): Registered[] {
        const component = this.named(componentName);
        return this.resources.filter((r) => r.custom && r.parent === component.urn && !/-(bridges|common)$/.test(r.name));
    }
}

