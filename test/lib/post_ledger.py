#!/usr/bin/env python3
"""Post webhook bodies to jimo-receiver from many connections, retrying like Jimo,
and keep a ledger of every answer.

Each line of --bodies is one request body (its index is its line number, from 0),
posted as is, byte for byte (with --quoted: a JSON string holding the body). A body is reposted until it is answered 200 (Jimo
retries any other answer for days; here the wait is --retry-min..--retry-max
seconds, not Retry-After) or until --deadline seconds after the start. A 4xx
other than 408/429 is final, as Jimo would not get a different answer either.

--ledger gets one tab-separated line per attempt:
    idx  attempt  t_start  t_end  outcome  event_id  duplicate
t_start/t_end are Unix times (seconds, the clock of `date +%s.%N`); outcome is the
HTTP status ("200", "503", ...) or, when no status came, one of "refused" (nothing
listening), "reset" (connection closed or reset before an answer), "timeout" or
"error:<ExceptionName>"; event_id and duplicate come from a 200's JSON body
(\\N when absent), so the ledger is ready for COPY.

--rate paces first attempts (bodies per second over all threads; 0 = as fast as
the threads go), so that a run lasts long enough to put faults in the middle of
it. --progress is rewritten about ten times a second with
    started acked finished elapsed
(bodies whose first attempt began, bodies answered 200, bodies done for good).
The last line on stdout is a summary. Exit status 0 when every body was answered
200, 3 when some were not (the ledger is complete either way), 2 on bad usage.
"""

import argparse
import http.client
import json
import os
import random
import socket
import sys
import threading
import time
import urllib.parse


def classify(exc):
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError,
                        http.client.RemoteDisconnected, http.client.IncompleteRead,
                        http.client.BadStatusLine)):
        return "reset"
    return "error:" + type(exc).__name__


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="http://host:port/path to POST to")
    ap.add_argument("--bodies", required=True, help="file with one body per line")
    ap.add_argument("--ledger", required=True, help="output: one line per attempt")
    ap.add_argument("--threads", type=int, default=32, help="concurrent connections (32)")
    ap.add_argument("--rate", type=float, default=0.0,
                    help="first attempts per second, all threads together (0: unpaced)")
    ap.add_argument("--deadline", type=float, default=120.0,
                    help="stop retrying this many seconds after the start (120)")
    ap.add_argument("--timeout", type=float, default=20.0, help="socket timeout, seconds (20)")
    ap.add_argument("--retry-min", type=float, default=0.05)
    ap.add_argument("--retry-max", type=float, default=0.25)
    ap.add_argument("--keepalive", action="store_true",
                    help="reuse a thread's connection between requests (default: one per request)")
    ap.add_argument("--quoted", action="store_true",
                    help="each line of --bodies is a JSON string holding the body (which may "
                         "then span lines); it is posted UTF-8 encoded")
    ap.add_argument("--progress", help="file rewritten with 'started acked finished elapsed'")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)

    u = urllib.parse.urlsplit(a.url)
    if u.scheme != "http" or not u.hostname:
        ap.error("--url must be http://host:port/path")
    host, port = u.hostname, u.port or 80
    path = u.path + ("?" + u.query if u.query else "")

    with open(a.bodies, "rb") as f:
        bodies = [line[:-1] if line.endswith(b"\n") else line for line in f]
    if a.quoted:
        bodies = [json.loads(b).encode("utf-8") for b in bodies]
    n = len(bodies)

    lock = threading.Lock()
    state = {"next": 0, "started": 0, "acked": 0, "finished": 0}
    t0 = time.time()
    deadline = t0 + a.deadline
    ledgers = []
    done = threading.Event()

    def take():
        with lock:
            i = state["next"]
            if i >= n:
                return None
            state["next"] = i + 1
        if a.rate > 0:
            d = t0 + i / a.rate - time.time()
            if d > 0:
                time.sleep(d)
        with lock:
            state["started"] += 1
        return i

    def worker(k):
        rng = random.Random(a.seed * 1000003 + k)
        out = []
        ledgers.append(out)
        conn = None
        while True:
            i = take()
            if i is None:
                break
            attempt = 0
            acked = False
            while True:
                attempt += 1
                ts = time.time()
                event_id = "\\N"
                dup = "\\N"
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection(host, port, timeout=a.timeout)
                    conn.request("POST", path, body=bodies[i],
                                 headers={"Content-Type": "application/json",
                                          "Connection": "keep-alive" if a.keepalive else "close"})
                    r = conn.getresponse()
                    data = r.read()
                    outcome = str(r.status)
                    if r.status == 200:
                        try:
                            j = json.loads(data)
                            if isinstance(j.get("event_id"), int):
                                event_id = str(j["event_id"])
                            dup = "t" if j.get("duplicate") is True else "f"
                        except ValueError:
                            pass
                    if r.will_close or not a.keepalive:
                        conn.close()
                        conn = None
                except Exception as e:  # noqa: BLE001 - every failure is an outcome
                    outcome = classify(e)
                    if conn is not None:
                        conn.close()
                        conn = None
                te = time.time()
                out.append("%d\t%d\t%.6f\t%.6f\t%s\t%s\t%s\n"
                           % (i, attempt, ts, te, outcome, event_id, dup))
                if outcome == "200":
                    acked = True
                    break
                if outcome.startswith("4") and outcome not in ("408", "429"):
                    break  # final: the same body would get the same answer
                if te >= deadline:
                    break
                time.sleep(rng.uniform(a.retry_min, a.retry_max))
            with lock:
                state["finished"] += 1
                if acked:
                    state["acked"] += 1
        if conn is not None:
            conn.close()

    def reporter():
        while True:
            stop = done.wait(0.1)
            with lock:
                line = "%d %d %d %.3f\n" % (state["started"], state["acked"],
                                            state["finished"], time.time() - t0)
            tmp = a.progress + ".tmp"
            with open(tmp, "w") as f:
                f.write(line)
            os.replace(tmp, a.progress)
            if stop:
                return

    rep = None
    if a.progress:
        rep = threading.Thread(target=reporter, daemon=True)
        rep.start()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(a.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    if rep:
        rep.join()

    attempts = 0
    with open(a.ledger, "w") as f:
        for out in ledgers:
            attempts += len(out)
            f.writelines(out)
    print("bodies=%d acked=%d attempts=%d seconds=%.1f"
          % (n, state["acked"], attempts, time.time() - t0))
    return 0 if state["acked"] == n else 3


if __name__ == "__main__":
    sys.exit(main())
