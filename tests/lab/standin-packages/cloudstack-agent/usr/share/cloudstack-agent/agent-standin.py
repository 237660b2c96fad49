#!/usr/bin/python3
"""STAND-IN for the CloudStack KVM agent (cloudstack-agent.service).

Speaks the stand-in server's agent protocol (tests/standin/agent-port.ts):
connects to a management server from `host=` in agent.properties on `port=`,
sends `startup guid=<guid> version=<package version>` (the StartupCommand
carries the agent's version, which the server records:
server/src/main/java/com/cloud/resource/ResourceManagerImpl.java@4.19.3.0:2338), and on `ready hosts=<list>@<algorithm>` writes
that value to `host=` in agent.properties, as the real agent persists the
ReadyCommand's management server list (agent/src/main/java/com/cloud/agent/
Agent.java@4.19.3.0:808-815, separator IAgentShell.java@4.19.3.0:28). Then it
holds the connection; when it drops, it reconnects to the addresses before
`@` in turn (AgentShell.java@4.19.3.0:157-162, getHosts splits on ",").
On `shutdown remove=<bool>` (deleteHost's ShutdownCommand) it stops
reconnecting until the service restarts and, with remove=true, clears zone,
pod and cluster (Agent.java@4.19.3.0:637-645, 448-452).

AGENT_PROPERTIES (tests only) names another agent.properties.
"""
import os
import re
import socket
import sys
import time

PROPERTIES = os.environ.get("AGENT_PROPERTIES", "/etc/cloudstack/agent/agent.properties")
RETRY_SECONDS = float(os.environ.get("AGENT_RETRY_SECONDS", "5"))
# The package's release (written by build-repo.sh).
RELEASE_FILE = "/usr/share/cloudstack-agent/release"
VERSION = open(RELEASE_FILE).read().split()[0] if os.path.exists(RELEASE_FILE) else "4.19.3.0"


def log(*words):
    print(time.strftime("%F %T"), *words, flush=True)


def properties():
    props = {}
    with open(PROPERTIES) as f:
        for line in f:
            if "=" in line:
                key, value = line.strip().split("=", 1)
                props[key] = value
    return props


def persist(key, value):
    """AgentShell.setPersistentProperty: one key of agent.properties, set in place."""
    with open(PROPERTIES) as f:
        lines = f.read().splitlines()
    replaced = False
    for i, line in enumerate(lines):
        if line.startswith(key + "="):
            lines[i] = key + "=" + value
            replaced = True
    if not replaced:
        lines.append(key + "=" + value)
    temp = PROPERTIES + ".tmp"
    with open(temp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(temp, os.stat(PROPERTIES).st_mode & 0o777)
    os.replace(temp, PROPERTIES)


def servers(host_value):
    """AgentShell.setHosts/getHosts: the part before "@", split on ","."""
    return [h for h in host_value.split("@")[0].split(",") if h]


def session(host, port, guid):
    with socket.create_connection((host, port), timeout=10) as conn:
        log("connected to", host, port)
        conn.sendall(("startup guid=%s version=%s\n" % (guid, VERSION)).encode())
        conn.settimeout(None)
        reader = conn.makefile("r", encoding="utf-8")
        line = reader.readline().strip()
        match = re.match(r"^ready hosts=(\S+)$", line)
        if not match:
            log("refused by", host, port, repr(line))
            return
        # Agent.java@4.19.3.0:811-812: setPersistentProperty(null, "host", "<list>@<algorithm>")
        persist("host", match.group(1))
        log("ready; management servers", match.group(1))
        for line in reader:
            shutdown = re.match(r"^shutdown remove=(true|false)$", line.strip())
            if shutdown:
                log("shutdown by the management server; no reconnect until the service restarts")
                if shutdown.group(1) == "true":
                    for key in ("zone", "cluster", "pod"):
                        persist(key, "")
                return False
    log("disconnected from", host, port)
    return True


def main():
    attempt = 0
    while True:
        props = properties()
        candidates = servers(props.get("host", ""))
        if not candidates:
            log("no host= in", PROPERTIES)
            sys.exit(1)
        host = candidates[attempt % len(candidates)]
        attempt += 1
        try:
            if session(host, int(props.get("port", "8250")), props.get("guid", "")) is False:
                # _reconnectAllowed = false: the process stays, as the real agent does, until systemd restarts it.
                while True:
                    time.sleep(3600)
        except OSError as err:
            log("cannot connect to %s:%s: %s" % (host, props.get("port", "8250"), err))
        time.sleep(RETRY_SECONDS)


if __name__ == "__main__":
    main()
