#!/usr/bin/python3
"""STAND-IN for what the real management server does before it serves: it
refuses to start without a reachable database holding the schema, refuses a
database newer than itself, upgrades the schema to the package's version
(from the 4.0.0 cloudstack-setup-databases leaves, or from an older release
after a package upgrade) and saves the default configuration values; an
upgrade from another release line makes sure of that line's SystemVM
template; on the first start it creates the SSH key pair it adds KVM hosts
with. The API answers only after this.

/etc/cloudstack/management/standin-no-bundled-template (tests only): the
package's own template cannot be registered (the real package without its
templates/systemvm files, or with a checksum mismatch).
"""
import atexit
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, "/usr/share/cloudstack-management/standin")
from dbprops import decrypt, encrypt, read_properties  # noqa: E402

# The package's release and the SystemVM template it registers (written by build-repo.sh; the real one
# reads its own jar's implementation version, DatabaseUpgradeChecker.java@4.19.3.0:452, and the template
# from templates/systemvm/metadata.ini, SystemVmTemplateRegistration.java@4.19.3.0:92-94).
RELEASE_FILE = "/usr/share/cloudstack-management/release"
PACKAGE_VERSION, TEMPLATE_NAME = (open(RELEASE_FILE).read().split() + ["", ""])[:2] if os.path.exists(RELEASE_FILE) else ("4.19.3.0", "systemvm-kvm-4.19.1")
NO_BUNDLED_TEMPLATE = "/etc/cloudstack/management/standin-no-bundled-template"
STATE_FILE = "/var/lib/cloudstack/management/standin-state.json"
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
# The database hosts in the order a new connection tries them: db.cloud.host, then with db.ha.enabled the
# replicas (framework/db/src/main/java/com/cloud/utils/db/TransactionLegacy.java@4.19.3.0:1028-1030,1165-1175).
DB_HOSTS = [props["db.cloud.host"]] + ([h.strip() for h in props.get("db.cloud.replicas", "").split(",") if h.strip()] if props.get("db.ha.enabled") == "true" else [])
# mysql client errors of a host that is not there or not in the cluster's primary component: try the next one.
UNREACHABLE = ("ERROR 2002", "ERROR 2003", "ERROR 2013", "ERROR 1047")

# The password in a 0600 option file, the statements on stdin: neither on a command line.
_fd, DEFAULTS_FILE = tempfile.mkstemp(prefix="standin-first-start-", suffix=".cnf")
with os.fdopen(_fd, "w") as _f:
    _f.write('[client]\nuser=%s\npassword="%s"\n' % (props["db.cloud.username"], props["db.cloud.password"].replace("\\", "\\\\").replace('"', '\\"')))
atexit.register(os.unlink, DEFAULTS_FILE)


def sql(statement):
    result = None
    for host in DB_HOSTS:
        result = subprocess.run(
            ["mysql", "--defaults-extra-file=" + DEFAULTS_FILE, "--protocol=TCP", "-h", host, "-P", props["db.cloud.port"], "--connect-timeout=3", "-N", "-B", "--raw"],
            input=statement + ";\n", text=True, capture_output=True)
        if result.returncode == 0 or not result.stderr.startswith(UNREACHABLE):
            return result
    return result


check = sql("SELECT COUNT(*) FROM cloud.version")
if check.returncode != 0 or check.stdout.strip() in ("", "0"):
    sys.exit("cannot use the cloud database at %s:%s: %s" % (",".join(DB_HOSTS), props["db.cloud.port"], check.stderr.strip() or "no schema"))

def parts(version):
    return tuple(int(p) for p in version.split("."))


def line(version):
    return ".".join(version.split(".")[:2])


# VersionDaoImpl.getCurrentVersion: the newest version whose upgrade completed.
done = [v for v in sql("SELECT version FROM cloud.version WHERE step = 'Complete'").stdout.split() if v]
db_version = max(done, key=parts) if done else "4.0.0"
# engine/schema/src/main/java/com/cloud/upgrade/DatabaseUpgradeChecker.java@4.19.3.0:466-467: a database newer
# than the software stops the start.
if parts(db_version + ".0" * (4 - len(db_version.split(".")))) > parts(PACKAGE_VERSION):
    sys.exit("Database version %s is higher than management software version %s" % (db_version, PACKAGE_VERSION))


def live(rows):
    return [r for r in rows if not r.get("removed")]


def make_template_sure():
    """SystemVmTemplateRegistration.updateSystemVmTemplates (SystemVmTemplateRegistration.java@4.19.3.0:887-935):
    a template of the new release's name already registered becomes SYSTEM (:903-907); otherwise the package's
    own file is registered in every zone with an NFS image store (:788-860), and when that cannot be done the
    upgrade fails (:909-915) and the server does not start."""
    stored = shared_cloud()
    if stored is None and not os.path.exists(STATE_FILE):
        return
    if stored is not None:
        version, state = stored
    else:
        with open(STATE_FILE) as f:
            state = json.load(f)
    templates = state.setdefault("templates", [])
    named = [t for t in templates if t.get("name") == TEMPLATE_NAME]
    if named:
        for t in named:
            t["type"] = "SYSTEM"
    else:
        if os.path.exists(NO_BUNDLED_TEMPLATE):
            sys.exit("%s KVM SystemVm template not found. Cannot upgrade system Vms" % TEMPLATE_NAME.split("-")[2])
        zones = {s["zoneId"] for s in live(state.get("imageStores", []))}
        template_id = str(uuid.uuid4())
        for zone in live(state.get("zones", [])):
            if zone["id"] in zones:
                templates.append({"templateId": template_id, "name": TEMPLATE_NAME, "zoneId": zone["id"], "readyAt": int(time.time() * 1000), "type": "SYSTEM"})
    if stored is not None:
        # The servers' compare-and-swap on the version (tests/standin/sharedCloud.ts).
        encoded = base64.b64encode(json.dumps(state).encode()).decode()
        done = sql("UPDATE cloud.standin_cloud SET doc = FROM_BASE64('%s'), version = version + 1 WHERE id = 1 AND version = %d; SELECT ROW_COUNT()" % (encoded, version))
        if done.returncode != 0 or done.stdout.strip() != "1":
            sys.exit("schema upgrade failed: the cloud changed while its templates were updated: %s" % done.stderr.strip())
        return
    temp = STATE_FILE + ".first-start.tmp"
    with open(temp, "w") as f:
        json.dump(state, f)
    os.chmod(temp, 0o600)
    os.replace(temp, STATE_FILE)


def shared_cloud():
    """The cloud the management servers keep in the database (tests/standin/sharedCloud.ts), or None before the first start."""
    found = sql("SELECT version, REPLACE(TO_BASE64(doc), '\\n', '') FROM cloud.standin_cloud WHERE id = 1")
    if found.returncode != 0 or not found.stdout.strip():
        return None
    version, doc = found.stdout.strip().split("\t")
    return int(version), json.loads(base64.b64decode(doc))


# DatabaseUpgradeChecker runs the upgrades from the database's version to the package's before anything else
# (engine/schema/src/main/java/com/cloud/upgrade/DatabaseUpgradeChecker.java@4.19.3.0:440-475); each writes its
# `version` row, Complete when done (:366-367, :407-409).
if db_version != PACKAGE_VERSION:
    existing = set(sql("SELECT column_name FROM information_schema.columns WHERE table_schema = 'cloud' AND table_name = 'configuration'").stdout.split())
    for column, kind in CONFIGURATION_COLUMNS:
        if column not in existing:
            done = sql("ALTER TABLE cloud.configuration ADD COLUMN `%s` %s" % (column, kind))
            if done.returncode != 0:
                sys.exit("schema upgrade failed: %s" % done.stderr.strip())
    for category, name, value in DEFAULTS:
        sql("INSERT IGNORE INTO cloud.configuration (category, instance, component, name, value, default_value, description) "
            "VALUES ('%s', 'DEFAULT', 'management-server', '%s', '%s', '%s', '')" % (category, name, value, value))
    # An upgrade between release lines carries the new line's template; the first start of a fresh install
    # (from 4.0.0) leaves that to the image store's addition (tests/standin/commands/storage.ts).
    if db_version != "4.0.0" and line(db_version) != line(PACKAGE_VERSION):
        make_template_sure()
    done = sql("INSERT INTO cloud.version (version, updated, step) VALUES ('%s', NOW(), 'Complete')" % PACKAGE_VERSION)
    if done.returncode != 0:
        sys.exit("schema upgrade failed: %s" % done.stderr.strip())

# ConfigurationServerImpl.updateKeyPairs (server/src/main/java/com/cloud/server/ConfigurationServerImpl.java@4.19.3.0:580-690):
# the first server to start makes the key pair and stores it in cloud.configuration (ssh.privatekey/ssh.publickey,
# encrypted with the database key, :636-648); every server after it writes the stored pair to ~cloud/.ssh
# (updateKeyPairsOnDisk, :732-748), so all servers log in to KVM hosts with the same key. (The real one makes
# ecdsa keys, :624; the stand-in keeps rsa, which the lab's hosts accept alike.)
db_key = props.get("db.cloud.encrypt.secret", "")
os.makedirs(home + "/.ssh", mode=0o700, exist_ok=True)


def stored_key(name):
    found = sql("SELECT value FROM cloud.configuration WHERE name = '%s'" % name)
    value = found.stdout.strip() if found.returncode == 0 else ""
    return decrypt(value, db_key) if value else ""


if not stored_key("ssh.privatekey"):
    if os.path.exists(home + "/.ssh/id_rsa"):
        os.unlink(home + "/.ssh/id_rsa")
    if os.path.exists(home + "/.ssh/id_rsa.pub"):
        os.unlink(home + "/.ssh/id_rsa.pub")
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "cloud@management", "-f", home + "/.ssh/id_rsa"], check=True)
    for name, path in (("ssh.privatekey", "/.ssh/id_rsa"), ("ssh.publickey", "/.ssh/id_rsa.pub")):
        with open(home + path) as f:
            value = encrypt(f.read(), db_key)
        # INSERT IGNORE: a server starting at the same time may have stored its pair first; the stored one is used below.
        sql("INSERT IGNORE INTO cloud.configuration (category, instance, component, name, value, description) "
            "VALUES ('Hidden', 'DEFAULT', 'management-server', '%s', '%s', 'Key for the entire CloudStack')" % (name, value))
for name, path, mode in (("ssh.privatekey", "/.ssh/id_rsa", 0o600), ("ssh.publickey", "/.ssh/id_rsa.pub", 0o644)):
    value = stored_key(name)
    if not value:
        sys.exit("the cloud's SSH key pair is not in cloud.configuration (%s)" % name)
    current = open(home + path).read() if os.path.exists(home + path) else None
    if current != value:
        temp = home + path + ".tmp"
        with open(temp, "w") as f:
            f.write(value)
        os.chmod(temp, mode)
        os.replace(temp, home + path)
