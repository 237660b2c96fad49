/**
 * The high-availability shape used by the HA tests: the dev stack (the seed's
 * networks, zone, KVM host and NFS node) with two management servers, one
 * HAProxy balancer and a three-node MariaDB Galera cluster.
 */
import { RawObject } from "../../config/fields";
import { clone, readStackFile } from "./stackConfig";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRaw = any;

const node = (name: string, last: number, roles: string[]) => ({
    name,
    address: `10.10.0.${last}`,
    roles,
    managementAddress: `10.15.0.${last}`,
    publicAddress: `10.10.0.${last}`,
});

export function haStackConfig(): RawObject {
    const raw: AnyRaw = clone(readStackFile("dev"));
    const [, kvm, nfs] = raw.nodes;
    raw.nodes = [
        node("mgmt-1", 116, ["management"]),
        node("mgmt-2", 119, ["management"]),
        node("lb-1", 120, ["loadbalancer"]),
        node("db-1", 121, ["database"]),
        node("db-2", 122, ["database"]),
        node("db-3", 123, ["database"]),
        kvm,
        nfs,
    ];
    raw.packages = { ...(raw.packages ?? {}), databaseEngine: "mariadb" };
    return raw;
}
