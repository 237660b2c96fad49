/**
 * KVM hosts: pre-flight, KVM/QEMU/libvirt, libvirt configured for CloudStack
 * on Ubuntu 24.04, VXLAN readiness, Java and the agent (installed, not
 * registered); plus the management key for root. The check after
 * registration is part of verify (ops/checks/nodeChecks.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULTS } from "../../config/defaults";
import { KvmSettings, NetworkSettings, PackageSettings, PhysicalNetworkSettings } from "../../config/settings";
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
