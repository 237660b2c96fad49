/**
 * What differs between the two database engines the program installs (MySQL
 * 8.0 on Ubuntu 24.04, MariaDB where MySQL is not packaged): package, service
 * and configuration directory names. The node steps and ops both use it.
 */
import { PackageSettings } from "./settings";

/** Engine-specific names; the scripts are otherwise shared. */
export const ENGINES = {
    mysql: { serverPackages: "mysql-server", clientPackage: "mysql-client", service: "mysql", confDir: "/etc/mysql/mysql.conf.d" },
    mariadb: { serverPackages: "mariadb-server", clientPackage: "mariadb-client", service: "mariadb", confDir: "/etc/mysql/mariadb.conf.d" },
};

export function engineOf(packages: Pick<PackageSettings, "databaseEngine">) {
    const engine = ENGINES[packages.databaseEngine];
    if (engine === undefined) throw new Error(`packages.databaseEngine: ${JSON.stringify(packages.databaseEngine)} is not allowed here; expected "mysql" or "mariadb"`);
    return { ...engine, mysql: packages.databaseEngine === "mysql", mariadb: packages.databaseEngine === "mariadb" };
}
