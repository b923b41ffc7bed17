#!/usr/bin/env bash
# Slow-header clients on the ops listener (32 connections) cannot keep /readyz from
# answering: 40 connections send a request head one byte every half second, which
# restarts libmicrohttpd's idle timeout every time; each is cut at --head-timeout, and a
# probe gets its answer. Before 0.15 the ops listener had no head deadline: /readyz
# timed out for as long as they kept trickling. TAP output; prints the timings.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

head_s=2
margin=3         # scheduling on a shared 2-core machine, curl and the backlog
gen_pid=""
trap '[[ -n "$gen_pid" ]] && kill "$gen_pid" 2>/dev/null; _recv_cleanup' EXIT

recv_start --head-timeout "${head_s}s" || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

python3 - "$RECV_OPS_PORT" >"$RECV_WORK/trickle.out" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
conns = []
for _ in range(40):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    conns.append(s)
head = b"GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
end = time.time() + 12
i = 0
while time.time() < end:
    for s in conns:
        try:
            s.send(head[i % len(head):i % len(head) + 1])
        except OSError:
            pass
    i += 1
    time.sleep(0.5)
alive = 0
for s in conns:
    try:
        s.send(b"a")
        alive += 1
    except OSError:
        pass
print(alive)
PY
gen_pid=$!
sleep 1
# every ops connection is taken by a trickling head now
t0="$(date +%s.%N)"
code=000
for ((i = 0; i < 10; i++)); do
    code="$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")"
    [[ "$code" == 200 ]] && break
done
took="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')"
echo "# /readyz answered $code ${took} s into the trickle (--head-timeout ${head_s}s)"
is "$code" 200 "/readyz answers while 40 clients trickle request heads into the ops listener"
check "within --head-timeout + ${margin} s (${took} s)" le "$took" "$((head_s + margin))"
wait "$gen_pid"
gen_pid=""
is "$(cat "$RECV_WORK/trickle.out")" 0 "every trickling connection was cut"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
done_testing
