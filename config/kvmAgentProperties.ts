/**
 * The network devices a registered KVM host's agent.properties must name:
 * addHost's `cloudstack-setup-agent` writes them from the zone's KVM traffic
 * labels (python/lib/cloudutils/serviceConfig.py@4.19.3.0:888-890, the agent configuration from the nics setup-agent is given),
 * and `verify` reports a host whose file says otherwise.
 */
import { checked } from "./safeValues";
import { PhysicalNetworkSettings, TrafficTypeSettings } from "./settings";

/** `key=value` lines agent.properties must hold, from the first physical network that carries each traffic type. */
export function expectedAgentNetworkDevices(physicalNetworks: readonly PhysicalNetworkSettings[]): string[] {
    const labels: Partial<Record<TrafficTypeSettings["type"], string>> = {};
    for (const net of physicalNetworks) {
        for (const traffic of net.trafficTypes) {
            labels[traffic.type] ??= checked("interface", `zone.physicalNetworks[${net.name}].trafficTypes[${traffic.type}].kvmLabel`, traffic.kvmLabel);
        }
    }
    return [
        labels.Management && `private.network.device=${labels.Management}`,
        labels.Public && `public.network.device=${labels.Public}`,
        labels.Guest && `guest.network.device=${labels.Guest}`,
    ].filter((line): line is string => typeof line === "string");
}
