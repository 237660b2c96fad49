/** The namespace of this program's stack config keys (cloudstack:zone, cloudstack:nodes ...). */
export const NAMESPACE = "cloudstack";
