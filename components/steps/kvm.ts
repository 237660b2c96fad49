/**
 * KVM hosts: pre-flight, KVM/QEMU/libvirt, libvirt configured for CloudStack
 * on Ubuntu 24.04, VXLAN readiness, Java and the agent (installed, not
 * registered); plus the management key for root and the check after
 * registration.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../../config/defaults";
import { KvmSettings, NetworkSettings, PackageSettings, PhysicalNetworkSettings, TrafficTypeSettings } from "../../config/settings";
import { RemoteStep } from "../../providers/remote/step";
import { checked, checkedInteger, checkedList } from "../../config/safeValues";
import { PACKAGE_STEP_TIMEOUT_SECONDS, script, words } from "./render";
import { cloudstackRepoStep, cloudstackVersion, javaStep } from "./shared";

export interface KvmStepArgs {
    readonly kvm: KvmSettings;
    readonly network: NetworkSettings;
    readonly packages: PackageSettings;
    /** The zone's physical networks: the Guest traffic label VXLAN runs over. */
    readonly physicalNetworks: readonly PhysicalNetworkSettings[];
}

/** The steps that make a host ready for registration, in order. */
export function kvmSteps(settings: KvmStepArgs): RemoteStep[] {
    const steps: RemoteStep[] = [
        { name: "kvm-preflight", script: script("kvm-preflight", { requireHardwareVirtualization: settings.kvm.requireHardwareVirtualization === true }) },
        {
            name: "kvm-packages",
            script: script("kvm-packages", { kvmPackages: words(checkedList("package", "packages.kvmPackages", settings.packages.kvmPackages)) }),
            timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
        },
        { name: "kvm-libvirt", script: script("kvm-libvirt", {}) },
    ];
    const vxlan = vxlanReadinessStep(settings);
    if (vxlan !== undefined) steps.push(vxlan);
    const agentView = { cloudstackVersion: cloudstackVersion(settings.packages) };
    steps.push(javaStep(settings.packages), cloudstackRepoStep(settings.packages), {
        name: "cloudstack-agent",
        script: script("cloudstack-agent", agentView),
        deleteScript: script("cloudstack-agent-delete", agentView),
        timeoutSeconds: PACKAGE_STEP_TIMEOUT_SECONDS,
    });
    return steps;
}

/** Authorises the management server's SSH key for root; delete removes exactly that line. */
export function kvmAuthorizeKeySteps(publicKey: pulumi.Input<string>): RemoteStep[] {
    return [
        {
            name: "management-key",
            script: script("kvm-authorize-key", {}),
            deleteScript: script("kvm-authorize-key-delete", {}),
            env: { MANAGEMENT_PUBLIC_KEY: publicKey },
        },
    ];
}

/**
 * After host registration: libvirt listens on TLS only, the agent runs,
 * drifted settings are reported (agent.properties' network devices against
 * the traffic labels when the physical networks are given).
 */
export function kvmVerifySteps(physicalNetworks: readonly PhysicalNetworkSettings[] = []): RemoteStep[] {
    const labels = trafficLabels(physicalNetworks);
    const agentProperties = [
        labels.Management && `private.network.device=${labels.Management}`,
        labels.Public && `public.network.device=${labels.Public}`,
        labels.Guest && `guest.network.device=${labels.Guest}`,
    ].filter((line): line is string => typeof line === "string");
    return [{ name: "kvm-verify", script: script("kvm-verify", { agentProperties }) }];
}

/**
 * VXLAN readiness, for zones whose Guest traffic runs on a VXLAN physical
 * network: the label device's IPv4 address and MTU, and the multicast limit.
 */
export function vxlanReadinessStep(settings: KvmStepArgs): RemoteStep | undefined {
    const guest = settings.physicalNetworks.find((net) => net.isolationMethod === "VXLAN" && net.trafficTypes.some((t) => t.type === "Guest"));
    if (guest === undefined) return undefined;
    const label = guest.trafficTypes.find((t) => t.type === "Guest")!.kvmLabel;
    const view = {
        guestLabel: checked("interface", `zone.physicalNetworks[${guest.name}].trafficTypes[Guest].kvmLabel`, label),
        minimumMtu: DEFAULTS.minimumVxlanUnderlayMtu,
        igmpMaxMemberships: checkedInteger("network.igmpMaxMemberships", settings.network.igmpMaxMemberships, 20, 1000000),
    };
    return { name: "vxlan-readiness", script: script("kvm-vxlan", view), deleteScript: script("kvm-vxlan-delete", view) };
}

/** The KVM traffic labels by traffic type, from the first physical network that carries each type. */
function trafficLabels(physicalNetworks: readonly PhysicalNetworkSettings[]): Partial<Record<TrafficTypeSettings["type"], string>> {
    const labels: Partial<Record<TrafficTypeSettings["type"], string>> = {};
    for (const net of physicalNetworks) {
        for (const traffic of net.trafficTypes) {
            labels[traffic.type] ??= checked("interface", `zone.physicalNetworks[${net.name}].trafficTypes[${traffic.type}].kvmLabel`, traffic.kvmLabel);
        }
    }
    return labels;
}
