"""db.properties as the stand-in setup tool writes it: secrets as ENC(...)
under the management server key in /etc/cloudstack/management/key (a simple
keyed stream cipher: a stand-in for jasypt, which stdlib Python lacks)."""
import base64
import hashlib

CONF = "/etc/cloudstack/management"


def _stream(key, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(("%s:%d" % (key, counter)).encode()).digest()
        counter += 1
    return out[:length]


def encrypt(value, key):
    data = value.encode()
    return "ENC(%s)" % base64.b64encode(bytes(a ^ b for a, b in zip(data, _stream(key, len(data))))).decode()


def decrypt(value, key):
    if not (value.startswith("ENC(") and value.endswith(")")):
        return value
    data = base64.b64decode(value[4:-1])
    return bytes(a ^ b for a, b in zip(data, _stream(key, len(data)))).decode()


def read_properties():
    with open(CONF + "/key") as f:
        key = f.read().strip()
    props = {}
    with open(CONF + "/db.properties") as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                name, value = line.rstrip("\n").split("=", 1)
                props[name] = decrypt(value, key)
    return props
