/** databaseSteps / databaseFinalizeSteps: engine, cnf, accounts and the later lockdown. */
import * as pulumi from "@pulumi/pulumi";
import { databaseFinalizeSteps, databaseSteps } from "../../components/steps";
import { seedSettings } from "./steps-fixture";

describe("databaseSteps", () => {
    const { database, packages } = seedSettings();
    const args = { database, packages, bindAddress: "10.15.0.116", managementAddresses: ["10.15.0.116", "10.15.0.119"], destroyData: false };

    test("server, then accounts; bind address and management addresses travel as environment values", () => {
        const [server, accounts] = databaseSteps(args);
        expect([server.name, accounts.name]).toEqual(["database-server", "database-accounts"]);
        expect(server.env).toEqual({ DB_BIND_ADDRESS: "10.15.0.116" });
        expect(accounts.env).toEqual({ MANAGEMENT_ADDRESSES: "10.15.0.116 10.15.0.119" });
        expect(accounts.secretEnv).toEqual(["MYSQL_ROOT_PASSWORD", "DEPLOY_ADMIN_PASSWORD"]);
    });

    test("MySQL: cloudstack.cnf after the distro's file, with the install guide's settings and native passwords", () => {
        const server = databaseSteps(args)[0].script;
        expect(server).toContain("CNF='/etc/mysql/mysql.conf.d/zz-cloudstack.cnf'\nSERVICE='mysql'");
        for (const line of ["server-id = 1", "bind-address = @BIND_ADDRESS@", "max_connections = 350", "innodb_rollback_on_timeout = 1", "innodb_lock_wait_timeout = 600", "log-bin = mysql-bin", "binlog-format = ROW", "default-authentication-plugin = mysql_native_password"]) {
            expect(server).toContain(`\n${line}\n`);
        }
        expect(server).not.toMatch(/sql-mode = .*ONLY_FULL_GROUP_BY/);
        expect(server).toContain("apt_install mysql-server");
    });

    test("MariaDB: its own paths and service, root keeps socket login", () => {
        const mariadb = { ...args, packages: { ...packages, databaseEngine: "mariadb" as const } };
        const [server, accounts] = databaseSteps(mariadb);
        expect(server.script).toContain("CNF='/etc/mysql/mariadb.conf.d/zz-cloudstack.cnf'\nSERVICE='mariadb'");
        expect(server.script).not.toContain("default-authentication-plugin");
        expect(accounts.script).toContain("IDENTIFIED VIA unix_socket OR mysql_native_password");
        expect(accounts.script).not.toContain("/root/.my.cnf 0600");
    });

    test("addresses known only at deploy time stay outputs", () => {
        const later = pulumi.output("10.15.0.120");
        const [server, accounts] = databaseSteps({ ...args, bindAddress: later, managementAddresses: [later] });
        expect(pulumi.Output.isInstance(server.env!.DB_BIND_ADDRESS)).toBe(true);
        expect(pulumi.Output.isInstance(accounts.env!.MANAGEMENT_ADDRESSES)).toBe(true);
    });

    test("finalize: the lockdown step with the cloud password and no delete", () => {
        const [lockdown] = databaseFinalizeSteps(args);
        expect(lockdown.name).toBe("database-lockdown");
        expect(lockdown.secretEnv).toEqual(["CLOUD_DB_PASSWORD"]);
        expect(lockdown.deleteScript).toBeUndefined();
    });

    test("bad values are refused", () => {
        expect(() => databaseSteps({ ...args, managementAddresses: [] })).toThrow(/managementAddresses: the list is empty/);
        expect(() => databaseSteps({ ...args, database: { ...database, serverId: 0 } })).toThrow("database.serverId: 0 is not allowed here; expected a whole number from 1 to 4294967295");
        expect(() => databaseSteps({ ...args, packages: { ...packages, databaseEngine: "postgres" as never } })).toThrow(/packages\.databaseEngine: "postgres" .* expected "mysql" or "mariadb"/);
    });
});
