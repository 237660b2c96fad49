#!/usr/bin/python3
"""STAND-IN for the usage server. It starts as the real one does: it reads the
management server's configuration from cloud.configuration and exits when it
cannot (systemd starts it again 10 s later), so started on a schema the
management server has not upgraded yet it fails until the first start is done.
Once running it logs once a minute whether the usage database answers."""
import subprocess
import sys
import time

sys.path.insert(0, "/usr/share/cloudstack-management/standin")
from dbprops import read_properties  # noqa: E402


def query(prefix, statement):
    return subprocess.run(["mysql", "--defaults-extra-file=/dev/stdin", "-h", props[prefix + ".host"], "-P", props[prefix + ".port"], "-u", props[prefix + ".username"],
                           "-N", "-B", "-e", statement],
                          input="[client]\npassword=%s\n" % props[prefix + ".password"], text=True, capture_output=True)


def log(*words):
    print(time.strftime("%Y-%m-%d %H:%M:%S"), *words, flush=True)


# Started at install, before cloudstack-setup-databases, it has no database to read and exits (systemd retries).
try:
    props = read_properties()
except OSError as err:
    log("ERROR cannot read the database settings: %s" % err)
    sys.exit(1)

# UsageManagerImpl.configure reads every DEFAULT row through ConfigurationVO, whose columns
# (default_value ... options) exist only once the management server has upgraded the schema
# (framework/config/src/main/java/org/apache/cloudstack/framework/config/dao/ConfigurationDaoImpl.java@4.19.3.0:71-82,
# framework/config/src/main/java/org/apache/cloudstack/framework/config/impl/ConfigurationVO.java@4.19.3.0:37-84);
# an SQL error there is fatal (usage/src/main/java/com/cloud/usage/UsageManagerImpl.java@4.19.3.0:230-239,
# framework/db/src/main/java/com/cloud/utils/db/GenericDaoBase.java@4.19.3.0:433).
select = ("SELECT instance, component, name, value, default_value, description, category, is_dynamic, scope, updated, "
          "group_id, subgroup_id, parent, display_text, kind, options FROM cloud.configuration WHERE instance = 'DEFAULT'")
rows = query("db.cloud", select)
if rows.returncode != 0:
    log("ERROR Unhandled configuration exception: DB Exception on: " + select + ": " + rows.stderr.strip())
    sys.exit(1)
configs = {}
for line in rows.stdout.splitlines():
    fields = line.split("\t")
    if fields[3] != "NULL":
        configs[fields[2]] = fields[3]
exec_time, aggregation_range = configs.get("usage.stats.job.exec.time"), configs.get("usage.stats.job.aggregation.range")
# usage/src/main/java/com/cloud/usage/UsageManagerImpl.java@4.19.3.0:259-263 (the defaults are saved by the management server's first start)
if exec_time is None or aggregation_range is None:
    log("ERROR Missing configuration values for usage job, usage.stats.job.exec.time = %s, usage.stats.job.aggregation.range = %s" % (exec_time, aggregation_range))
    sys.exit(1)
# usage/src/main/java/com/cloud/usage/UsageServer.java@4.19.3.0:60
log("INFO UsageServer ready...")

while True:
    check = query("db.usage", "SELECT COUNT(*) FROM cloud_usage.usage_event")
    log("usage database", "ok" if check.returncode == 0 else "unreachable: " + check.stderr.strip())
    time.sleep(60)
