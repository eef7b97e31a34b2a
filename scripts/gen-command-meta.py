#!/usr/bin/env python3
"""Generates crates/cedis-server/src/cmd/meta.rs from a running redis-server.

The data is what a real redis-server 7.0.x answers to `COMMAND INFO` and
`COMMAND DOCS` (observed over RESP3, so sets and maps are told apart); no
Redis source is read. Usage:

    scripts/gen-command-meta.py                 # starts its own redis-server
    scripts/gen-command-meta.py --port 6379     # asks a running one
    scripts/gen-command-meta.py --out path/to/meta.rs

The output is `#[rustfmt::skip]` data: one `m(...)` entry per command and
per subcommand (full name `parent|sub`), sorted by name for binary search.
Flags, ACL categories, tips and key-spec flags are space-separated strings
in the server's own order; absent optional strings are "".
"""

import argparse
import os
import random
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "..", "crates", "cedis-server", "src", "cmd", "meta.rs")


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def _fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            raise EOFError("server closed the connection")
        self.buf += d

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        i = self.buf.index(b"\r\n")
        line, self.buf = self.buf[:i], self.buf[i + 2:]
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n + 2:]
        return d

    def read(self):
        """One reply as (type, value); maps are lists of pairs."""
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return ("simple", rest.decode())
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return ("int", int(rest))
        if t == b"$":
            n = int(rest)
            return ("null", None) if n < 0 else ("bulk", self._exact(n).decode())
        if t == b"_":
            return ("null", None)
        if t in (b"*", b"~"):
            kind = "array" if t == b"*" else "set"
            return (kind, [self.read() for _ in range(int(rest))])
        if t == b"%":
            return ("map", [(self.read(), self.read()) for _ in range(int(rest))])
        raise ValueError("unexpected reply %r" % line)

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.s.sendall(out)
        return self.read()


def as_dict(m):
    assert m[0] == "map", m
    return {k[1]: v for k, v in m[1]}


def keys_of(m):
    return [k[1] for k, _ in m[1]]


def words(v, kind, elem):
    """A set/array of simple or bulk strings, as one space-separated string."""
    assert v[0] == kind, v
    out = []
    for e in v[1]:
        assert e[0] == elem, e
        assert " " not in e[1] and e[1], e
        out.append(e[1])
    return " ".join(out)


def rs(s):
    """A Rust string literal."""
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u{%x}" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def opt_str(d, key, kind="bulk"):
    if key not in d:
        return ""
    v = d[key]
    assert v[0] == kind and v[1], (key, v)
    return v[1]


def key_spec(ks):
    names = keys_of(ks)
    assert names in (["flags", "begin_search", "find_keys"],
                     ["notes", "flags", "begin_search", "find_keys"]), names
    d = as_dict(ks)
    notes = opt_str(d, "notes")
    flags = words(d["flags"], "set", "simple")
    bs = as_dict(d["begin_search"])
    assert keys_of(d["begin_search"]) == ["type", "spec"]
    bspec = as_dict(bs["spec"])
    btype = bs["type"][1]
    if btype == "index":
        assert keys_of(bs["spec"]) == ["index"]
        begin = "Bs::Index(%d)" % bspec["index"][1]
    elif btype == "keyword":
        assert keys_of(bs["spec"]) == ["keyword", "startfrom"]
        begin = "Bs::Keyword(%s, %d)" % (rs(bspec["keyword"][1]), bspec["startfrom"][1])
    else:
        assert btype == "unknown" and not bspec, bs
        begin = "Bs::Unknown"
    fk = as_dict(d["find_keys"])
    assert keys_of(d["find_keys"]) == ["type", "spec"]
    fspec = as_dict(fk["spec"])
    ftype = fk["type"][1]
    if ftype == "range":
        assert keys_of(fk["spec"]) == ["lastkey", "keystep", "limit"]
        find = "Fk::Range(%d, %d, %d)" % (fspec["lastkey"][1], fspec["keystep"][1], fspec["limit"][1])
    elif ftype == "keynum":
        assert keys_of(fk["spec"]) == ["keynumidx", "firstkey", "keystep"]
        find = "Fk::Keynum(%d, %d, %d)" % (fspec["keynumidx"][1], fspec["firstkey"][1], fspec["keystep"][1])
    else:
        assert ftype == "unknown" and not fspec, fk
        find = "Fk::Unknown"
    return "k(%s, %s, %s, %s)" % (rs(notes), rs(flags), begin, find)


ARG_KEYS = ["name", "type", "key_spec_index", "token", "since", "flags", "deprecated_since", "arguments"]


def arg(a, indent):
    names = keys_of(a)
    # The server writes the fields in a fixed order; the encoder relies on it.
    assert names == [n for n in ARG_KEYS if n in names], names
    d = as_dict(a)
    ksi = d["key_spec_index"][1] if "key_spec_index" in d else -1
    flags = words(d["flags"], "set", "simple") if "flags" in d else ""
    subs = args_list(d.get("arguments"), indent + 1)
    # A token may be present and empty (""), so it is an Option.
    token = "None"
    if "token" in d:
        assert d["token"][0] == "bulk", d["token"]
        token = "Some(%s)" % rs(d["token"][1])
    return "a(%s, %s, %d, %s, %s, %s, %s, %s)" % (
        rs(d["name"][1]), rs(d["type"][1]), ksi, token,
        rs(opt_str(d, "since")), rs(flags), rs(opt_str(d, "deprecated_since")), subs)


def args_list(v, indent):
    if v is None:
        return "&[]"
    assert v[0] == "array" and v[1], v
    return "&[" + ", ".join(arg(a, indent) for a in v[1]) + "]"


DOC_KEYS = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
            "replaced_by", "history", "arguments", "subcommands"]


def doc(m):
    names = keys_of(m)
    assert names == [n for n in DOC_KEYS if n in names], names
    d = as_dict(m)
    hist = "&[]"
    if "history" in d:
        assert d["history"][0] == "set"
        items = []
        for h in d["history"][1]:
            assert h[0] == "array" and len(h[1]) == 2 and all(x[0] == "bulk" for x in h[1]), h
            items.append("(%s, %s)" % (rs(h[1][0][1]), rs(h[1][1][1])))
        hist = "&[" + ", ".join(items) + "]"
    doc_flags = words(d["doc_flags"], "set", "simple") if "doc_flags" in d else ""
    return "d(%s, %s, %s, %s, %s, %s, %s, %s, %s)" % (
        rs(d["summary"][1]), rs(d["since"][1]), rs(d["group"][1]), rs(opt_str(d, "complexity")),
        rs(doc_flags), rs(opt_str(d, "deprecated_since")), rs(opt_str(d, "replaced_by")),
        hist, args_list(d.get("arguments"), 0))


def collect(info_entries, docs, out, parent_doc=None):
    for e in info_entries:
        assert e[0] == "array" and len(e[1]) == 10, e
        f = e[1]
        name = f[0][1]
        arity, first, last, step = f[1][1], f[3][1], f[4][1], f[5][1]
        flags = words(f[2], "set", "simple")
        acl = words(f[6], "set", "simple")
        tips = words(f[7], "set", "bulk")
        assert f[8][0] == "set"
        specs = "&[" + ", ".join(key_spec(ks) for ks in f[8][1]) + "]"
        dm = docs[name]
        out[name] = "m(%s, %d, %s, (%d, %d, %d), %s, %s, %s, %s)" % (
            rs(name), arity, rs(flags), first, last, step, rs(acl), rs(tips), specs, doc(dm))
        subs = f[9]
        assert (subs[0] == "array") == bool(subs[1]), (name, subs[0])
        if subs[1]:
            subdocs = {k[1]: v for k, v in as_dict(dm)["subcommands"][1]}
            collect(subs[1], subdocs, out)


def generate(port):
    c = Conn(port)
    hello = as_dict(c.call("HELLO", "3"))
    version = hello["version"][1]
    info = c.call("COMMAND")
    docs = {k[1]: v for k, v in c.call("COMMAND", "DOCS")[1]}
    out = {}
    collect(info[1], docs, out)
    lines = [
        "//! Command metadata observed from redis-server %s: its `COMMAND INFO`" % version,
        "//! and `COMMAND DOCS` replies for every command and subcommand.",
        "//!",
        "//! Generated by `scripts/gen-command-meta.py`; do not edit by hand.",
        "//! Entries are sorted by full name (`config|get`) for binary search.",
        "",
        "use super::command::meta_ctor::*;",
        "use super::command::{Meta, REDIS_COMMAND_COUNT};",
        "",
        "const _: () = assert!(REDIS_COMMAND_COUNT == %d);" % len(info[1]),
        "",
        "#[rustfmt::skip]",
        "pub static META: &[Meta] = &[",
    ]
    for name in sorted(out, key=lambda s: s.encode()):
        lines.append("    " + out[name] + ",")
    lines.append("];")
    return "\n".join(lines) + "\n", version, len(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, help="ask a running server instead of starting one")
    ap.add_argument("--server", default="redis-server")
    ap.add_argument("--out", default=DEFAULT_OUT)
    opts = ap.parse_args()
    proc = None
    port = opts.port
    if port is None:
        port = random.randint(20000, 29999)
        proc = subprocess.Popen([opts.server, "--port", str(port), "--save", "", "--appendonly", "no"],
                                stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.05)
    try:
        text, version, n = generate(port)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait()
    if not version.startswith("7.0."):
        print("warning: server version %s, expected 7.0.x" % version, file=sys.stderr)
    with open(opts.out, "w") as f:
        f.write(text)
    print("wrote %d entries from redis-server %s to %s" % (n, version, opts.out))


if __name__ == "__main__":
    main()
