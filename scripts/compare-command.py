#!/usr/bin/env python3
"""Compares COMMAND's replies of cedis and a real redis-server, byte for byte.

    scripts/compare-command.py --redis 6379 --cedis 6380

For every command cedis implements (its COMMAND LIST), in RESP2 and RESP3:
COMMAND INFO and COMMAND DOCS of the command and of each subcommand, COMMAND
COUNT/LIST restricted to the implemented set, COMMAND LIST FILTERBY, the
error paths, and COMMAND GETKEYS/GETKEYSANDFLAGS on sample argument lists.

Redis lists containers' subcommands and the COMMAND/LIST/DOCS entries in
hash-table order (random per process), and its containers have subcommands
cedis may not implement; those replies are compared after parsing, sorting
and restricting to the implemented set. Everything else is compared raw.
Exit status 1 on any difference.
"""

import argparse
import socket
import sys


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError
        self.buf += d

    def _line(self, pos):
        while True:
            i = self.buf.find(b"\r\n", pos)
            if i >= 0:
                return i
            self._fill()

    def _skip(self, pos):
        """End offset of the reply starting at pos (reads more as needed)."""
        end = self._line(pos)
        t, rest = self.buf[pos:pos + 1], self.buf[pos + 1:end]
        pos = end + 2
        if t in b"+-:_#,(":
            return pos
        n = int(rest)
        if t in b"$!=":
            if n < 0:
                return pos
            while len(self.buf) < pos + n + 2:
                self._fill()
            return pos + n + 2
        if n < 0:
            return pos
        count = 2 * n if t in b"%|" else n
        for _ in range(count):
            pos = self._skip(pos)
        return pos

    def raw(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        end = self._skip(0)
        data, self.buf = self.buf[:end], self.buf[end:]
        return data


def parse(data):
    """(value, rest) with maps as ('%', [(k, v)]), aggregates as (type, [..])."""
    i = data.index(b"\r\n")
    t, rest, data = data[:1], data[1:i], data[i + 2:]
    if t in b"+-:_#,(":
        return (t, rest), data
    n = int(rest)
    if t in b"$!=":
        if n < 0:
            return (t, None), data
        return (t, data[:n]), data[n + 2:]
    if n < 0:
        return (t, None), data
    items = []
    for _ in range(2 * n if t == b"%" else n):
        v, data = parse(data)
        items.append(v)
    return (t, items), data


def normalize_info(v, implemented):
    """COMMAND INFO entry with subcommands sorted and restricted."""
    t, f = v
    if f is None:
        return v
    subs = f[9]
    kept = [normalize_info(s, implemented) for s in subs[1] if s[1][0][1].decode() in implemented]
    kept.sort(key=lambda s: s[1][0][1])
    return (t, f[:9] + [(subs[0], kept)])


def normalize_doc(v, implemented):
    t, items = v
    out = []
    pairs = list(zip(items[0::2], items[1::2])) if t == b"%" or len(items) % 2 == 0 else None
    for k, val in pairs:
        if k[1] == b"subcommands":
            sp = list(zip(val[1][0::2], val[1][1::2]))
            sp = [(sk, normalize_doc(sv, implemented)) for sk, sv in sp if sk[1].decode() in implemented]
            sp.sort(key=lambda p: p[0][1])
            val = (val[0], [x for p in sp for x in p])
        out.append((k, val))
    return (t, [x for p in out for x in p])


GETKEYS_CASES = [
    ["get", "k"], ["get", "a", "b"], ["set", "k", "v"], ["set", "k", "v", "GET"], ["set", "k", "v", "px", "1", "get"],
    ["mset", "a", "1", "b", "2"], ["mset", "a"], ["mset", "a", "b", "c"], ["msetnx", "a", "1", "b", "2"],
    ["mget", "a", "b", "c"], ["del", "a", "b"], ["exists", "a"], ["touch", "a", "b"], ["unlink", "x"],
    ["rename", "a", "b"], ["renamenx", "a", "b"], ["copy", "a", "b", "db", "1"], ["move", "a", "1"],
    ["lcs", "a", "b", "len"], ["getex", "k", "ex", "1"], ["getdel", "k"], ["append", "k", "v"],
    ["object", "freq", "k"], ["object", "encoding", "k"], ["object", "help"], ["object", "nope", "k"],
    ["object", "freq"], ["ping", "x"], ["echo", "x"], ["keys", "*"], ["scan", "0"], ["expire", "k", "1"],
    ["nope", "x"], ["config", "get", "x"], ["client", "id", "x"], ["client", "nope"], ["command", "info", "x"],
    ["sort", "k", "by", "x", "store", "d"], ["sort_ro", "k"], ["migrate", "h", "1", "", "0", "5", "KEYS", "a", "b"],
    ["bitfield", "k", "get", "u8", "0"], ["bitfield", "k", "set", "u8", "0", "1"], ["eval", "s", "1", "a"],
    ["eval", "s", "2", "a"], ["zunionstore", "d", "2", "a", "b"], ["xread", "streams", "a", "b", "0", "0"],
    ["lmpop", "2", "a", "b", "left"], ["georadius", "k", "1", "2", "3", "m", "store", "x"], ["GET", "K"],
    ["Set", "k", "v"], ["substr", "k", "0", "1"], ["setrange", "k", "0", "v"], ["incrbyfloat", "k", "1"],
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis", type=int, required=True)
    ap.add_argument("--cedis", type=int, required=True)
    ap.add_argument("-v", action="store_true", help="print the differing bytes")
    opts = ap.parse_args()
    failures = 0
    checks = 0

    def report(what, a, b):
        nonlocal failures, checks
        checks += 1
        if a != b:
            failures += 1
            print("DIFF %s" % (what,))
            if opts.v:
                print("  redis: %r" % a[:2000])
                print("  cedis: %r" % b[:2000])

    for proto in ("2", "3"):
        r, c = Conn(opts.redis), Conn(opts.cedis)
        r.raw("HELLO", proto)
        c.raw("HELLO", proto)
        listing, _ = parse(c.raw("COMMAND", "LIST"))
        ours = {x[1].decode() for x in listing[1]}
        top = sorted(n for n in ours if "|" not in n)
        report((proto, "COUNT"), c.raw("COMMAND", "COUNT"), b":%d\r\n" % len(top))
        rlist, _ = parse(r.raw("COMMAND", "LIST"))
        # Commands Redis 7.0 does not have (kept on purpose, e.g. 7.2
        # subcommands) are listed, not compared.
        implemented = ours & {x[1].decode() for x in rlist[1]}
        if proto == "2":
            for extra in sorted(ours - implemented):
                print("NOTE not in redis-server 7.0: %s" % extra)
        for name in sorted(implemented):
            a, b = r.raw("COMMAND", "INFO", name), c.raw("COMMAND", "INFO", name)
            if a != b and "|" not in name:
                a = repr(normalize_info(parse(a)[0][1][0], implemented))
                b = repr(normalize_info(parse(b)[0][1][0], implemented))
            report((proto, "INFO", name), a, b)
            a, b = r.raw("COMMAND", "DOCS", name), c.raw("COMMAND", "DOCS", name)
            if a != b and "|" not in name:
                pa, pb = parse(a)[0], parse(b)[0]
                a = repr((pa[0], pa[1][0], normalize_doc(pa[1][1], implemented)))
                b = repr((pb[0], pb[1][0], normalize_doc(pb[1][1], implemented)))
            report((proto, "DOCS", name), a, b)
        # Whole-table replies: same entries once restricted and sorted.
        for sub in (["INFO"], ["DOCS"], []):
            pa, pb = parse(r.raw("COMMAND", *sub))[0], parse(c.raw("COMMAND", *sub))[0]
            if sub == ["DOCS"]:
                ea = {k[1]: normalize_doc(v, implemented) for k, v in zip(pa[1][0::2], pa[1][1::2])
                      if k[1].decode() in implemented}
                eb = {k[1]: normalize_doc(v, implemented) for k, v in zip(pb[1][0::2], pb[1][1::2])
                      if k[1].decode() in implemented}
            else:
                ea = {e[1][0][1]: normalize_info(e, implemented) for e in pa[1] if e[1][0][1].decode() in implemented}
                eb = {e[1][0][1]: normalize_info(e, implemented) for e in pb[1] if e[1][0][1].decode() in implemented}
            report((proto, "COMMAND", *sub, "all"), (pa[0], sorted(ea.items())), (pb[0], sorted(eb.items())))
        for args in (["INFO", "nope", "get", "client|id", "GET|x", "object|FREQ", "a|b|c"],
                     ["DOCS", "nope", "Get", "object|freq"], ["DOCS", "nope"],
                     ["LIST", "FILTERBY"], ["LIST", "x"], ["LIST", "FILTERBY", "x", "y"],
                     ["LIST", "FILTERBY", "MODULE", "x"], ["LIST", "FILTERBY", "pattern", "x", "y"],
                     ["COUNT", "x"], ["nope"], ["HELP"], ["help", "x"], ["GETKEYS"], ["GETKEYS", "get"]):
            report((proto, "COMMAND", *args), r.raw("COMMAND", *args), c.raw("COMMAND", *args))
        for how, arg in (("ACLCAT", "keyspace"), ("ACLCAT", "String"), ("ACLCAT", "@read"), ("ACLCAT", "nope"),
                         ("ACLCAT", "slow"), ("ACLCAT", "connection"), ("ACLCAT", "dangerous"),
                         ("PATTERN", "*"), ("PATTERN", "obj*"), ("PATTERN", "OBJECT|*"), ("PATTERN", "*e?"),
                         ("PATTERN", "[a-c]*")):
            pa, _ = parse(r.raw("COMMAND", "LIST", "FILTERBY", how, arg))
            pb, _ = parse(c.raw("COMMAND", "LIST", "FILTERBY", how, arg))
            ra = sorted(x[1] for x in pa[1] if x[1].decode() in implemented)
            rb = sorted(x[1] for x in pb[1] if x[1].decode() in implemented)
            report((proto, "LIST FILTERBY", how, arg), ra, rb)
        for args in GETKEYS_CASES:
            if args[0].lower() not in implemented:
                continue
            for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
                report((proto, sub, *args), r.raw("COMMAND", sub, *args), c.raw("COMMAND", sub, *args))
    print("%d checks, %d differences" % (checks, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
