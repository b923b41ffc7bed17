#!/usr/bin/env bash
# SIGTERM: the receiver stops accepting connections at once, answers every request it
# has already accepted (200 once its batch commits), and exits 0. When the database does
# not let the batch finish within --shutdown-timeout, the batch is cancelled and its
# requests are answered 503: refused, never left hanging or acknowledged. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Hold an ACCESS EXCLUSIVE lock on jimo.events so batches wait; lock_release ends it.
lock_hold() {
    psql_ -c "BEGIN" -c "LOCK TABLE jimo.events" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
    locker=$!
    sleep 0.5
}
lock_release() {
    psql_ -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE query = 'SELECT pg_sleep(60)' AND pid <> pg_backend_pid()" >/dev/null
    wait "$locker" 2>/dev/null
}
post_bg() { # N: post distinct event N in the background, answer to $RECV_WORK/sN
    curl -s -o "$RECV_WORK/s$1" -w '%{http_code}' -X POST -m 60 \
        --data-binary "{\"event\":\"hint.seen\",\"version\":\"0\",\"time\":17401337690$1}" \
        "$RECV_URL" >"$RECV_WORK/s$1.code" &
    posters+=($!)
}

# --- graceful: everything accepted is answered ---
if ! { recv_start --shutdown-timeout 30 && recv_wait_ready; }; then ok 1 "receiver starts"; done_testing; fi
lock_hold
posters=()
for i in 1 2 3 4 5; do post_bg "$i"; done
sleep 0.5
t0=$(date +%s.%N)
kill -TERM "$RECV_PID"
sleep 0.3
is "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$RECV_BASE/")" 000 \
    "after SIGTERM new connections are refused"
is "$(curl -s -o /dev/null -w '%{http_code}' -m 2 "$RECV_OPS_BASE/readyz")" 503 \
    "and /readyz says 503 while the receiver drains"
check "the receiver is still running while requests are in flight" kill -0 "$RECV_PID"
lock_release
wait "${posters[@]}"
wait "$RECV_PID"
status=$?
RECV_PID=""
is "$status" 0 "exit status 0"
codes() { local f; for f in "$@"; do cat "$f"; echo; done | paste -sd' '; }
is "$(codes "$RECV_WORK"/s[1-5].code)" "200 200 200 200 200" \
    "all five requests in flight were answered 200"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE name = 'hint.seen'")" 5 \
    "and all five are in jimo.events"
check "the log says it stopped with nothing unanswered" grep -q 'msg="stopped" unanswered=0' "$RECV_LOG"

# --- the database does not let go: refuse after --shutdown-timeout ---
if ! { recv_start --shutdown-timeout 1 && recv_wait_ready; }; then ok 1 "receiver starts again"; done_testing; fi
lock_hold
posters=()
for i in 6 7 8; do post_bg "$i"; done
sleep 0.5
t0=$(date +%s)
kill -TERM "$RECV_PID"
wait "${posters[@]}"
wait "$RECV_PID"
status=$?
RECV_PID=""
t1=$(date +%s)
lock_release
is "$status" 0 "exit status 0"
is "$(codes "$RECV_WORK"/s[6-8].code)" "503 503 503" \
    "requests whose batch could not finish were answered 503"
check "within a few seconds of the timeout ($((t1 - t0)) s)" test $((t1 - t0)) -le 5
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE name = 'hint.seen'")" 5 \
    "and none of them was stored"
done_testing
