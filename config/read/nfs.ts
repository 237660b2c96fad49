/** Reads cloudstack:nfs: the export paths and ports, and who may mount them. */
import { DEFAULTS } from "../defaults";
import { FieldReader } from "../fields";
import { isCidr, isIPv4 } from "../net";
import { defaultNfsClients } from "../nfsClients";
import { NetworkSettings, NfsSettings, NodeSettings, ZoneSettings } from "../settings";

export function readNfs(r: FieldReader, nodes: NodeSettings[], network: NetworkSettings, zone: ZoneSettings): NfsSettings {
    const nfsNode = nodes.find((n) => n.roles.includes("nfs"));
    const exportRoot = r.string("exportRoot", DEFAULTS.exportRoot);
    const ports = r.object("ports");
    const server = r.string("server", nfsNode?.publicAddress ?? nfsNode?.address ?? "");
    const nfs: NfsSettings = {
        server,
        exportRoot,
        primaryPath: r.string("primaryPath", `${exportRoot}/primary`),
        secondaryPath: r.string("secondaryPath", `${exportRoot}/secondary`),
        dataDisk: r.optionalString("dataDisk"),
        forceFormat: r.boolean("forceFormat", false),
        allowedCidrs: readAllowedClients(r, () => defaultNfsClients(server, nodes, network, zone)),
        verifyServing: r.boolean("verifyServing", true),
        ports: {
            mountd: ports.integer("mountd", DEFAULTS.nfsPorts.mountd, 1, 65535),
            statd: ports.integer("statd", DEFAULTS.nfsPorts.statd, 1, 65535),
            statdOutgoing: ports.integer("statdOutgoing", DEFAULTS.nfsPorts.statdOutgoing, 1, 65535),
            lockd: ports.integer("lockd", DEFAULTS.nfsPorts.lockd, 1, 65535),
            rquotad: ports.integer("rquotad", DEFAULTS.nfsPorts.rquotad, 1, 65535),
        },
    };
    ports.rejectUnknown();
    r.rejectUnknown();
    return nfs;
}

/**
 * Explicit entries are checked here, where the user wrote them; the computed
 * default is never reported under a key (nfs.allowedCidrs[0]) the file does not contain.
 */
function readAllowedClients(r: FieldReader, computeDefault: () => string[]): string[] {
    if (!r.written("allowedCidrs")) {
        r.has("allowedCidrs");
        return computeDefault();
    }
    const entries = r.stringList("allowedCidrs");
    if (Array.isArray(r.raw.allowedCidrs) && r.raw.allowedCidrs.length === 0) {
        r.problems.note(r.key("allowedCidrs"), "is empty; list the addresses or networks allowed to mount the exports (never *), or delete the key for the default (the nodes, hosts and system VM ranges that need them)");
    }
    entries.forEach((entry, i) => {
        if (!isIPv4(entry) && !isCidr(entry)) r.problems.add(`${r.key("allowedCidrs")}[${i}]`, entry, "expected an IPv4 address or network in CIDR form like 10.15.0.0/24");
    });
    return entries;
}
