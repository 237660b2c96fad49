#!/usr/bin/python3
"""STAND-IN for the usage server: logs once a minute whether the usage database answers."""
import subprocess
import sys
import time

sys.path.insert(0, "/usr/share/cloudstack-management/standin")
from dbprops import read_properties  # noqa: E402

while True:
    props = read_properties()
    check = subprocess.run(["mysql", "--defaults-extra-file=/dev/stdin", "-h", props["db.usage.host"], "-P", props["db.usage.port"], "-u", props["db.usage.username"],
                            "-N", "-e", "SELECT COUNT(*) FROM cloud_usage.usage_event"],
                           input="[client]\npassword=%s\n" % props["db.usage.password"], text=True, capture_output=True)
    print(time.strftime("%Y-%m-%d %H:%M:%S"), "usage database", "ok" if check.returncode == 0 else "unreachable: " + check.stderr.strip(), flush=True)
    time.sleep(60)
