#!/usr/bin/env python3
"""Memory per element of one large hash, sorted set and list, and of many small
sorted sets: cedis vs redis-server.

Loads N (default 1,000,000) fields into one hash (`field:%d` -> `value:%d`),
N members into one sorted set (`member:%d`, score i), N elements into one
list (`element:%d`), and N members into N/10 sorted sets of 10 (`zs:%d`, one
ZADD of 10 `member:%d` with score i each: listpack encoded), each type into a
*fresh* server, with pipelined RESP
(variadic HSET/ZADD/RPUSH of PER_CMD items, PIPELINE commands per write) over
one TCP connection, and reads VmRSS from /proc/<pid>/status before and after
(after a short settle). Prints bytes per element for each server and the
ratio cedis/redis.

Usage: scripts/mem-collections.py [--n 1000000] [--cedis target/release/cedis-server]
                                   [--redis /usr/bin/redis-server]
                                   [--types hash,zset,list,zsetsmall]
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

PER_CMD = 100  # items per HSET/ZADD/RPUSH
PIPELINE = 200  # commands in flight per write


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def encode(args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_replies(sock, buf, n):
    """Reads n simple replies (integers/status/errors); returns the rest of buf."""
    got = 0
    while True:
        while got < n:
            i = buf.find(b"\r\n")
            if i < 0:
                break
            line, buf = buf[:i], buf[i + 2:]
            if line[:1] == b"-":
                raise RuntimeError("server error: %r" % line)
            got += 1
        if got == n:
            return buf
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise RuntimeError("connection closed")
        buf += chunk


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def start(kind, binary, port, tmp):
    if kind == "redis":
        args = [binary, "--port", str(port), "--save", "", "--appendonly", "no",
                "--dir", tmp]
    else:
        args = [binary, "--port", str(port), "--dir", tmp]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(encode(["PING"]))
            if s.recv(100).startswith(b"+PONG"):
                return proc, s
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("%s did not start" % kind)


SMALL = 10  # members per sorted set of the `zsetsmall` case

# The key whose OBJECT ENCODING is reported, per type.
PROBE = {"hash": "h", "zset": "z", "list": "l", "zsetsmall": "zs:0"}


def load(sock, typ, n):
    cmds = []
    if typ == "zsetsmall":
        for k in range(n // SMALL):
            args = ["ZADD", "zs:%d" % k]
            for i in range(k * SMALL, (k + 1) * SMALL):
                args += [str(i), "member:%d" % i]
            cmds.append(encode(args))
    for start_i in range(0, n if typ != "zsetsmall" else 0, PER_CMD):
        rng = range(start_i, min(n, start_i + PER_CMD))
        if typ == "hash":
            args = ["HSET", "h"]
            for i in rng:
                args += ["field:%d" % i, "value:%d" % i]
        elif typ == "zset":
            args = ["ZADD", "z"]
            for i in rng:
                args += [str(i), "member:%d" % i]
        else:
            args = ["RPUSH", "l"]
            for i in rng:
                args.append("element:%d" % i)
        cmds.append(encode(args))
    buf = b""
    for k in range(0, len(cmds), PIPELINE):
        batch = cmds[k:k + PIPELINE]
        sock.sendall(b"".join(batch))
        buf = read_replies(sock, buf, len(batch))


def measure(kind, binary, typ, n):
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        proc, sock = start(kind, binary, port, tmp)
        try:
            time.sleep(0.3)
            before = rss_kb(proc.pid)
            t0 = time.time()
            load(sock, typ, n)
            took = time.time() - t0
            time.sleep(1.0)
            after = rss_kb(proc.pid)
            sock.sendall(encode(["OBJECT", "ENCODING", PROBE[typ]]))
            enc = sock.recv(100).split(b"\r\n")[1].decode()
        finally:
            sock.close()
            proc.kill()
            proc.wait()
    return before, after, took, enc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--cedis", default="target/release/cedis-server")
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--types", default="hash,zset,list,zsetsmall")
    a = ap.parse_args()
    types = a.types.split(",")
    print("n=%d, %d items per command, pipeline depth %d, one connection" % (a.n, PER_CMD, PIPELINE))
    print("| type | server | encoding | RSS before (KiB) | RSS after (KiB) | bytes/element | load s |")
    print("|---|---|---|---|---|---|---|")
    per = {}
    for typ in types:
        for kind, binary in (("redis", a.redis), ("cedis", a.cedis)):
            before, after, took, enc = measure(kind, binary, typ, a.n)
            b = (after - before) * 1024 / a.n
            per[(typ, kind)] = b
            print("| %s | %s | %s | %d | %d | %.1f | %.1f |" % (typ, kind, enc, before, after, b, took))
            sys.stdout.flush()
    print()
    for typ in types:
        r, c = per[(typ, "redis")], per[(typ, "cedis")]
        print("%s: cedis %.1f B/elem, redis %.1f B/elem, ratio cedis/redis %.2f" % (typ, c, r, c / r))


if __name__ == "__main__":
    main()
