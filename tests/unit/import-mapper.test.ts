/**
 * The seed's variables → this program's config (import/mapper.ts): the seed's
 * example layout gives Pulumi.dev.yaml's topology; what the files cannot tell
 * is listed, and an encrypted value never lands in a plain setting.
 */
import * as fs from "fs";
import * as path from "path";
import { loadAnsibleProject } from "../../import/ansibleProject";
import { mapProject } from "../../import/mapper";
import { describeUnless } from "../support/gate";
import { ansibleVaultMissing, makeSeedCopy, SeedCopy } from "../support/ansibleSeed";
import { check, readStackFile } from "../support/stackConfig";

const describeVault = describeUnless(ansibleVaultMissing());

describeVault("mapping the seed's Ansible project", () => {
    let seed: SeedCopy;
    const password = () => fs.readFileSync(seed.passwordFile, "utf8").trim();
    const file = (rel: string) => path.join(seed.dir, "inventory", rel);

    beforeEach(() => (seed = makeSeedCopy("1.1")));
    afterEach(() => seed.remove());

    test("the seed's example gives Pulumi.dev.yaml's nodes, network, storage and zone", () => {
        const plan = mapProject(loadAnsibleProject(seed.dir, password));
        const dev = readStackFile("dev") as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        const config = plan.config as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
        // zone_network_type is written out; Advanced is also the default.
        expect(config.zone).toEqual({ ...dev.zone, networkType: "Advanced" });
        expect(config.cloudstackVersion).toBe(dev.cloudstackVersion);
        // The management server's address on 10.15.0.0/24 is in no Ansible file: left out and reported.
        const devNodes = dev.nodes.map((n: Record<string, unknown>) => (n.name === "cloudstack-mgmt" ? { ...n, managementAddress: undefined } : n));
        expect(JSON.parse(JSON.stringify(config.nodes))).toEqual(JSON.parse(JSON.stringify(devNodes)));
        expect(plan.unknown.map((u) => u.key)).toEqual(expect.arrayContaining(["nodes[0].managementAddress", "nfs.dataDisk"]));
        for (const segment of ["management", "public"]) expect(config.network[segment]).toEqual(dev.network[segment]);
        expect(config.network.dnsServers).toEqual(dev.network.dnsServers);
        expect(config.network.timezone).toBe(dev.network.timezone);
        expect(config.nfs).toEqual({ server: dev.nfs.server, exportRoot: dev.nfs.exportRoot, primaryPath: dev.nfs.primaryPath, secondaryPath: dev.nfs.secondaryPath });
        expect(config.database).toEqual(dev.database);

        // Secrets are kept apart from the plain config, each with its source.
        expect(plan.secrets.map((s) => [s.key, s.value, s.from])).toEqual(
            expect.arrayContaining([
                ["ssh.password", seed.secrets.sshPassword, "inventory/hosts:17:ansible_password"],
                ["mysqlRootPassword", seed.secrets.mysqlRoot, "inventory/group_vars/all/vault.yml:vault_mysql_root_password"],
                ["cloudDbPassword", seed.secrets.cloudDb, "inventory/group_vars/all/vault.yml:vault_cloudstack_db_password"],
                ["kvmHostPassword", seed.secrets.kvmHost, "inventory/group_vars/zone.yml:cloudstack_hosts[0].password"],
            ]),
        );
        const plain = JSON.stringify(plan.config);
        for (const secret of Object.values(seed.secrets)) expect(plain).not.toContain(secret);
        // Placeholders are not keys.
        expect(plan.secrets.some((s) => s.key === "apiKey")).toBe(false);
        expect(plan.skipped.map((s) => s.from)).toEqual(expect.arrayContaining(["inventory/group_vars/zone.yml:cs_api_key", "inventory/hosts:18:ansible_python_interpreter"]));

        // The program's own validation accepts it.
        const raw = JSON.parse(plain);
        for (const s of plan.secrets) if (!s.key.includes(".")) raw[s.key] = s.value;
        raw.ssh.password = seed.secrets.sshPassword;
        expect(check(raw, ["ssh", "mysqlRootPassword", "cloudDbPassword", "kvmHostPassword"]).problems).toEqual([]);
    });

    test("database and management on two machines are two nodes; range hosts match zone hosts by address", () => {
        fs.writeFileSync(
            file("hosts"),
            [
                "[management]",
                "mgmt ansible_host=10.10.0.116",
                "[database]",
                "db ansible_host=10.10.0.119",
                "[kvm-hosts]",
                "kvm-[01:02] ansible_user=root",
                "[cloudstack:children]",
                "management",
                "database",
                "kvm-hosts",
                "[cloudstack:vars]",
                "ansible_user=admin",
                "[all:vars]",
                "ansible_ssh_private_key_file=~/.ssh/id_ed25519",
            ].join("\n"),
        );
        // Inventory names double as addresses here (no ansible_host): the zone lists them on the management network.
        const zone = fs.readFileSync(file("group_vars/zone.yml"), "utf8");
        fs.writeFileSync(
            file("group_vars/zone.yml"),
            zone.replace(/cloudstack_hosts:[\s\S]*?(?=\n# Primary)/, 'cloudstack_hosts:\n  - { name: "A", cluster_name: "testbed", pod_name: "Internal", ip: "kvm-02", username: "root" }\n'),
        );
        const plan = mapProject(loadAnsibleProject(seed.dir, password));
        const nodes = plan.config.nodes as { name: string; roles: string[]; ssh?: { user: string } }[];
        expect(nodes.map((n) => [n.name, n.roles])).toEqual([
            ["mgmt", ["management"]],
            ["db", ["database"]],
            ["kvm-01", ["kvm"]],
            ["kvm-02", ["kvm"]],
            ["nfs-storage", ["nfs"]],
        ]);
        // Host-level ansible_user differs from the group's: per node, not shared.
        expect(nodes.map((n) => n.ssh?.user)).toEqual(["admin", "admin", "root", "root", undefined]);
        expect((plan.config.ssh as Record<string, unknown>).privateKeyFile).toBe("~/.ssh/id_ed25519");
        expect((plan.config.zone as { hosts: { node?: string }[] }).hosts[0].node).toBe("kvm-02");
        expect(plan.unknown.map((u) => u.key)).toContain("zone.hosts (node kvm-01)");
    });

    test("an encrypted value is never written to a plain setting; it is reported instead", () => {
        const zone = fs.readFileSync(file("group_vars/zone.yml"), "utf8");
        fs.writeFileSync(file("group_vars/zone.yml"), zone.replace('zone_name: "TEST"', 'zone_name: "{{ vault_mysql_root_password }}"'));
        const plan = mapProject(loadAnsibleProject(seed.dir, password));
        expect((plan.config.zone as Record<string, unknown>).name).toBeUndefined();
        expect(plan.skipped).toContainEqual({ from: "inventory/group_vars/zone.yml:zone_name", why: expect.stringContaining("it is encrypted, but cloudstack:zone.name is not a secret setting") });
        expect(JSON.stringify(plan.config)).not.toContain(seed.secrets.mysqlRoot);
    });

    test("a Jinja form the importer does not evaluate is an error naming file and key", () => {
        const management = fs.readFileSync(file("group_vars/management.yml"), "utf8");
        fs.writeFileSync(file("group_vars/management.yml"), management.replace('nfs_server: "10.10.0.118"', 'nfs_server: "{{ groups[\'nfs\'] | first }}"'));
        expect(() => mapProject(loadAnsibleProject(seed.dir, password))).toThrow(/inventory\/group_vars\/management\.yml:nfs_server.*filter "first"/);
    });
});
