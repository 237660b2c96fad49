#!/usr/bin/python3
"""The lab's one bridge to the machine, in a single process.

* Forwards: 127.0.0.1:<ssh base+i> on the machine leads to port 22 of host i
  (management address) inside the lab, and 127.0.0.1:<api base+i> to its port
  8080 (a management server's API). The machine has no interface or route
  into the lab: each outgoing socket is created inside the lab's network
  namespace (setns(2) via ctypes; Python 3.11 has no os.setns).
* apt proxy: an HTTP proxy on the lab's management gateway. It fetches only
  GET/HEAD over plain http from the machine's own Debian mirror hosts and
  answers 403 to everything else (other hosts, CONNECT, other methods).
  Downloaded pool .debs are cached, so several hosts installing the same
  packages fetch them once. http://<proxy>/local/... is served from the
  optional --local-dir (the lab's own apt repository and files).

SIGHUP makes it read the hosts file again (a host was added).
"""
import argparse
import ctypes
import http.client
import http.server
import os
import selectors
import signal
import socket
import sys
import threading
import urllib.parse

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class LabNetns:
    """Creates sockets in the lab's network namespace; everything else stays on the machine."""

    def __init__(self, path):
        self._lab = os.open(path, os.O_RDONLY)
        self._machine = os.open("/proc/thread-self/ns/net", os.O_RDONLY)

    @staticmethod
    def _enter(fd):
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns: " + os.strerror(err))

    def tcp_socket(self):
        # setns changes only the calling thread, and a socket keeps the
        # namespace it was created in.
        self._enter(self._lab)
        try:
            return socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        finally:
            self._enter(self._machine)


def pump(client, upstream):
    """Copies bytes both ways until both sides have closed."""
    sel = selectors.DefaultSelector()
    peer = {client: upstream, upstream: client}
    for sock in peer:
        sel.register(sock, selectors.EVENT_READ)
    open_readers = 2
    try:
        while open_readers:
            for key, _ in sel.select():
                data = key.fileobj.recv(65536)
                if data:
                    peer[key.fileobj].sendall(data)
                    continue
                sel.unregister(key.fileobj)
                open_readers -= 1
                try:
                    peer[key.fileobj].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
    except OSError:
        pass
    finally:
        sel.close()
        client.close()
        upstream.close()


class Forwards:
    def __init__(self, netns, hosts_file, mgmt_prefix, port_bases):
        self.netns = netns
        self.hosts_file = hosts_file
        self.mgmt_prefix = mgmt_prefix
        # local port base -> port on the host
        self.port_bases = port_bases
        self.selector = selectors.DefaultSelector()
        self.listening = set()

    def reload(self):
        with open(self.hosts_file) as hosts:
            indexes = [int(line.split()[0]) for line in hosts if line.strip()]
        for index in indexes:
            if index in self.listening:
                continue
            for base, remote_port in self.port_bases.items():
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                listener.bind(("127.0.0.1", base + index))
                listener.listen(64)
                target = (f"{self.mgmt_prefix}.{10 + index}", remote_port)
                self.selector.register(listener, selectors.EVENT_READ, target)
            self.listening.add(index)

    def serve_once(self, timeout):
        for key, _ in self.selector.select(timeout):
            client, _ = key.fileobj.accept()
            threading.Thread(target=self._connect, args=(client, key.data), daemon=True).start()

    def _connect(self, client, target):
        upstream = self.netns.tcp_socket()
        try:
            upstream.settimeout(10)
            upstream.connect(target)
            upstream.settimeout(None)
        except OSError as err:
            print(f"helper: forward to {target[0]}:{target[1]} failed: {err}", file=sys.stderr, flush=True)
            client.close()
            upstream.close()
            return
        pump(client, upstream)


FORWARDED_REQUEST_HEADERS = ("Range", "If-Range", "If-Modified-Since", "If-None-Match", "Accept", "User-Agent")
FORWARDED_RESPONSE_HEADERS = {"content-type", "last-modified", "etag", "content-range", "accept-ranges", "location"}
BODYLESS_STATUSES = {204, 304}


class AptProxyHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    allowed_hosts = frozenset()
    cache_dir = ""
    own_address = ""
    local_dir = ""

    def do_GET(self):
        self._relay(send_body=True)

    def do_HEAD(self):
        self._relay(send_body=False)

    def __getattr__(self, name):
        # Every other method (CONNECT, POST, ...) is refused the same way.
        if name.startswith("do_"):
            return lambda: self._refuse("only GET and HEAD are allowed")
        raise AttributeError(name)

    def _refuse(self, why):
        self._send_text(403, why)

    def _relay(self, send_body):
        url = urllib.parse.urlsplit(self.path)
        # Local files come both directly (curl: "GET /local/...") and through the proxy (apt: "GET http://<proxy>/local/...").
        if self.local_dir and url.hostname in (None, self.own_address) and url.path.startswith("/local/"):
            return self._send_local(url.path[len("/local/"):], send_body)
        if url.scheme != "http" or url.hostname not in self.allowed_hosts or url.port not in (None, 80):
            return self._refuse(f"only http://{{{','.join(sorted(self.allowed_hosts))}}}/ may be fetched")
        if ".." in url.path.split("/"):
            return self._refuse("no '..' in paths")
        cache_file = self._cache_file(url)
        if cache_file and os.path.isfile(cache_file):
            return self._send_cached(cache_file, send_body)
        try:
            upstream = http.client.HTTPConnection(url.hostname, 80, timeout=60)
            target = url.path + ("?" + url.query if url.query else "")
            headers = {name: self.headers[name] for name in FORWARDED_REQUEST_HEADERS if name in self.headers}
            upstream.request(self.command, target, headers=headers)
            response = upstream.getresponse()
        except OSError as err:
            return self._send_text(502, f"upstream {url.hostname}: {err}")
        try:
            self._send_upstream(response, send_body, cache_file)
        finally:
            upstream.close()

    def _send_local(self, relative, send_body):
        if ".." in relative.split("/"):
            return self._refuse("no '..' in paths")
        path = os.path.join(self.local_dir, urllib.parse.unquote(relative))
        if not os.path.isfile(path):
            return self._send_text(404, f"no {relative} in the lab's local files")
        return self._send_cached(path, send_body)

    def _cache_file(self, url):
        if self.command != "GET" or "Range" in self.headers:
            return None
        if "/pool/" not in url.path or not url.path.endswith(".deb"):
            return None
        return os.path.join(self.cache_dir, url.hostname, url.path.lstrip("/"))

    def _send_cached(self, path, send_body):
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.debian.binary-package")
        self.send_header("Content-Length", str(os.path.getsize(path)))
        self.end_headers()
        if send_body:
            with open(path, "rb") as cached:
                while chunk := cached.read(1 << 20):
                    self.wfile.write(chunk)

    def _send_upstream(self, response, send_body, cache_file):
        self.send_response(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() in FORWARDED_RESPONSE_HEADERS:
                self.send_header(name, value)
        length = response.getheader("Content-Length")
        if not send_body or response.status in BODYLESS_STATUSES:
            if length is not None:
                self.send_header("Content-Length", length)
            self.end_headers()
            return
        if length is None:
            body = response.read()
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_header("Content-Length", length)
        self.end_headers()
        keep = cache_file if response.status == 200 else None
        self._stream(response, int(length), keep)

    def _stream(self, response, length, cache_file):
        partial = None
        if cache_file:
            os.makedirs(os.path.dirname(cache_file), exist_ok=True)
            partial = f"{cache_file}.{os.getpid()}.{threading.get_ident()}.part"
        received = 0
        with open(partial, "wb") if partial else open(os.devnull, "wb") as copy:
            while chunk := response.read(1 << 20):
                received += len(chunk)
                copy.write(chunk)
                self.wfile.write(chunk)
        if partial:
            # Only complete files enter the cache.
            if received == length:
                os.replace(partial, cache_file)
            else:
                os.unlink(partial)

    def _send_text(self, status, text):
        body = f"lab apt proxy: {text}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, fmt, *args):
        print("apt-proxy: " + fmt % args, file=sys.stderr, flush=True)


class AptProxyServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client hanging up mid-request is normal (apt does so); no traceback for it.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def start_apt_proxy(netns, address, port, allowed_hosts, cache_dir, local_dir):
    AptProxyHandler.allowed_hosts = frozenset(allowed_hosts)
    AptProxyHandler.cache_dir = cache_dir
    AptProxyHandler.own_address = address
    AptProxyHandler.local_dir = local_dir
    server = AptProxyServer((address, port), AptProxyHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = netns.tcp_socket()
    server.server_bind()
    server.server_activate()
    threading.Thread(target=server.serve_forever, daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--netns", required=True, help="path of the lab's network namespace")
    parser.add_argument("--hosts-file", required=True, help='lines "index name"')
    parser.add_argument("--mgmt-prefix", required=True)
    parser.add_argument("--ssh-port-base", type=int, required=True)
    parser.add_argument("--api-port-base", type=int, required=True)
    parser.add_argument("--local-dir", default="", help="served as http://<proxy>/local/")
    parser.add_argument("--proxy-address", required=True)
    parser.add_argument("--proxy-port", type=int, required=True)
    parser.add_argument("--mirror-hosts", required=True, help="comma-separated")
    parser.add_argument("--cache-dir", required=True)
    parser.add_argument("--ready-file", required=True)
    args = parser.parse_args()

    netns = LabNetns(args.netns)
    forwards = Forwards(netns, args.hosts_file, args.mgmt_prefix, {args.ssh_port_base: 22, args.api_port_base: 8080})
    reload_wanted = threading.Event()
    signal.signal(signal.SIGHUP, lambda *_: reload_wanted.set())
    try:
        forwards.reload()
        start_apt_proxy(netns, args.proxy_address, args.proxy_port,
                        args.mirror_hosts.split(","), args.cache_dir, args.local_dir)
    except OSError as err:
        print(f"helper: cannot listen: {err}", file=sys.stderr, flush=True)
        return 1
    with open(args.ready_file, "w") as ready:
        ready.write(f"{os.getpid()}\n")
    while True:
        if reload_wanted.is_set():
            reload_wanted.clear()
            try:
                forwards.reload()
            except OSError as err:
                print(f"helper: reload failed: {err}", file=sys.stderr, flush=True)
            with open(args.ready_file, "a") as ready:
                ready.write("reloaded\n")
        forwards.serve_once(0.5)


if __name__ == "__main__":
    sys.exit(main())
