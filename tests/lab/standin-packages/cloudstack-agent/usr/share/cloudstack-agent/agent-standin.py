#!/usr/bin/python3
"""STAND-IN for the CloudStack KVM agent: connects to host:port from
agent.properties (the management server's agent port 8250) and holds the
connection, reconnecting like the real agent does."""
import socket
import time


def properties():
    props = {}
    with open("/etc/cloudstack/agent/agent.properties") as f:
        for line in f:
            if "=" in line:
                key, value = line.strip().split("=", 1)
                props[key] = value
    return props


while True:
    props = properties()
    host, port = props.get("host", ""), int(props.get("port", "8250"))
    try:
        with socket.create_connection((host, port), timeout=10) as conn:
            print(time.strftime("%F %T"), "connected to", host, port, flush=True)
            conn.settimeout(None)
            while conn.recv(4096):
                pass
        print(time.strftime("%F %T"), "disconnected from", host, port, flush=True)
    except OSError as err:
        print(time.strftime("%F %T"), "cannot connect to %s:%d: %s" % (host, port, err), flush=True)
    time.sleep(5)
