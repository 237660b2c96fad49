/**
 * Turns the raw stack config (plain values, as `pulumi config` stores them)
 * into the typed Settings object, applying defaults and reporting type errors.
 * Semantic checks (ranges, overlaps, references) live in validate.ts.
 * Each section is read in config/read/, one file per subject.
 *
 * Pure apart from wrapping secrets in `pulumi.secret`, so tests can feed it
 * any config without a Pulumi engine.
 */
import { FieldReader, RawObject } from "./fields";
import { DEFAULTS } from "./defaults";
import { ConfigProblems } from "./problems";
import { readNetwork } from "./read/network";
import { readNfs } from "./read/nfs";
import { readNode, readSsh } from "./read/nodes";
import { readSecrets } from "./read/secrets";
import { readBackup, readDatabase, readKvm, readLoadBalancer, readManagement, readMonitoring, readPackages, readUpgrade } from "./read/services";
import { readZone } from "./read/zone";
import { Settings } from "./settings";
import { NAMESPACE } from "./namespace";
import { isZoneOnlyConfig } from "./zoneOnly";

// ops/ and the tests read the namespace from here, next to the reader that uses it.
export { NAMESPACE };

export interface ConfigContext {
    project: string;
    stack: string;
    /** Whether a top-level config key (without namespace) is stored encrypted. */
    isSecret(key: string): boolean;
}

export function buildSettings(raw: RawObject, ctx: ConfigContext, problems: ConfigProblems): Settings {
    const top = new FieldReader(problems, NAMESPACE, raw);
    const section = (name: string) => top.object(name);

    const secrets = readSecrets(top, ctx, problems);
    const sshDefaults = readSsh(section("ssh"), { user: DEFAULTS.sshUser, port: DEFAULTS.sshPort }, ctx.isSecret("ssh"), problems);
    // A zone-only stack (zone.apiUrl, no nodes) configures no host network, so it needs no network section.
    const zoneOnly = isZoneOnlyConfig(raw);
    const network = readNetwork(section("network"), zoneOnly);
    const packages = readPackages(section("packages"), top);
    const nodes = top.list("nodes", (item) => readNode(item, sshDefaults, network, ctx.isSecret("nodes"), problems));
    const zone = readZone(section("zone"), network);
    const nfs = readNfs(section("nfs"), nodes, network, zone);
    const database = readDatabase(section("database"), packages, nodes);
    const management = readManagement(section("management"));
    const kvm = readKvm(section("kvm"));
    const loadBalancer = readLoadBalancer(section("loadBalancer"));
    const monitoring = readMonitoring(section("monitoring"));
    const backup = readBackup(section("backup"), ctx.stack);
    const upgrade = top.has("upgrade") ? readUpgrade(section("upgrade")) : undefined;
    const destroyData = top.boolean("destroyData", false);
    top.rejectUnknown();

    return {
        project: ctx.project,
        stack: ctx.stack,
        nodes,
        network,
        packages,
        nfs,
        database,
        management,
        kvm,
        loadBalancer,
        zone,
        monitoring,
        backup,
        ...(upgrade ? { upgrade } : {}),
        secrets,
        destroyData,
    };
}
