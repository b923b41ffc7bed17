#!/usr/bin/env python3
"""Slow-header clients ("slowloris") for the receiver tests.

Opens --per-source connections from each --sources address to HOST:PORT. Each sends a
request line and the start of a header, then one more header byte every --interval
seconds, and never finishes its head. It knows no secret. A connection the server
closes is opened again after --reconnect-delay seconds, as an attacker would.

Runs until --duration seconds have passed, or SIGTERM/SIGINT, then prints one line:
    opened=N closed=N open=N max_open=N refused=N lifetime_min=S lifetime_median=S lifetime_max=S
(lifetime: seconds from connect until the server closed it; refused: connect failed).
With --status FILE it rewrites FILE every half second with "open=N opened=N closed=N",
so that a test can wait until the connections are held.
"""

import argparse
import errno
import heapq
import os
import resource
import selectors
import signal
import socket
import statistics
import sys
import time

HEAD = b"POST /webhooks/jimo HTTP/1.1\r\nHost: receiver\r\nContent-Type: application/json\r\nX-Slow: "


class Slot:
    def __init__(self, source):
        self.source = source
        self.sock = None
        self.connected = False
        self.since = 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--sources", default="127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5",
                    help="comma-separated local addresses to connect from")
    ap.add_argument("--per-source", type=int, default=250)
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between header bytes")
    ap.add_argument("--reconnect-delay", type=float, default=1.0)
    ap.add_argument("--duration", type=float, default=0.0, help="0: until SIGTERM/SIGINT")
    ap.add_argument("--status", help="file rewritten with the current counts")
    args = ap.parse_args()

    # one descriptor per connection: lift the soft limit to the hard one
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = len(args.sources.split(",")) * args.per_source + 64
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard == resource.RLIM_INFINITY else min(hard, max(want, soft)), hard))

    stop = False

    def on_signal(signum, frame):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sel = selectors.DefaultSelector()
    timers = []  # (when, seq, slot, kind): kind "open" or "byte"
    seq = 0
    slots = [Slot(src) for src in args.sources.split(",") for _ in range(args.per_source)]
    stats = {"opened": 0, "closed": 0, "refused": 0, "open": 0, "max_open": 0}
    lifetimes = []

    def at(when, slot, kind):
        nonlocal seq
        seq += 1
        heapq.heappush(timers, (when, seq, slot, kind))

    def drop(slot, now, refused=False):
        if slot.sock is not None:
            sel.unregister(slot.sock)
            slot.sock.close()
            slot.sock = None
        if slot.connected:
            stats["open"] -= 1
            stats["closed"] += 1
            lifetimes.append(now - slot.since)
        elif refused:
            stats["refused"] += 1
        slot.connected = False
        at(now + args.reconnect_delay, slot, "open")

    def open_slot(slot, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((slot.source, 0))
            rc = s.connect_ex((args.host, args.port))
        except OSError:
            s.close()
            stats["refused"] += 1
            at(now + args.reconnect_delay, slot, "open")
            return
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            stats["refused"] += 1
            at(now + args.reconnect_delay, slot, "open")
            return
        slot.sock = s
        sel.register(s, selectors.EVENT_WRITE, slot)

    start = time.monotonic()
    for i, slot in enumerate(slots):
        # spread the first connects over half a second, so the backlog is not the test
        at(start + 0.5 * i / len(slots), slot, "open")
    next_status = start

    while not stop:
        now = time.monotonic()
        if args.duration and now - start >= args.duration:
            break
        while timers and timers[0][0] <= now:
            _, _, slot, kind = heapq.heappop(timers)
            if kind == "open" and slot.sock is None:
                open_slot(slot, now)
            elif kind == "byte" and slot.connected and slot.sock is not None:
                try:
                    slot.sock.send(b"a")
                    at(now + args.interval, slot, "byte")
                except OSError:
                    drop(slot, now)
        if args.status and now >= next_status:
            with open(args.status + ".tmp", "w") as f:
                f.write("open=%d opened=%d closed=%d\n" % (stats["open"], stats["opened"], stats["closed"]))
            os.replace(args.status + ".tmp", args.status)
            next_status = now + 0.5
        wait = 0.5
        if timers:
            wait = min(wait, max(0.0, timers[0][0] - now))
        for key, events in sel.select(wait):
            slot = key.data
            now = time.monotonic()
            if not slot.connected:
                err = slot.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    drop(slot, now, refused=True)
                    continue
                try:
                    slot.sock.send(HEAD)
                except OSError:
                    drop(slot, now, refused=True)
                    continue
                slot.connected = True
                slot.since = now
                stats["opened"] += 1
                stats["open"] += 1
                stats["max_open"] = max(stats["max_open"], stats["open"])
                sel.modify(slot.sock, selectors.EVENT_READ, slot)
                at(now + args.interval, slot, "byte")
            else:
                try:
                    data = slot.sock.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    drop(slot, now)

    for slot in slots:
        if slot.sock is not None:
            slot.sock.close()
    lt = sorted(lifetimes) or [0.0]
    print("opened=%d closed=%d open=%d max_open=%d refused=%d lifetime_min=%.2f lifetime_median=%.2f lifetime_max=%.2f"
          % (stats["opened"], stats["closed"], stats["open"], stats["max_open"], stats["refused"],
             lt[0], statistics.median(lt), lt[-1]))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
