#!/usr/bin/env python3
"""Watch one PostgreSQL backend from outside, through /proc (Linux, server on this host).

    procstat.py watch DIR [--interval SECONDS]

Used by test/bench/ingest around a timed phase, with files in DIR as the handshake:

  1. psql writes the backend's pid (SELECT pg_backend_pid()) to DIR/pid, then waits
     for DIR/ready;
  2. this script reads the backend's CPU time (utime + stime from /proc/PID/stat, in
     clock ticks) and its anonymous resident memory (RssAnon from /proc/PID/status: the
     backend's private memory; shared buffers are RssShmem and do not count), writes
     DIR/ready, then samples RssAnon every --interval seconds (default 0.01);
  3. psql runs the timed statements, then writes DIR/stop and waits for DIR/done;
  4. this script reads the CPU time again, writes DIR/result and then DIR/done.

DIR/result holds one line of key=value pairs:
  ticks_before, ticks_after (utime + stime), utime_ticks, stime_ticks (the difference
  of each), clk_tck, rss_before_kb, rss_peak_kb, samples
or "na=REASON" when the backend cannot be watched (no such process here: the server is on
another host, or /proc is not readable). It never makes psql wait forever: it always
writes ready and done, and gives up after --timeout seconds (default 3600) of no stop.
"""
import argparse
import os
import sys
import time


def read_ticks(pid):
    """(utime, stime) of the process, in clock ticks."""
    with open("/proc/%d/stat" % pid, "rb") as f:
        s = f.read().decode("ascii", "replace")
    # comm (field 2) may contain spaces and parentheses: split after the last ')'
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime and stime are fields 14 and 15
    return int(rest[11]), int(rest[12])


def read_rss_anon_kb(pid):
    with open("/proc/%d/status" % pid, "rb") as f:
        for line in f:
            if line.startswith(b"RssAnon:"):
                return int(line.split()[1])
    raise OSError("no RssAnon in /proc/%d/status" % pid)


def comm(pid):
    with open("/proc/%d/comm" % pid, "rb") as f:
        return f.read().decode("ascii", "replace").strip()


def touch(path):
    with open(path, "w"):
        pass


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def watch(d, interval, timeout):
    pidfile = os.path.join(d, "pid")
    ready = os.path.join(d, "ready")
    stop = os.path.join(d, "stop")
    done = os.path.join(d, "done")
    result = os.path.join(d, "result")
    deadline = time.monotonic() + timeout
    pid = None
    while time.monotonic() < deadline and not os.path.exists(stop):
        try:
            with open(pidfile) as f:
                text = f.read().strip()
            if text:
                pid = int(text)
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.005)
    na = None
    if pid is None:
        na = "no-pid"
    else:
        try:
            if comm(pid) not in ("postgres", "postmaster"):
                na = "pid-%d-is-not-a-local-postgres" % pid
            else:
                t0 = read_ticks(pid)
                r0 = read_rss_anon_kb(pid)
        except (OSError, ValueError, IndexError):
            na = "pid-%d-not-readable-here" % pid
    if na:
        write_atomic(result, "na=%s\n" % na)
        touch(ready)
        while not os.path.exists(stop) and time.monotonic() < deadline:
            time.sleep(0.01)
        touch(done)
        return 0
    peak = r0
    samples = 1
    touch(ready)
    gone = False
    while not os.path.exists(stop) and time.monotonic() < deadline:
        try:
            r = read_rss_anon_kb(pid)
        except OSError:
            gone = True
            break
        samples += 1
        if r > peak:
            peak = r
        time.sleep(interval)
    try:
        r = read_rss_anon_kb(pid)
        peak = max(peak, r)
        t1 = read_ticks(pid)
    except OSError:
        gone = True
    if gone:
        write_atomic(result, "na=backend-%d-exited\n" % pid)
    else:
        write_atomic(result, "ticks_before=%d ticks_after=%d utime_ticks=%d stime_ticks=%d "
                     "clk_tck=%d rss_before_kb=%d rss_peak_kb=%d samples=%d\n"
                     % (sum(t0), sum(t1), t1[0] - t0[0], t1[1] - t0[1],
                        os.sysconf("SC_CLK_TCK"), r0, peak, samples))
    touch(done)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("watch", help="CPU time and peak RssAnon of a backend over a phase")
    w.add_argument("dir")
    w.add_argument("--interval", type=float, default=0.01)
    w.add_argument("--timeout", type=float, default=3600)
    a = ap.parse_args(argv)
    return watch(a.dir, a.interval, a.timeout)


if __name__ == "__main__":
    sys.exit(main())
