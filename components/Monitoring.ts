/**
 * Monitoring hooks (issue 6): CloudStack's own Prometheus exporter on the
 * management server. Its three global settings go through the Zone's
 * `globalSettings` (GlobalSetting resources); the exporter starts only with
 * the management server, so a step on the management node restarts it once
 * whenever enable/port changed (templates/ops-prometheus-restart.sh.mustache).
 */
import * as pulumi from "@pulumi/pulumi";
import { ManagementSettings, MonitoringSettings, NodeSettings } from "../config/settings";
export { prometheusGlobalSettings } from "../providers/cloudstack/operations";
import { RemoteScript } from "../providers/remote/RemoteScript";
import { SshTarget } from "../providers/remote/ssh";
import { renderTemplate } from "../providers/remote/templates";

export interface PrometheusRestartArgs {
    /** The management node. */
    readonly node: NodeSettings;
    readonly connection: pulumi.Input<SshTarget>;
    readonly monitoring: MonitoringSettings;
    readonly management: ManagementSettings;
    /** What sets the exporter settings (the zone, whose global settings come first). */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

export class PrometheusRestart extends pulumi.ComponentResource {
    /** The restart step, when monitoring.prometheus is on. */
    readonly step?: RemoteScript;
    /** What it waited for (a next server's restart waits for the same when this one has no step). */
    readonly after: pulumi.Input<pulumi.Resource>[];

    constructor(name: string, args: PrometheusRestartArgs, opts?: pulumi.ComponentResourceOptions) {
        super("cloudstack:ops:PrometheusRestart", name, {}, opts);
        this.after = args.after;
        if (args.monitoring.prometheus) {
            const { uiPort, apiPath, startTimeoutSeconds } = args.management;
            const port = args.monitoring.prometheusPort;
            this.step = new RemoteScript(
                `${args.node.name}-prometheus-restart`,
                {
                    connection: args.connection,
                    node: args.node.name,
                    step: "prometheus-restart",
                    script: renderTemplate("ops-prometheus-restart.sh", { port, uiPort, apiPath, startTimeoutSeconds }),
                    // What a restart is for: the step runs again only when these change.
                    env: { EXPORTER_SETTINGS: `enable=true port=${port}` },
                    timeoutSeconds: startTimeoutSeconds + 300,
                },
                { parent: this, dependsOn: args.after },
            );
        }
        this.registerOutputs({});
    }
}
