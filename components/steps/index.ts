/** Step builders: what runs on each node, as plain RemoteStep lists (providers/remote/step.ts). */
export { commonSteps } from "./common";
export { nfsSteps } from "./nfs";
export { databaseSteps, databaseFinalizeSteps, galeraSteps, type DatabaseStepArgs, type GaleraStepArgs } from "./database";
export { loadBalancerSteps, type LoadBalancerStepArgs } from "./loadbalancer";
export { managementSteps, cloudMonkeySteps, type ManagementStepArgs, type ManagementPlan } from "./management";
export { kvmSteps, kvmAuthorizeKeySteps, vxlanReadinessStep, type KvmStepArgs } from "./kvm";
export { javaStep, cloudstackRepoStep, mergeSteps } from "./shared";
