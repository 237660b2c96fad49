#!/usr/bin/python3
"""STAND-IN for what the real management server does before it serves: it
refuses to start without a reachable database holding the schema, and on the
first start it creates the SSH key pair it adds KVM hosts with."""
import os
import subprocess
import sys

sys.path.insert(0, "/usr/share/cloudstack-management/standin")
from dbprops import read_properties  # noqa: E402

props = read_properties()
home = "/var/lib/cloudstack/management"
check = subprocess.run(
    ["mysql", "--defaults-extra-file=/dev/stdin", "-h", props["db.cloud.host"], "-P", props["db.cloud.port"], "-u", props["db.cloud.username"],
     "-N", "-e", "SELECT COUNT(*) FROM cloud.version"],
    input="[client]\npassword=%s\n" % props["db.cloud.password"], text=True, capture_output=True)
if check.returncode != 0 or check.stdout.strip() in ("", "0"):
    sys.exit("cannot use the cloud database at %s:%s: %s" % (props["db.cloud.host"], props["db.cloud.port"], check.stderr.strip() or "no schema"))
os.makedirs(home + "/.ssh", mode=0o700, exist_ok=True)
if not os.path.exists(home + "/.ssh/id_rsa"):
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "cloud@management", "-f", home + "/.ssh/id_rsa"], check=True)
