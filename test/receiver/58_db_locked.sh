#!/usr/bin/env bash
# A database that is up but cannot store anything in time (jimo.events locked by another
# session): every delivery is answered 503 within --db-timeout of its arrival, however
# many wait behind the batches running, and nothing is acknowledged. Before 0.15 a
# delivery waited in the queue for batch after batch (each up to statement_timeout):
# three times --db-timeout and more. The connections stay (the server's own
# statement_timeout ends each batch), and once the lock goes every retry is stored once.
# TAP output; prints the timings.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

timeout_s=2      # --db-timeout
margin=1.5       # scheduling on a shared 2-core machine, curl and process start-up
n=40             # concurrent deliveries while locked

locker=""
trap '[[ -n "$locker" ]] && kill "$locker" 2>/dev/null; _recv_cleanup' EXIT

recv_start --db-timeout "${timeout_s}s" --db-connections 2 --batch-max 4 ||
    { ok 1 "receiver starts"; done_testing; }
check "ready" recv_wait_ready

event() { printf '{"event":"tour.started","version":"0","time":%s}' "$((1740133769000 + $1))"; }
res="$RECV_WORK/results"
mkdir -p "$res"
post_event() { # N: "code seconds" in $res/N
    curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}\n' -X POST \
        --data-binary "$(event "$1")" "$RECV_URL" >"$res/$1"
}

psql_ -c "BEGIN" -c "LOCK TABLE jimo.events IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(12)" \
    -c "COMMIT" >/dev/null &
locker=$!
for ((i = 0; i < 50; i++)); do
    [[ "$(psql_ -c "SELECT count(*) FROM pg_locks WHERE relation = 'jimo.events'::regclass AND mode = 'AccessExclusiveLock' AND granted")" == 1 ]] && break
    sleep 0.1
done
is "$(psql_ -c "SELECT count(*) FROM pg_locks WHERE relation = 'jimo.events'::regclass AND mode = 'AccessExclusiveLock' AND granted")" 1 \
    "another session holds jimo.events locked"

post_all() { # post events 1..n at once, wait for every answer
    local posters=() i
    for ((i = 1; i <= n; i++)); do
        post_event "$i" &
        posters+=($!)
    done
    wait "${posters[@]}"
}

post_all
codes="$(cat "$res"/* | awk '{print $1}' | sort | uniq -c | awk '{printf "%s x%s ", $2, $1}')"
slowest="$(cat "$res"/* | awk '$2 > m {m = $2} END {print m + 0}')"
echo "# $n deliveries while locked: ${codes}slowest ${slowest} s (--db-timeout ${timeout_s}s)"
is "$codes" "503 x$n " "every delivery while the table is locked is answered 503"
bound="$(awk -v a="$timeout_s" -v m="$margin" 'BEGIN {print a + m}')"
check "each within --db-timeout + ${margin} s of its arrival (slowest ${slowest} s)" le "$slowest" "$bound"
check "metrics count the late deliveries" test "$(metric jimo_receiver_deliveries_late_total)" -ge 1
is "$(metric jimo_receiver_db_reconnects_total)" 0 "no connection was given up: the server ended each batch itself"

wait "$locker"
locker=""
rm -f "$res"/*
post_all
is "$(cat "$res"/* | awk '$1 == 200' | wc -l)" "$n" "once the lock is gone, Jimo's retries of all $n are answered 200"
is "$(psql_ -c "SELECT count(*) FROM jimo.events")" "$n" "and jimo.events holds each once"
is "$(psql_ -c "SELECT count(*) FROM jimo.events WHERE deliveries > 1")" 0 \
    "none was committed behind a 503 here (each batch ended at statement_timeout)"

recv_stop
is "$RECV_STATUS" 0 "clean exit"
done_testing
