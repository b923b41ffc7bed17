#!/usr/bin/env bash
# Every status code the receiver gives, the three places a secret may be put, and that a
# 200 always names an event that is in jimo.events. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

example="$RECV_ROOT/test/fixtures/examples/tour.completed.json"
created="$RECV_ROOT/test/fixtures/examples/tour.created.json"

# --- start-up rules ---
"$RECV_BIN" --listen 127.0.0.1:1 >/dev/null 2>"$RECV_WORK/nosecret.err"
is "$?" 2 "refuses to start without a secret"
check "says how to give one" grep -q -- "--secret-file" "$RECV_WORK/nosecret.err"
"$RECV_BIN" --help >"$RECV_WORK/help.out"
is "$?" 0 "--help exits 0"
missing_flags=0
for flag in --listen --ops-listen --dsn --path --secret-file --open --batch-max --batch-wait-ms \
    --db-connections --db-timeout --queue-max --max-body --max-connections --max-per-ip \
    --head-timeout --idle-timeout --request-timeout --refresh-cohorts; do
    if ! grep -q -- "$flag " "$RECV_WORK/help.out"; then
        echo "# --help lacks $flag"
        missing_flags=$((missing_flags + 1))
    fi
done
is "$missing_flags" 0 "--help documents every flag"
check "--help names the environment variables" grep -q JIMO_RECEIVER_OPS_LISTEN "$RECV_WORK/help.out"
"$RECV_BIN" --db-timeout 2x --open >/dev/null 2>"$RECV_WORK/baddur.err"
is "$?" 2 "a malformed duration is refused"
check "and the message says what a duration looks like" grep -q "like 10s or 500ms" "$RECV_WORK/baddur.err"

recv_start || { ok 1 "receiver starts"; done_testing; }
check "readyz turns 200 once the database is reached" recv_wait_ready

# --- 200: each secret placement ---
declare -A acked=()
post "$RECV_URL" --data-binary @"$example"
is "$CODE" 200 "secret as path segment: 200"
check "200 body names the event" grep -Eq '^\{"status":"stored","event_id":[0-9]+\}$' <<<"$BODY"
id1="$(sed -E 's/.*"event_id":([0-9]+).*/\1/' <<<"$BODY")"
acked[$id1]=1

post "$RECV_BASE/webhooks/jimo?secret=$RECV_SECRET" --data-binary @"$created"
is "$CODE" 200 "secret as query parameter: 200"
acked[$(sed -E 's/.*"event_id":([0-9]+).*/\1/' <<<"$BODY")]=1

post "http://anyone:$RECV_SECRET@127.0.0.1:$RECV_PORT/webhooks/jimo" --data-binary @"$example"
is "$CODE" 200 "secret as basic-auth password: 200"
check "a redelivery is a 200 for the same event" grep -q "\"event_id\":$id1,\"duplicate\":true" <<<"$BODY"

# --- 401 ---
post "$RECV_BASE/webhooks/jimo" --data-binary @"$example"
is "$CODE" 401 "no secret: 401"
check "401 asks for basic auth" grep -qi '^WWW-Authenticate: Basic' <<<"$HEADERS"
post "$RECV_BASE/webhooks/jimo/${RECV_SECRET}x" --data-binary @"$example"
is "$CODE" 401 "wrong path secret (one character longer): 401"
post "$RECV_BASE/webhooks/jimo/${RECV_SECRET%?}" --data-binary @"$example"
is "$CODE" 401 "wrong path secret (one character shorter): 401"
post "$RECV_BASE/webhooks/jimo?secret=nope" --data-binary @"$example"
is "$CODE" 401 "wrong query secret: 401"
post "http://$RECV_SECRET:wrong@127.0.0.1:$RECV_PORT/webhooks/jimo" --data-binary @"$example"
is "$CODE" 401 "secret as basic-auth user name, wrong password: 401"

# --- 404, 405 ---
post "$RECV_BASE/webhooks/other/$RECV_SECRET" --data-binary @"$example"
is "$CODE" 404 "unknown path: 404"
post "$RECV_BASE/webhooks/jimo/$RECV_SECRET/extra" --data-binary @"$example"
is "$CODE" 404 "extra path segment: 404"
CODE="$(curl -s -o /dev/null -D "$RECV_WORK/h405" -w '%{http_code}' "$RECV_URL")"
is "$CODE" 405 "GET on the webhook path: 405"
check "405 says Allow: POST" grep -qi '^Allow: POST' "$RECV_WORK/h405"
CODE="$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$example" "$RECV_URL")"
is "$CODE" 405 "PUT: 405"
CODE="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$RECV_OPS_BASE/healthz")"
is "$CODE" 405 "POST /healthz: 405"

# --- 400: rejected bodies are kept ---
before="$(psql_ -c 'SELECT count(*) FROM jimo.rejected')"
post "$RECV_URL" --data-binary 'this is not json'
is "$CODE" 400 "not JSON: 400"
check "400 is a JSON error" grep -Eq '^\{"status":"rejected","error":".+"\}$' <<<"$BODY"
printf '{"event":"tour.started","time":1740133769000,"x":"\xff\x00"}' >"$RECV_WORK/binary.json"
post "$RECV_URL" --data-binary @"$RECV_WORK/binary.json"
is "$CODE" 400 "invalid UTF-8 with a NUL byte: 400"
post "$RECV_URL" --data-binary ''
is "$CODE" 400 "empty body: 400"
after="$(psql_ -c 'SELECT count(*) FROM jimo.rejected')"
is "$after" "$((before + 3))" "the three rejected bodies are kept in jimo.rejected"

# --- 413 ---
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$RECV_WORK/big"
post "$RECV_URL" --data-binary @"$RECV_WORK/big"
is "$CODE" 413 "body of 1 MiB + 1 byte (Content-Length): 413"
post "$RECV_URL" -H 'Transfer-Encoding: chunked' --data-binary @"$RECV_WORK/big"
is "$CODE" 413 "body of 1 MiB + 1 byte (chunked): 413"
post "$RECV_BASE/webhooks/jimo" --data-binary @"$RECV_WORK/big"
is "$CODE" 401 "an unauthenticated large body gets 401, not 413 (secret checked first)"

# --- health endpoints: on the ops listener only ---
is "$(curl -s "$RECV_OPS_BASE/healthz")" ok "healthz: ok"
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")" 200 "readyz: 200"
for p in /healthz /readyz /metrics; do
    is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_BASE$p")" 404 "$p on the webhook listener: 404"
done
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/webhooks/jimo/$RECV_SECRET")" 404 \
    "the webhook path on the ops listener: 404"
curl -s "$RECV_OPS_BASE/metrics" >"$RECV_WORK/metrics"
check "metrics: requests by status" grep -q '^jimo_receiver_requests_total{code="401"} 6$' "$RECV_WORK/metrics"
check "metrics: events by outcome" grep -q '^jimo_receiver_events_total{outcome="duplicate"} 1$' "$RECV_WORK/metrics"
check "metrics: batch size histogram" grep -q '^jimo_receiver_batch_size_count [1-9]' "$RECV_WORK/metrics"
check "metrics: commit latency histogram" grep -q '^jimo_receiver_commit_seconds_bucket{le="+Inf"} [1-9]' "$RECV_WORK/metrics"
check "metrics: reconnects" grep -q '^jimo_receiver_db_reconnects_total 0$' "$RECV_WORK/metrics"
check "metrics: database timeouts" grep -q '^jimo_receiver_db_timeouts_total 0$' "$RECV_WORK/metrics"
check "metrics: open connections" grep -q '^jimo_receiver_connections_open [0-9]' "$RECV_WORK/metrics"
check "metrics: connections cut" grep -q '^jimo_receiver_connections_cut_total{reason="head_timeout"} 0$' \
    "$RECV_WORK/metrics"

# --- 503 + Retry-After: queue full while the database is blocked ---
# A lock on jimo.events holds the one worker's batch; the next delivery fills the queue
# (--queue-max 1), the one after that must be refused.
recv_stop
recv_start --db-connections 1 --batch-max 1 --queue-max 1 --retry-after 7 && recv_wait_ready
psql_ -c "SELECT pg_advisory_lock(4242)" -c "BEGIN" -c "LOCK TABLE jimo.events" \
    -c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
locker=$!
sleep 0.5
held=()
for i in 1 2; do
    # distinct bodies, each posted in the background and answered once the lock goes
    curl -s -o "$RECV_WORK/held$i" -w '%{http_code}' -X POST \
        --data-binary "{\"event\":\"tour.started\",\"version\":\"0\",\"time\":174013376900$i}" \
        "$RECV_URL" >"$RECV_WORK/held$i.code" &
    held+=($!)
    sleep 0.3
done
post "$RECV_URL" --data-binary '{"event":"tour.started","version":"0","time":1740133769009}'
is "$CODE" 503 "queue full: 503"
check "503 carries Retry-After" grep -qi '^Retry-After: 7$' <<<"$HEADERS"
is "$(metric jimo_receiver_queue_full_total)" 1 "metrics: queue_full_total counts it"
kill "$locker" 2>/dev/null
psql_ -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
wait "${held[@]}" "$locker" 2>/dev/null
is "$(cat "$RECV_WORK/held1.code") $(cat "$RECV_WORK/held2.code")" "200 200" \
    "the held deliveries are stored once the lock goes"
for i in 1 2; do
    acked[$(sed -E 's/.*"event_id":([0-9]+).*/\1/' "$RECV_WORK/held$i")]=1
done
recv_stop

# --- 503 + Retry-After: database unreachable ---
recv_start --dsn "dbname=jimo_no_such_database_$$"
post "$RECV_URL" --data-binary @"$example"
is "$CODE" 503 "database unreachable: 503"
check "503 carries Retry-After" grep -qi '^Retry-After: 10$' <<<"$HEADERS"
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/readyz")" 503 "readyz: 503 without a database"
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/healthz")" 200 "healthz: still 200"
recv_stop
is "$RECV_STATUS" 0 "SIGTERM: exit status 0"

# --- --ops-listen off: no second listener ---
recv_start --ops-listen off
# no /readyz to wait for: the log says when a worker is connected
for ((i = 0; i < 100; i++)); do
    grep -q 'msg="database connected"' "$RECV_LOG" && break
    sleep 0.1
done
post "$RECV_URL" --data-binary @"$example"
is "$CODE" 200 "with --ops-listen off deliveries are stored"
is "$(curl -s -o /dev/null -w '%{http_code}' "$RECV_OPS_BASE/healthz")" 000 "and nothing listens for health checks"
acked[$(sed -E 's/.*"event_id":([0-9]+).*/\1/' <<<"$BODY")]=1
recv_stop

# --- limits against abuse: header size, idle and slow clients, connections per IP ---
recv_start --idle-timeout 1 --request-timeout 1 --max-per-ip 2 --max-header 8192
CODE="$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 20000 /dev/zero | tr '\0' a)" \
    "$RECV_URL")"
is "$CODE" 431 "a header over --max-header: 431"
# A client that sends half a request and then nothing is cut off by the idle timeout.
# shellcheck disable=SC2317 # called through check
closed_within() { # SECONDS: read fd 3 until EOF, true if that happened in time
    timeout "$1" cat <&3 >/dev/null
}
exec 3<>"/dev/tcp/127.0.0.1/$RECV_PORT"
printf 'POST /webhooks/jimo/%s HTTP/1.1\r\nHost: x\r\n' "$RECV_SECRET" >&3
check "a silent half-sent request is closed by --idle-timeout" closed_within 4
exec 3<&-
# A client that keeps trickling its body is cut off by the request timeout.
exec 3<>"/dev/tcp/127.0.0.1/$RECV_PORT"
(
    trap '' PIPE
    printf 'POST /webhooks/jimo/%s HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n' "$RECV_SECRET"
    for ((i = 0; i < 12; i++)); do
        printf 'x' || exit 0
        sleep 0.4
    done
) >&3 2>/dev/null &
trickle=$!
check "a body trickling in slower than --request-timeout is cut off" closed_within 4
wait "$trickle"
exec 3<&-
# libmicrohttpd cannot answer mid-upload: the client got no 408, so none is counted.
check "metrics count it as a cut for body_timeout" \
    test "$(metric 'jimo_receiver_connections_cut_total{reason="body_timeout"}')" -ge 1
is "$(metric 'jimo_receiver_requests_total{code="408"}')" 0 "and not as a 408 that nobody received"
# Two idle connections from this address use up --max-per-ip 2: a third gets nothing.
exec 3<>"/dev/tcp/127.0.0.1/$RECV_PORT" 4<>"/dev/tcp/127.0.0.1/$RECV_PORT"
sleep 0.2
is "$(curl -s -o /dev/null -w '%{http_code}' -m 3 "$RECV_BASE/")" 000 \
    "a third connection from the same address is refused (--max-per-ip 2)"
exec 3<&- 4<&-
sleep 0.2
is "$(curl -s -o /dev/null -w '%{http_code}' -m 3 "$RECV_BASE/")" 404 "and accepted once they close"
recv_stop

# --- every 200 is in the table ---
missing=0
for id in "${!acked[@]}"; do
    n="$(psql_ -c "SELECT count(*) FROM jimo.events WHERE id = $id")"
    [[ "$n" == 1 ]] || missing=$((missing + 1))
done
is "$missing" 0 "every event_id answered 200 (${#acked[@]}) is in jimo.events"

# --- the secret never reaches the log ---
if grep -rqF "$RECV_SECRET" "$RECV_WORK"/receiver.*.log; then
    ok 1 "no log line contains the secret"
else
    ok 0 "no log line contains the secret"
fi
check "the access log shows the redacted path" grep -q 'path="/webhooks/jimo/\[redacted\]"' "$RECV_WORK"/receiver.*.log

done_testing
