#!/usr/bin/python3
"""STAND-IN for what the real management server does before it serves: it
refuses to start without a reachable database holding the schema, upgrades the
schema cloudstack-setup-databases left at 4.0.0 to the package's version and
saves the default configuration values, and on the first start it creates the
SSH key pair it adds KVM hosts with. The API answers only after this."""
import os
import subprocess
import sys

sys.path.insert(0, "/usr/share/cloudstack-management/standin")
from dbprops import read_properties  # noqa: E402

PACKAGE_VERSION = "4.19.3.0"
# Columns the upgrades add to cloud.configuration (ConfigurationVO's columns,
# framework/config/src/main/java/org/apache/cloudstack/framework/config/impl/ConfigurationVO.java@4.19.3.0:50-84).
CONFIGURATION_COLUMNS = [
    ("default_value", "VARCHAR(8191)"),
    ("is_dynamic", "TINYINT(1) NOT NULL DEFAULT 0"),
    ("scope", "VARCHAR(255)"),
    ("updated", "DATETIME"),
    ("group_id", "BIGINT UNSIGNED DEFAULT 1"),
    ("subgroup_id", "BIGINT UNSIGNED DEFAULT 1"),
    ("parent", "VARCHAR(255)"),
    ("display_text", "VARCHAR(255)"),
    ("kind", "VARCHAR(255)"),
    ("options", "VARCHAR(255)"),
]
# Defaults persistDefaultValues() saves when missing
# (server/src/main/java/com/cloud/server/ConfigurationServerImpl.java@4.19.3.0:181-205),
# here the two the usage server cannot start without
# (server/src/main/java/com/cloud/configuration/Config.java@4.19.3.0:1215-1230).
DEFAULTS = [
    ("Usage", "usage.stats.job.aggregation.range", "1440"),
    ("Usage", "usage.stats.job.exec.time", "00:15"),
]

props = read_properties()
home = "/var/lib/cloudstack/management"


def sql(statement):
    return subprocess.run(
        ["mysql", "--defaults-extra-file=/dev/stdin", "-h", props["db.cloud.host"], "-P", props["db.cloud.port"], "-u", props["db.cloud.username"],
         "-N", "-e", statement],
        input="[client]\npassword=%s\n" % props["db.cloud.password"], text=True, capture_output=True)


check = sql("SELECT COUNT(*) FROM cloud.version")
if check.returncode != 0 or check.stdout.strip() in ("", "0"):
    sys.exit("cannot use the cloud database at %s:%s: %s" % (props["db.cloud.host"], props["db.cloud.port"], check.stderr.strip() or "no schema"))

# DatabaseUpgradeChecker runs the upgrades from the database's version to the package's before anything else
# (engine/schema/src/main/java/com/cloud/upgrade/DatabaseUpgradeChecker.java@4.19.3.0:440-475).
if sql("SELECT COUNT(*) FROM cloud.version WHERE version = '%s'" % PACKAGE_VERSION).stdout.strip() == "0":
    existing = set(sql("SELECT column_name FROM information_schema.columns WHERE table_schema = 'cloud' AND table_name = 'configuration'").stdout.split())
    for column, kind in CONFIGURATION_COLUMNS:
        if column not in existing:
            done = sql("ALTER TABLE cloud.configuration ADD COLUMN `%s` %s" % (column, kind))
            if done.returncode != 0:
                sys.exit("schema upgrade failed: %s" % done.stderr.strip())
    for category, name, value in DEFAULTS:
        sql("INSERT IGNORE INTO cloud.configuration (category, instance, component, name, value, default_value, description) "
            "VALUES ('%s', 'DEFAULT', 'management-server', '%s', '%s', '%s', '')" % (category, name, value, value))
    done = sql("INSERT INTO cloud.version (version, updated, step) VALUES ('%s', NOW(), 'Complete')" % PACKAGE_VERSION)
    if done.returncode != 0:
        sys.exit("schema upgrade failed: %s" % done.stderr.strip())

os.makedirs(home + "/.ssh", mode=0o700, exist_ok=True)
if not os.path.exists(home + "/.ssh/id_rsa"):
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "cloud@management", "-f", home + "/.ssh/id_rsa"], check=True)
