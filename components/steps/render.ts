/**
 * Small helpers the step builders share: rendering a step's scripts and
 * passing values that may be known only at deploy time.
 */
import * as pulumi from "@pulumi/pulumi";
import { renderTemplate } from "../../providers/remote/templates";

/** The delimiter of the quoted heredocs that carry rendered config files inside scripts. */
const HEREDOC_END = "CLOUDSTACK_INFRA_EOF";

/** A rendered config file for a `<<'CLOUDSTACK_INFRA_EOF'` heredoc: without its final newline, and unable to end the heredoc early. */
export function embedded(template: string, view: object): string {
    const text = renderTemplate(template, view).replace(/\n+$/, "");
    if (text.split("\n").includes(HEREDOC_END)) {
        throw new Error(`template ${template} rendered a line '${HEREDOC_END}', which would end the script's heredoc early`);
    }
    return text;
}

/** Renders `templates/<name>.sh.mustache`. */
export function script(name: string, view: object): string {
    return renderTemplate(`${name}.sh`, view);
}

/** A list of values (maybe deploy-time outputs) as one space-separated environment value. */
export function spaceSeparated(values: pulumi.Input<string>[]): pulumi.Input<string> {
    if (values.every((value) => typeof value === "string")) return (values as string[]).join(" ");
    return pulumi.all(values).apply((resolved) => resolved.join(" "));
}

/** A list of values (maybe deploy-time outputs) as one comma-separated value (db.properties replicas, the `host` setting). */
export function commaSeparated(values: pulumi.Input<string>[]): pulumi.Input<string> {
    if (values.every((value) => typeof value === "string")) return (values as string[]).join(",");
    return pulumi.all(values).apply((resolved) => resolved.join(","));
}

/** Package names for `apt_install`, space-separated. */
export function words(values: string[]): string {
    return values.join(" ");
}

/** Seconds for steps that install packages: a slow mirror plus a dpkg lock held by unattended-upgrades. */
export const PACKAGE_STEP_TIMEOUT_SECONDS = 2400;
