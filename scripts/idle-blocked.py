#!/usr/bin/env python3
"""What idle blocked clients cost: N connections each blocked in BLPOP on its
own key (timeout 0), then the server's CPU time (utime + stime from
/proc/<pid>/stat) over an idle window, and its RSS growth per blocked
client; cedis and redis-server in the same run. Finally one LPUSH per key
checks that every client is still served.

Usage: scripts/idle-blocked.py [--clients 1000] [--idle 10]
           [--cedis target/release/cedis-server] [--redis /usr/bin/redis-server]
"""

import argparse
import os
import socket
import subprocess
import time

TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def connect(port):
    for _ in range(200):
        try:
            return socket.create_connection(("127.0.0.1", port))
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"no server on port {port}")


def measure(name, cmd, clients, idle):
    port = free_port()
    proc = subprocess.Popen(
        cmd + ["--port", str(port), "--save", "", "--appendonly", "no", "--maxclients", "10000"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        admin = connect(port)
        admin.sendall(resp("PING"))
        admin.recv(64)
        rss0 = rss_kib(proc.pid)
        conns = []
        for i in range(clients):
            c = connect(port)
            c.sendall(resp("BLPOP", f"q:{i}", 0))
            conns.append(c)
        # Wait until the server reports them all blocked.
        for _ in range(400):
            admin.sendall(resp("INFO", "clients"))
            text = admin.recv(65536).decode()
            blocked = int(text.split("blocked_clients:")[1].split()[0])
            if blocked == clients:
                break
            time.sleep(0.05)
        time.sleep(1)
        rss1 = rss_kib(proc.pid)
        t0 = cpu_ticks(proc.pid)
        time.sleep(idle)
        t1 = cpu_ticks(proc.pid)
        for i in range(clients):
            admin.sendall(resp("LPUSH", f"q:{i}", "x"))
            admin.recv(64)
        served = 0
        for c in conns:
            c.settimeout(5)
            if c.recv(64).startswith(b"*2"):
                served += 1
        cpu_ms = (t1 - t0) * 1000 / TICKS
        per_client = (rss1 - rss0) * 1024 / clients
        print(
            f"{name}: {clients} blocked, idle {idle}s: server CPU {cpu_ms:.0f} ms "
            f"({cpu_ms / idle / 10:.2f}% of a core), RSS +{per_client:.0f} B per blocked "
            f"client, served after LPUSH: {served}/{clients}"
        )
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--idle", type=float, default=10)
    ap.add_argument("--cedis", default="target/release/cedis-server")
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    a = ap.parse_args()
    measure("cedis", [a.cedis], a.clients, a.idle)
    measure("redis", [a.redis], a.clients, a.idle)


if __name__ == "__main__":
    main()
