#!/usr/bin/env python3
"""PUBLISH fan-out benchmark: cedis against redis-server, same machine, same run.

For each subscriber count N (default 1, 10, 100): N subscriber connections
SUBSCRIBE to one channel and drain their sockets (one epoll thread in this
process, counting bytes); redis-benchmark publishes MESSAGES messages of
SIZE bytes to that channel (CLIENTS connections, pipeline PIPELINE). The
result is PUBLISH calls per second as redis-benchmark reports it, and
delivered messages per second (calls x N); each run checks that every
subscriber received every message before the next starts.

Usage:
  scripts/bench-pubsub.py [--cedis target/release/cedis-server]
      [--redis /usr/bin/redis-server] [--subs 1,10,100] [--messages 200000]
      [--size 64] [--clients 4] [--pipeline 16] [--port-base 27400]

Both servers run with --save '' --appendonly no on loopback; nothing is
pinned (taskset is used when available with --pin).
"""

import argparse
import os
import selectors
import shutil
import socket
import subprocess
import sys
import threading
import time


def enc(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def wait_port(port, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


class Subscribers:
    """N subscribed sockets drained by one thread; counts received bytes."""

    def __init__(self, port, n, channel):
        self.socks = []
        self.sel = selectors.DefaultSelector()
        self.received = 0
        self.stop = False
        confirm = b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(channel), channel)
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.sendall(enc(b"subscribe", channel))
            got = b""
            while len(got) < len(confirm):
                got += s.recv(len(confirm) - len(got))
            assert got == confirm, got
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ)
            self.socks.append(s)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop:
            for key, _ in self.sel.select(timeout=0.1):
                try:
                    while True:
                        d = key.fileobj.recv(1 << 20)
                        if not d:
                            break
                        self.received += len(d)
                except BlockingIOError:
                    pass

    def close(self):
        self.stop = True
        self.thread.join()
        for s in self.socks:
            s.close()


def bench(port, nsubs, args):
    channel = b"bench-channel"
    payload_size = args.size
    frame = len(enc(b"message", channel, b"x" * payload_size))
    subs = Subscribers(port, nsubs, channel)
    cmd = [
        "redis-benchmark", "-p", str(port), "-q", "--csv",
        "-n", str(args.messages), "-c", str(args.clients), "-P", str(args.pipeline),
        "publish", channel.decode(), "x" * payload_size,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    # "publish ...","<rps>",...
    line = [l for l in out.splitlines() if l.startswith('"publish')][-1]
    rps = float(line.split(",")[1].strip('"'))
    expected = frame * args.messages * nsubs
    end = time.time() + 60
    while subs.received < expected and time.time() < end:
        time.sleep(0.02)
    ok = subs.received == expected
    subs.close()
    return rps, ok


def start(binary, port, name, pin):
    argv = [binary, "--port", str(port), "--save", "", "--appendonly", "no"]
    if pin and shutil.which("taskset"):
        argv = ["taskset", "-c", pin] + argv
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        p.kill()
        sys.exit(f"{name} did not start on port {port}")
    return p


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--cedis", default=os.path.join(root, "target/release/cedis-server"))
    ap.add_argument("--redis", default="/usr/bin/redis-server")
    ap.add_argument("--subs", default="1,10,100")
    ap.add_argument("--messages", type=int, default=200000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--port-base", type=int, default=27400)
    ap.add_argument("--pin", default="", help="cpu list for the servers (taskset -c)")
    args = ap.parse_args()
    counts = [int(x) for x in args.subs.split(",")]
    print(f"PUBLISH fan-out: {args.messages} messages of {args.size} B, redis-benchmark "
          f"-c {args.clients} -P {args.pipeline}, subscribers drained by one python epoll thread")
    print(f"cedis: {args.cedis}\nredis: {args.redis}\n")
    results = {}
    for name, binary, port in (("redis", args.redis, args.port_base), ("cedis", args.cedis, args.port_base + 1)):
        p = start(binary, port, name, args.pin)
        try:
            for n in counts:
                results[(name, n)] = bench(port, n, args)
        finally:
            p.terminate()
            p.wait()
    print(f"{'subs':>5} {'redis publish/s':>16} {'cedis publish/s':>16} {'cedis/redis':>12} "
          f"{'cedis deliveries/s':>19}  all delivered")
    for n in counts:
        r, rok = results[("redis", n)]
        c, cok = results[("cedis", n)]
        print(f"{n:>5} {r:>16.0f} {c:>16.0f} {c / r:>12.2f} {c * n:>19.0f}  "
              f"redis={'yes' if rok else 'NO'} cedis={'yes' if cok else 'NO'}")


if __name__ == "__main__":
    main()
