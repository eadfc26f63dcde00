#!/usr/bin/env python3
"""The testbed's binary cache: a `file://` cache directory served over HTTP.

    testbed_cache_server.py DIR ADDRESS PORT LOG TESTBED_DIR

Logs every request, one line each, with the client's address and the testbed
host that opened the connection. The hosts share this machine's network
namespace, so every connection they open comes from 127.0.0.1: the host is
found by the process that holds the client's socket (/proc/net/tcp, then
/proc/PID/fd) and the host whose /nix that process has mounted, as
`scripts/testbed` finds a host's processes. A line:

    127.0.0.1:41234 host=h1 addr=127.77.0.11 "GET /nar/x.nar.zst HTTP/1.1" 200
"""
import functools
import http.server
import os
import re
import socket
import sys
import threading

cache_dir, address, port, log_path, testbed_dir = sys.argv[1:6]
host_net = address.rsplit(".", 1)[0]
mount_mark = re.compile(r" " + re.escape(testbed_dir) + r"/hosts/(h[0-9]+)/nix /nix ")
log_lock = threading.Lock()


def hex_endpoint(ip, port):
    return "%s:%04X" % (socket.inet_aton(ip)[::-1].hex().upper(), port)


def socket_inode(client, server):
    want_local, want_remote = hex_endpoint(*client), hex_endpoint(*server)
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want_local and fields[2] == want_remote:
                return fields[9]
    return None


def host_of(client, server):
    """The testbed host whose process holds the client end of this connection."""
    inode = socket_inode(client, server)
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
            if not any(os.readlink("/proc/%s/fd/%s" % (pid, fd)) == target for fd in fds):
                continue
            with open("/proc/%s/mountinfo" % pid) as f:
                found = mount_mark.search(f.read())
            return found.group(1) if found else None
        except OSError:
            continue
    return None


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        client = self.client_address
        host = host_of(client, self.connection.getsockname())
        addr = "%s.%d" % (host_net, 10 + int(host[1:])) if host else client[0]
        line = '%s:%d host=%s addr=%s "%s" %s\n' % (
            client[0], client[1], host or "-", addr, self.requestline, code)
        with log_lock, open(log_path, "a") as log:
            log.write(line)

    def log_message(self, format, *args):
        pass


http.server.ThreadingHTTPServer.allow_reuse_address = True
server = http.server.ThreadingHTTPServer(
    (address, int(port)), functools.partial(Handler, directory=cache_dir))
server.serve_forever()
