/** The scripts BridgeNetwork runs on a node, rendered from templates/ at program time. */
import { NETPLAN_FILE } from "./netplan";
import { renderTemplate, TEMPLATE_DIR } from "./templates";

export interface BridgeNetworkScripts {
    /** Source of templates/netplan.yaml.mustache (rendered here, after the NICs are known). */
    netplanTemplate: string;
    facts: string;
    apply: string;
    verify: string;
}

/** The scripts the provider runs, rendered from templates/ at program time. */
export function renderBridgeScripts(): BridgeNetworkScripts {
    const fs = require("fs");
    const path = require("path");
    const view = {
        stateDir: "/var/lib/cloudstack-infra/network",
        netplanFile: NETPLAN_FILE,
        rollbackUnit: "cloudstack-netplan-rollback",
        applyUnit: "cloudstack-netplan-apply",
    };
    return {
        netplanTemplate: fs.readFileSync(path.join(TEMPLATE_DIR, "netplan.yaml.mustache"), "utf8"),
        facts: renderTemplate("network-facts.sh", view),
        apply: renderTemplate("network-apply.sh", view),
        verify: renderTemplate("network-verify.sh", view),
    };
}
