/**
 * Upgrade: what `pulumi up` adds when cloudstackVersion is newer than the
 * version the stack deployed (config/upgradePlan.ts decides; a fresh stack
 * and an unchanged version have none of these resources). In the upgrade
 * guide's order, one resource per step, so `pulumi preview` shows the plan:
 *
 *   upgrade-preflight          verify passes, the target's SystemVM template can be had (also at preview)
 *   upgrade-backup             cloud and cloud_usage dumped and checked on the controller (npm run restore)
 *   upgrade-register-template  the target's template registered through the running API if it is not
 *   <mgmt>-upgrade-stop        usage and management servers stopped
 *   <mgmt>-upgrade-packages    repository (and Java) switched, common/management/usage pinned to the target
 *   <mgmt>-upgrade-start       started; the schema's `version` row of the target, the API, the usage server
 *   upgrade-template-ready     the template Registered and Ready in every zone
 *   <kvm>-upgrade-agent, upgrade-host-<host>   one host at a time: agent upgraded, host Up at the target
 *   upgrade-system-vms         SSVM and CPVM recreated; virtual routers needing a restart named
 *
 * The node components' own install steps (whose scripts name the version)
 * wait for this: by then the packages are at the target and they change nothing.
 * The API steps use the running cloud's API and keys from the stack's outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import { releaseLineOf } from "../config/cloudstackReleases";
import { nodesWithRole, Settings } from "../config/settings";
import { UpgradeAction, UpgradeStepInputs } from "../ops/upgrade/upgradeProvider";
import { LazyDynamicResource, lazyProvider } from "../providers/lazyProvider";
import { ApiConnection } from "../providers/cloudstack/resource";
import { RemoteScript } from "../providers/remote/RemoteScript";
import { SshTarget } from "../providers/remote/ssh";
import { plainSettings } from "./Verification";
import { PreChangeBackup } from "./PreChangeBackup";
import { createRemoteSteps } from "./remoteSteps";
import { agentUpgradeSteps, managementUpgradeSteps } from "./steps/upgrade";

type StepInputs = { [K in keyof UpgradeStepInputs]: pulumi.Input<UpgradeStepInputs[K]> };

class UpgradeStep extends LazyDynamicResource {
    declare readonly result: pulumi.Output<string>;
    declare readonly routersToRestart: pulumi.Output<string[] | undefined>;

    constructor(name: string, inputs: StepInputs, opts: pulumi.CustomResourceOptions) {
        super(
            lazyProvider("ops/upgrade/upgradeProvider", "upgradeStepProvider"),
            name,
            { ...inputs, api: pulumi.secret(inputs.api), verification: inputs.verification && pulumi.secret(inputs.verification), management: inputs.management && pulumi.secret(inputs.management), host: inputs.host && pulumi.secret(inputs.host), result: undefined, routersToRestart: undefined },
            { ...opts, additionalSecretOutputs: ["api", "verification", "management", "host"] },
            "ops",
            "UpgradeStep",
        );
    }
}

export interface UpgradeArgs {
    readonly settings: Settings;
    readonly from: string;
    readonly to: string;
    /** The running cloud's API and the zone, from the stack's outputs. */
    readonly api: ApiConnection;
    readonly zoneId: string;
    readonly connections: Record<string, pulumi.Input<SshTarget>>;
    readonly managementAddresses: Record<string, pulumi.Input<string>>;
    readonly cloudDbPassword: pulumi.Input<string>;
    /** Every node's base setup (the SSH connections work). */
    readonly basesReady: pulumi.Input<pulumi.Resource>[];
}

export class Upgrade extends pulumi.ComponentResource {
    /** The management server runs the target and the template is Ready: what its own install steps wait for. */
    readonly managementDone: pulumi.Resource[];
    /** Each KVM node's agent upgraded (and its host Up): what that node's install steps wait for. */
    readonly nodeDone = new Map<string, pulumi.Resource>();
    /** The whole upgrade, system VMs included: what the final verify waits for. */
    readonly done: pulumi.Resource[];
    /** Virtual routers that need a restart after the upgrade. */
    readonly routersToRestart: pulumi.Output<string[] | undefined>;

    constructor(name: string, args: UpgradeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:upgrade:Upgrade", name, {}, opts);
        const { settings, from, to } = args;
        const line = releaseLineOf(to)!;
        const template = { name: line.systemVmTemplate.name, url: settings.upgrade?.systemVmTemplateUrl ?? (settings.packages.systemVmTemplateUrl || line.systemVmTemplate.url) };
        const waitSeconds = settings.upgrade?.waitSeconds ?? 900;
        const [managementNode] = nodesWithRole(settings, "management");
        const [databaseNode] = nodesWithRole(settings, "database");
        const common = { from, to, api: args.api, zoneId: args.zoneId, zoneName: settings.zone.name, template, timeoutSeconds: waitSeconds };
        const step = (action: UpgradeAction, resourceName: string, extra: Partial<StepInputs>, dependsOn: pulumi.Input<pulumi.Resource>[]) =>
            new UpgradeStep(resourceName, { ...common, action, ...extra } as StepInputs, { parent: this, dependsOn });

        const verification = settings.upgrade?.ignoreVerify
            ? undefined
            : { settings: plainSettings(settings), connections: args.connections, managementAddresses: args.managementAddresses };
        const preflight = step(
            "preflight",
            "upgrade-preflight",
            { verification: verification as StepInputs["verification"], management: pulumi.output(args.connections[managementNode.name]).apply((connection) => ({ name: managementNode.name, connection })) },
            args.basesReady,
        );
        const backup = new PreChangeBackup(
            "upgrade-backup",
            { settings, connection: args.connections[databaseNode.name], fingerprint: `upgrade ${from} to ${to}`, prefix: `${settings.stack}-db-before-upgrade-${from}-to-${to}` },
            { parent: this, dependsOn: [preflight] },
        );
        const registered = step("register-template", "upgrade-register-template", {}, [backup]);
        const management = createRemoteSteps(
            { node: managementNode, connection: args.connections[managementNode.name], secrets: { CLOUD_DB_PASSWORD: args.cloudDbPassword }, parent: this, dependsOn: [registered] },
            managementUpgradeSteps({ from, to }, settings.packages, settings.management),
        );
        const templateReady = step("template-ready", "upgrade-template-ready", {}, [management.last]);
        this.managementDone = [templateReady];

        // One host at a time, in the zone's order, after the management server: each Up before the next starts.
        let previous: pulumi.Resource = templateReady;
        const zoneHosts = settings.zone.hosts.filter((h) => h.node !== undefined);
        const kvmNodes = nodesWithRole(settings, "kvm");
        const ordered = [...zoneHosts.map((h) => h.node!), ...kvmNodes.map((n) => n.name).filter((n) => !zoneHosts.some((h) => h.node === n))];
        for (const nodeName of [...new Set(ordered)]) {
            const node = kvmNodes.find((n) => n.name === nodeName);
            if (node === undefined) continue;
            const agent: RemoteScript = createRemoteSteps(
                { node, connection: args.connections[node.name], secrets: {}, parent: this, dependsOn: [previous] },
                agentUpgradeSteps({ from, to }, settings.packages),
            ).last;
            previous = agent;
            for (const host of zoneHosts.filter((h) => h.node === node.name)) {
                previous = step(
                    "host-up",
                    `upgrade-host-${host.name}`,
                    { host: pulumi.output(args.connections[node.name]).apply((connection) => ({ name: host.name, ip: host.ip, node: node.name, connection })) },
                    [previous],
                );
            }
            this.nodeDone.set(node.name, previous);
        }
        const systemVms = step("system-vms", "upgrade-system-vms", {}, [previous]);
        this.done = [systemVms];
        this.routersToRestart = systemVms.routersToRestart;
        this.registerOutputs({ routersToRestart: this.routersToRestart });
    }
}
