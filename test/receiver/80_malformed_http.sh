#!/usr/bin/env bash
# Requests as raw bytes, the way no well-behaved client sends them: two Content-Length
# headers (a desync a proxy in front may not share: it must be refused before any body is
# read, not cut at the first length with the rest read as a new request), pipelined
# requests, chunked bodies (within and over --max-body), Content-Length beside
# Transfer-Encoding (refused: the smuggling desync again), transfer codings other than
# chunked, white space before a colon, no Host, Expect: 100-continue, HTTP/1.0, and 100 deliveries on one kept-alive
# connection. Every 200 names an event that is stored. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

recv_start --max-body 4096 || { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

# raw CASE: send one case's bytes on a new connection, print every answer's status line
raw() {
    python3 - "$RECV_PORT" "${RECV_URL#"$RECV_BASE"}" "$1" <<'PY'
import re, socket, sys, time
port, path, case = int(sys.argv[1]), sys.argv[2].encode(), sys.argv[3]

def body(ms, pad=0):
    return b'{"event":"hint.seen","time":%d,"pad":"%s"}' % (1740133769000 + ms, b"a" * pad)

def req(b, extra=b""):
    return (b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(b) + b)

def chunked(b, extra=b""):
    out = b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n" + extra + b"Transfer-Encoding: chunked\r\n\r\n"
    for i in range(0, len(b), 1000):
        part = b[i:i + 1000]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"

b1 = body(1)
cases = {
    "two_cl": b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: %d\r\n\r\n" % len(b1) + b1,
    "two_cl_same": b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\ncontent-length: %d\r\n\r\n" % (len(b1), len(b1)) + b1,
    "pipelined": req(body(2)) + req(body(3)),
    "chunked": chunked(body(4, 3000)),
    "chunked_large": chunked(body(5, 5000)),
    "cl_and_te": chunked(body(6), b"Content-Length: 3\r\n"),
    "expect": req(body(7), b"Expect: 100-continue\r\n"),
    "http10": req(body(8)).replace(b"HTTP/1.1", b"HTTP/1.0", 1),
    "keepalive": b"".join(req(body(1000 + i)) for i in range(100)),
    # the desync itself: a proxy that frames by Content-Length sees one request, we
    # would see a chunked one and then a GET smuggled after it
    "cl_te_smuggle": b"POST " + path + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 35\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
    "te_gzip": chunked(body(9)).replace(b"Transfer-Encoding: chunked", b"Transfer-Encoding: gzip, chunked", 1),
    "te_unknown": req(body(10), b"Transfer-Encoding: foo\r\n").replace(b"Content-Length: ", b"X-Length: ", 1),
    "space_colon": req(body(11)).replace(b"Content-Length:", b"Content-Length :", 1),
    "no_host": req(body(12)).replace(b"Host: x\r\n", b"", 1),
}
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(cases[case])
out = b""
deadline = time.time() + 10
try:
    while time.time() < deadline:
        c = s.recv(65536)
        if not c:
            break
        out += c
        if case == "keepalive" and out.count(b"HTTP/1.1 ") >= 100:
            break
        if case in ("two_cl", "two_cl_same", "http10", "chunked_large", "expect") and out.count(b"\r\n\r\n{") >= 1:
            time.sleep(0.5)
            try:
                c = s.recv(65536)
            except socket.timeout:
                c = b""
            out += c
            break
        if case in ("pipelined",) and out.count(b"HTTP/1.1 2") >= 2:
            break
        if case in ("chunked", "cl_and_te") and out.count(b"HTTP/1.1 2") >= 1:
            break
except socket.timeout:
    pass
print(" ".join(c.decode() for c in re.findall(rb"HTTP/1\.[01] (\d{3}) ", out)))
PY
}

before="$(psql_ -c "SELECT count(*) FROM jimo.rejected")"
is "$(raw two_cl)" 400 "two Content-Length headers: one 400, nothing read as a second request"
is "$(raw two_cl_same)" 400 "two Content-Length headers of the same value: 400 too"
is "$(psql_ -c "SELECT count(*) FROM jimo.rejected")" "$before" "and no cut body kept in jimo.rejected"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE payload->>'time' = '1740133769001'")" 0 \
    "nor the body stored"
is "$(raw pipelined)" "200 200" "two pipelined requests: two 200s"
is "$(raw chunked)" 200 "a chunked body: 200"
is "$(raw chunked_large)" 413 "a chunked body over --max-body: 413"
is "$(raw cl_and_te)" 400 "Content-Length beside Transfer-Encoding: 400 (RFC 9112 6.1), and nothing read as a body"
is "$(raw cl_te_smuggle)" 400 "a GET smuggled after a chunked body framed by Content-Length too: one 400, no second answer"
is "$(raw te_gzip)" 501 "a transfer coding other than chunked: 501"
is "$(raw te_unknown)" 501 "an unknown transfer coding: 501 at once, not a silent wait"
is "$(raw space_colon)" 400 "white space before a header's colon: 400 (RFC 9112 5.1), not an empty body"
is "$(raw no_host)" 400 "HTTP/1.1 without Host: 400"
is "$(psql_ -c "SELECT count(*) FROM jimo.rejected")" "$before" "none of these left a body in jimo.rejected"
is "$(raw expect)" "100 200" "Expect: 100-continue: 100, then 200"
is "$(raw http10)" 200 "HTTP/1.0: 200"
is "$(raw keepalive)" "$(printf '200 %.0s' {1..100} | sed 's/ $//')" "100 deliveries on one kept-alive connection: 100 answers of 200"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE (payload->>'time')::bigint - 1740133769000 BETWEEN 2 AND 8 OR (payload->>'time')::bigint - 1740133769000 >= 1000")" \
    105 "every delivery answered 200 is stored"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE (payload->>'time')::bigint - 1740133769000 IN (6, 9, 10, 11, 12)")" 0 \
    "and no body answered 400 or 501"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE (payload->>'time')::bigint - 1740133769000 = 5")" 0 \
    "the body over the limit is not"

recv_stop
is "$RECV_STATUS" 0 "the receiver exits 0 on SIGTERM"
done_testing
