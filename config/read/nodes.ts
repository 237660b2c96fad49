/** Reads cloudstack:nodes and the SSH access each node inherits from cloudstack:ssh. */
import { FieldReader } from "../fields";
import { ConfigProblems } from "../problems";
import { NetworkSettings, NodeSettings, Role, ROLES, SshSettings } from "../settings";
import { secretOutput } from "./secrets";

export function readSsh(
    r: FieldReader,
    defaults: Pick<SshSettings, "user" | "port"> & Partial<SshSettings>,
    storedSecret: boolean,
    problems: ConfigProblems,
): SshSettings {
    const secretField = (name: "password" | "privateKey") => {
        const value = r.optionalString(name);
        if (value !== undefined && !storedSecret) {
            problems.add(r.key(name), "(hidden)", `is stored in plain text; set it with: pulumi config set --secret --path '${r.key(name)}'`);
        }
        return secretOutput(value);
    };
    const password = secretField("password") ?? defaults.password;
    const privateKey = secretField("privateKey") ?? defaults.privateKey;
    const ssh: SshSettings = {
        user: r.string("user", defaults.user),
        port: r.integer("port", defaults.port, 1, 65535),
        password,
        privateKey,
        privateKeyFile: r.optionalString("privateKeyFile") ?? defaults.privateKeyFile,
        hostKey: r.optionalString("hostKey") ?? defaults.hostKey,
    };
    r.rejectUnknown();
    return ssh;
}

export function readNode(
    r: FieldReader,
    sshDefaults: SshSettings,
    network: NetworkSettings,
    storedSecret: boolean,
    problems: ConfigProblems,
): NodeSettings {
    const name = r.string("name");
    const roles = r.stringList("roles").filter((role): role is Role => {
        if ((ROLES as readonly string[]).includes(role)) return true;
        problems.add(r.key("roles"), role, `expected roles from ${ROLES.join(", ")}`);
        return false;
    });
    const node: NodeSettings = {
        name,
        address: r.string("address"),
        roles,
        ssh: readSsh(r.object("ssh"), sshDefaults, storedSecret, problems),
        managementAddress: r.optionalString("managementAddress"),
        publicAddress: r.optionalString("publicAddress"),
        fqdn: r.string("fqdn", `${name}.${network.domain}`),
        bridges: r.boolean("bridges", roles.some((role) => role !== "nfs")),
    };
    r.rejectUnknown();
    return node;
}
