# Watches every process's command line on a host for secrets, as `ps` would
# show them: reads the secrets (one per line) from stdin, then samples
# /proc/*/cmdline every few milliseconds until the file named by argv[1]
# exists (announcing itself with "<that file>.started" first), and prints one line per process that showed a secret (pid and the
# secret's index, never the secret itself), then "samples N".
import os
import sys
import time

stop_file = sys.argv[1]
secrets = [line.rstrip("\n").encode() for line in sys.stdin if line.strip()]
seen = {}
samples = 0
me = str(os.getpid())
# Tells the test it is watching: "<stop file>.started" appears before the first sample.
open(stop_file + ".started", "w").close()
while not os.path.exists(stop_file):
    samples += 1
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or pid == me:
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        for index, secret in enumerate(secrets):
            if secret in cmdline:
                seen[(pid, index)] = cmdline.split(b"\0")[0].decode(errors="replace")
    time.sleep(0.005)
for (pid, index), program in sorted(seen.items()):
    print("pid %s (%s) showed secret #%d" % (pid, program, index))
print("samples %d" % samples)
