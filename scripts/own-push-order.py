#!/usr/bin/env python3
"""Where a RESP3 client's own keyspace-notification pushes land relative to
its command's reply. One connection says HELLO 3, sets
notify-keyspace-events KEA, PSUBSCRIBEs to `__key*__:*` and runs a script
of commands (every command that emits keyspace events); after each one a
PING marks the end, and every frame received in between is recorded: the
pushes (shown as `>event key`) and the reply (shown as `=` + its bytes).
With two servers the sequences are compared and the differences printed.

Usage: scripts/own-push-order.py [--redis /usr/bin/redis-server]
           [--cedis target/debug/cedis-server] [--only redis|cedis] [--flags KEA]

The script ends with a client that tracks a key it then writes (CLIENT
TRACKING ON) and a transaction mixing events and a PUBLISH.
"""

import argparse
import socket
import subprocess
import sys
import time

# (command, ...) in order; setup is part of the script and measured too.
SCRIPT = [
    "SET k v", "SET k v NX", "SET k v2 GET", "SET k v3 XX GET EX 100", "APPEND k w",
    "INCRBY n 5", "INCR n", "DECR n", "DECRBY n 2", "INCRBYFLOAT n 1.5",
    "SETRANGE k 0 x", "GETSET k y", "GETDEL k", "SET k v", "GETEX k EX 100",
    "GETEX k PERSIST", "MSET a 1 b 2", "MSETNX c 1 d 2", "SETNX e 1", "SETEX f 100 v",
    "PSETEX g 100000 v", "SETBIT bm 3 1", "BITFIELD bf SET u8 0 7",
    "BITOP OR bo bm bf", "RENAME a a2", "RENAMENX a2 a3", "COPY a3 a4",
    "MOVE a4 1", "EXPIRE b 100", "PEXPIRE b 100000", "EXPIREAT b 99999999999",
    "PERSIST b", "DEL b c", "UNLINK d", "LPUSH l a b", "RPUSH l c", "LPUSHX l d",
    "RPUSHX l e", "LINSERT l BEFORE a z", "LSET l 0 q", "LREM l 1 z", "LTRIM l 0 3",
    "LMOVE l l2 LEFT RIGHT", "RPOPLPUSH l l2", "RPOPLPUSH l2 l2", "LPOP l",
    "RPOP l", "LMPOP 1 l2 LEFT COUNT 10", "RPUSH l a b c", "BLPOP l 0",
    "BRPOP l 0", "BLMOVE l l3 LEFT LEFT 0", "BLMPOP 0 1 l3 RIGHT", "LPOP l 5",
    "HSET h f v g w", "HSETNX h x 1", "HMSET h y 2", "HINCRBY h i 2",
    "HINCRBYFLOAT h j 1.5", "HDEL h f g x y i j", "SADD s m n o p", "SREM s m",
    "SADD s1 x", "SPOP s1", "SMOVE s s2 n", "SMOVE s s2 o", "SADD s3 a b", "SINTERSTORE s4 s3 s", "SUNIONSTORE s5 s3 s2",
    "SDIFFSTORE s6 s3 s2", "ZADD z 1 m 2 n 3 o", "ZINCRBY z 2 m", "ZADD z INCR 1 n",
    "ZREM z o", "ZPOPMIN z", "ZPOPMAX z", "ZADD z 1 a 2 b 3 c 4 d", "BZPOPMIN z 0",
    "BZPOPMAX z 0", "ZMPOP 1 z MIN", "BZMPOP 0 1 z MAX", "ZADD z 1 a 2 b 3 c 4 d",
    "ZREMRANGEBYRANK z 0 0", "ZREMRANGEBYSCORE z 2 2", "ZREMRANGEBYLEX z [c [c",
    "ZADD z2 1 x", "ZUNIONSTORE z3 2 z z2", "ZINTERSTORE z4 2 z z2", "ZDIFFSTORE z5 2 z z2",
    "ZRANGESTORE z6 z 0 -1", "RPUSH so 3 1 2", "SORT so STORE so2", "GET missing",
    "SADD sa 1 2 3", "SPOP sa 3", "SADD sa a b c", "SADD sb x", "SMOVE sa sb c", "SADD sc x y",
    "SINTERSTORE sd sb sc", "SINTERSTORE sd sa sc", "ZADD za 1 a 2 b 3 c", "ZPOPMIN za 2",
    "ZADD zb 1 c", "ZINTERSTORE zc 2 za zb", "ZINTERSTORE zc 2 zb nope", "SORT nope STORE so2",
    "COPY so so2 REPLACE", "RPUSH lc a b c", "LPOP lc 2", "RPOP lc 2", "SET gx v",
    "GETEX gx PX 100000", "GETEX gx PXAT 1", "ZRANGESTORE z6 nope 0 -1", "ZADD za GT CH 5 c", "HSET hd a 1", "HDEL hd a",
    "SET e2 v PX 10", "~GET e2", "SET p v", "PEXPIREAT p 1", "SET t v", "SWAPDB 0 1",
    "SWAPDB 0 1", "FLUSHDB", "PUBLISH __keyevent@0__:me hi",
    # A transaction is one entry (`;` separates commands): PING would be queued.
    "CLIENT TRACKING ON", "GET tk", "SET tk v", "GET tk", "MULTI; SET tk w; EXEC",
    "MULTI; SET m1 v; GETDEL m1; LPUSH ml a; PUBLISH __keyevent@0__:me x; EXEC",
]


def resp(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Reader:
    def __init__(self, sock):
        self.sock, self.buf = sock, b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def frame(self):
        """One frame as (kind, raw bytes, parsed value). Pushes met inside
        an aggregate (Redis writes some between a reply's elements) are
        taken out of it: `self.inner` gets (offset in raw, push) for each."""
        self.inner = []
        return self._frame(0)

    def _frame(self, at):
        line = self.line()
        t, rest = line[:1], line[1:]
        raw = line + b"\r\n"
        if t in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return t, raw, None
            data = self.exact(n)
            return t, raw + data + b"\r\n", data
        if t in (b"*", b">", b"~", b"%"):
            n = int(rest)
            if n < 0:
                return t, raw, None
            n *= 2 if t == b"%" else 1
            items = []
            while len(items) < n:
                kind, r, v = self._frame(at + len(raw))
                if kind == b">" and t != b">":
                    self.inner.append((at + len(raw), (kind, r, v)))
                    continue
                raw += r
                items.append(v)
            return t, raw, items
        return t, raw, rest


def show_reply(raw, inner):
    """The reply's bytes with the pushes written inside it shown in place."""
    parts, done = [], 0
    for at, push in inner:
        parts.append(raw[done:at].decode(errors="replace"))
        parts.append("[%s] " % show(*push)[1:])
        done = at
    parts.append(raw[done:].decode(errors="replace"))
    return "=" + "".join(parts).replace("\r\n", " ").strip()


def show(kind, raw, value):
    if kind == b">" and value and value[0] == b"pmessage":
        ch = value[2].decode()
        return ">%s %s" % (ch.split(":", 1)[1] if "keyevent" in ch else ch, value[3].decode())
    if kind == b">" and value and value[0] == b"message":
        return ">message %s %s" % (value[1].decode(), value[2].decode())
    if kind == b">" and value and value[0] == b"invalidate":
        return ">invalidate"
    return "=" + raw.decode(errors="replace").replace("\r\n", " ").strip()


def measure(port, flags):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    r = Reader(s)

    def cmd(*args):
        s.sendall(resp(args))
        return r.frame()

    cmd("HELLO", "3")
    cmd("FLUSHALL")
    cmd("CONFIG", "SET", "notify-keyspace-events", flags)
    cmd("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    cmd("PSUBSCRIBE", "__key*__:*")
    cmd("SUBSCRIBE", "__keyevent@0__:me")
    results = []
    for line in SCRIPT:
        if line.startswith("~"):
            time.sleep(0.05)
            line = line[1:]
        s.sendall(b"".join(resp(c.split()) for c in line.split("; ")) + resp(["PING"]))
        seq = []
        while True:
            try:
                kind, raw, value = r.frame()
            except socket.timeout:
                raise SystemExit(f"no end of {line!r} after {seq}")
            if raw == b"+PONG\r\n":
                break
            seq.append(show(kind, raw, value) if kind == b">" else show_reply(raw, r.inner))
        results.append((line, seq))
    cmd("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    s.close()
    return results


def start(binary, port):
    p = subprocess.Popen([binary, "--port", str(port), "--save", "", "--daemonize", "no"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return p
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{binary} did not start")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--cedis", default="target/debug/cedis-server")
    ap.add_argument("--only", choices=["redis", "cedis"])
    ap.add_argument("--flags", default="KEA", help="notify-keyspace-events (KEA)")
    args = ap.parse_args()
    runs = {}
    for name, binary in [("redis", args.redis), ("cedis", args.cedis)]:
        if args.only and args.only != name:
            continue
        port = free_port()
        p = start(binary, port)
        try:
            runs[name] = measure(port, args.flags)
        finally:
            p.terminate()
            p.wait()
    if len(runs) == 1:
        for line, seq in next(iter(runs.values())):
            print(f"{line:32} {' | '.join(seq)}")
        return
    diffs = 0
    for (line, want), (_, got) in zip(runs["redis"], runs["cedis"]):
        mark = "  " if want == got else "!="
        diffs += want != got
        print(f"{mark} {line:32} redis: {' | '.join(want)}")
        if want != got:
            print(f"   {'':32} cedis: {' | '.join(got)}")
    print(f"{diffs} of {len(SCRIPT)} commands differ")
    sys.exit(1 if diffs else 0)


if __name__ == "__main__":
    main()
