#!/usr/bin/env bash
# Crash ledger: distinct events are posted from many concurrent connections, each
# retried until it is answered 200 (as Jimo does), while in turn
#   1. the postmaster is killed with SIGKILL (then started again: crash recovery),
#   2. the receiver is killed with SIGKILL (then started again on the same port),
#   3. PostgreSQL stops with -m fast (then starts again),
#   4. PostgreSQL stops with -m immediate (then starts again).
# The client (test/lib/post_ledger.py) writes a ledger of every answer to every
# attempt. Afterwards: every body ever answered 200 is in jimo.events (matched by
# comparing the stored payload with the body sent, as jsonb), under the event_id the
# answer gave; no row is there that was not sent; no delivery was counted more times
# than it was attempted; every fault showed (503s or connection errors in its
# window); and after the retries every body was stored. Uses a cluster of its own
# (as 30_db_outage.sh does), so killing it disturbs nothing else; the EXIT trap stops
# it and the receiver whatever happens. TAP output; the counts are printed as
# "# ledger: ..." lines.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/lib/cluster.sh
source "$RECV_ROOT/test/lib/cluster.sh"

events="${JIMO_CRASH_EVENTS:-8000}" # bodies, all distinct
rate="${JIMO_CRASH_RATE:-550}"      # first attempts per second: the load lasts ~15 s
threads=48                          # concurrent connections
client_pid=""

# shellcheck disable=SC2317 # called through the trap
crash_cleanup() {
    if [[ -n "$client_pid" ]]; then
        kill -TERM "$client_pid" 2>/dev/null
        wait "$client_pid" 2>/dev/null
    fi
    cluster_stop
    _recv_cleanup
}
trap crash_cleanup EXIT

cluster_start recv-crash >/dev/null || { ok 1 "own cluster starts"; done_testing; }
cluster_createdb jimo_recv_crash || { ok 1 "database"; done_testing; }
export PGDATABASE=jimo_recv_crash
psql_ -c "CREATE EXTENSION jimo_webhooks" >/dev/null ||
    { ok 1 "CREATE EXTENSION jimo_webhooks"; done_testing; }

recv_start --db-connections 2 --retry-after 1 || { ok 1 "receiver starts"; done_testing; }
check "receiver ready" recv_wait_ready

# Distinct events: the generator gives every event its own time, so no two bodies are
# equal as jsonb (checked below: a repeat would make "stored = sent" meaningless).
python3 "$RECV_ROOT/test/bench/gen_events.py" --events "$events" --seed 50 --tags \
    --project >"$RECV_WORK/bodies.jsonl"

python3 "$RECV_ROOT/test/lib/post_ledger.py" --url "$RECV_URL" --bodies "$RECV_WORK/bodies.jsonl" \
    --ledger "$RECV_WORK/ledger.tsv" --progress "$RECV_WORK/progress" --threads "$threads" \
    --rate "$rate" --deadline 100 --timeout 20 >"$RECV_WORK/client.out" 2>&1 &
client_pid=$!

progress() { # started acked finished
    local s=0 a=0 f=0 _
    [[ -s "$RECV_WORK/progress" ]] && read -r s a f _ <"$RECV_WORK/progress"
    echo "$s $a $f"
}
# Wait until at least N bodies had their first attempt and M more bodies were answered
# 200 than when called (the load goes on and the system has recovered). 40 s at most.
wait_load() {
    local want_started="$1" more_acked="$2" s a f base i
    read -r _ base _ < <(progress)
    for ((i = 0; i < 400; i++)); do
        read -r s a f < <(progress)
        if ((s >= want_started && a >= base + more_acked)); then
            return 0
        fi
        kill -0 "$client_pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

faults=()
fault_begin() { fault_t0="$EPOCHREALTIME"; }
fault_end() { # NAME: record the window from fault_begin until the receiver is ready again
    local ready=1
    recv_wait_ready 300 && ready=0
    ok "$ready" "$1: the receiver is ready again"
    faults+=("$1"$'\t'"$fault_t0"$'\t'"$EPOCHREALTIME")
}
pg_start_again() {
    # After a SIGKILL of the postmaster its orphaned backends may hold the shared
    # memory for a moment, and the new postmaster refuses to start until they are gone.
    local i
    for ((i = 0; i < 60; i++)); do
        if cluster_pg_ctl start >>"$RECV_WORK/pg_ctl.log" 2>&1; then
            return 0
        fi
        sleep 0.25
    done
    return 1
}

# 1. SIGKILL the postmaster while batches are inside the server, not yet committed: a
# session holds a lock that makes receive_batch wait, so that the kill cannot fall
# between two batches by luck. A receiver that answered 200 before its commit returned
# would lose these. (The other three faults strike wherever the load happens to be.)
wait_load $((events * 15 / 100)) 200
ok $? "load running before the postmaster is killed"
psql_ -c "BEGIN" -c "LOCK TABLE jimo.events IN SHARE ROW EXCLUSIVE MODE" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
locker=$!
held=0
for ((i = 0; i < 100 && held < 2; i++)); do
    sleep 0.05
    held="$(psql_ -c "SELECT count(*) FROM pg_stat_activity
                      WHERE wait_event_type = 'Lock' AND query LIKE '%receive_batch%'")"
done
ok "$((held > 0 ? 0 : 1))" "batches held uncommitted inside the server at the kill: $held"
fault_begin
pm_pid="$(head -n 1 "$JIMO_CLUSTER_DATA/postmaster.pid")"
kill -KILL "$pm_pid"
ok $? "postmaster ($pm_pid) killed with SIGKILL"
wait "$locker" 2>/dev/null # its backend went with the postmaster
sleep 1
pg_start_again
ok $? "PostgreSQL started again after the SIGKILL (crash recovery)"
fault_end "postmaster SIGKILL"

# 2. SIGKILL the receiver, then start the same command line on the same port (read
# from /proc, so it is exactly what recv_start ran, whatever flags that passes).
wait_load $((events * 35 / 100)) 200
ok $? "load running before the receiver is killed"
mapfile -d '' recv_argv <"/proc/$RECV_PID/cmdline"
fault_begin
kill -KILL "$RECV_PID"
ok $? "receiver ($RECV_PID) killed with SIGKILL"
wait "$RECV_PID" 2>/dev/null
sleep 1
RECV_LOG="$RECV_WORK/receiver.$RECV_PORT.restarted.log"
restarted=1
for ((i = 0; i < 50; i++)); do
    JIMO_RECEIVER_SECRET="$RECV_SECRET" "${recv_argv[@]}" >>"$RECV_LOG" 2>&1 &
    RECV_PID=$!
    sleep 0.3
    if kill -0 "$RECV_PID" 2>/dev/null; then
        restarted=0
        break
    fi
    wait "$RECV_PID" 2>/dev/null # it exited: the port was not free yet; again
    RECV_PID=""
done
ok "$restarted" "a new receiver runs on the same port ($RECV_PORT)"
fault_end "receiver SIGKILL"

# 3. fast shutdown
wait_load $((events * 55 / 100)) 200
ok $? "load running before the fast shutdown"
fault_begin
cluster_pg_ctl stop -m fast >>"$RECV_WORK/pg_ctl.log" 2>&1
ok $? "PostgreSQL stopped (-m fast)"
sleep 1
pg_start_again
ok $? "PostgreSQL started again after the fast shutdown"
fault_end "fast shutdown"

# 4. immediate shutdown (no checkpoint: crash recovery at the next start)
wait_load $((events * 75 / 100)) 200
ok $? "load running before the immediate shutdown"
fault_begin
cluster_pg_ctl stop -m immediate >>"$RECV_WORK/pg_ctl.log" 2>&1
ok $? "PostgreSQL stopped (-m immediate)"
sleep 1
pg_start_again
ok $? "PostgreSQL started again after the immediate shutdown"
fault_end "immediate shutdown"

wait "$client_pid"
client_status=$?
client_pid=""
sed 's/^/# client: /' "$RECV_WORK/client.out"
is "$client_status" 0 "the client got every body answered 200 in the end (Jimo-like retries)"

# --- the ledger against the database -------------------------------------------------
printf '%s\n' "${faults[@]}" >"$RECV_WORK/faults.tsv"
psql_ >/dev/null <<SQL
CREATE TABLE sent (n bigserial, body text);
\\copy sent (body) FROM '$RECV_WORK/bodies.jsonl' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
ALTER TABLE sent ADD idx int, ADD j jsonb;
UPDATE sent SET idx = n - 1, j = body::jsonb;
CREATE TABLE ledger (idx int, attempt int, t0 float8, t1 float8, outcome text, event_id bigint, dup boolean);
\\copy ledger FROM '$RECV_WORK/ledger.tsv'
CREATE TABLE faults (name text, t0 float8, t1 float8);
\\copy faults FROM '$RECV_WORK/faults.tsv'
ANALYZE sent; ANALYZE ledger;
SQL
ok $? "ledger loaded"

q() { local sql="$1"; shift; psql_ "$@" -c "$sql"; }
sent_n="$(q "SELECT count(*) FROM sent")"
is "$sent_n" "$events" "bodies sent"
is "$(q "SELECT count(DISTINCT j) FROM sent")" "$events" "every body is a distinct event"
is "$(q "SELECT count(DISTINCT idx) FROM ledger")" "$events" "every body was attempted"
acked="$(q "SELECT count(DISTINCT idx) FROM ledger WHERE outcome = '200'")"
stored="$(q "SELECT count(*) FROM jimo.events e WHERE EXISTS (SELECT FROM sent s WHERE s.j = e.payload)")"
lost="$(q "SELECT count(DISTINCT l.idx) FROM ledger l JOIN sent s USING (idx)
           WHERE l.outcome = '200' AND NOT EXISTS (SELECT FROM jimo.events e WHERE e.payload = s.j)")"
is "$lost" 0 "every body answered 200 is in jimo.events (lost)"
if ((lost > 0)); then
    echo "# lost bodies (line of bodies.jsonl from 0, event, when answered 200, event_id given):"
    q "SELECT l.idx, s.j->>'event', to_timestamp(l.t1), l.event_id FROM ledger l JOIN sent s USING (idx)
       WHERE l.outcome = '200' AND NOT EXISTS (SELECT FROM jimo.events e WHERE e.payload = s.j)
       ORDER BY l.t1 LIMIT 20" | sed 's/^/#   /'
    echo "# faults (begin, ready again):"
    q "SELECT name, to_timestamp(t0), to_timestamp(t1) FROM faults ORDER BY t0" | sed 's/^/#   /'
fi
is "$(q "SELECT count(*) FROM ledger l JOIN sent s USING (idx) WHERE l.outcome = '200'
         AND NOT EXISTS (SELECT FROM jimo.events e WHERE e.id = l.event_id AND e.payload = s.j)")" 0 \
    "every 200 named the event_id of the row holding that very body"
is "$(q "SELECT count(*) FROM jimo.events e WHERE NOT EXISTS (SELECT FROM sent s WHERE s.j = e.payload)")" 0 \
    "no row in jimo.events that was never sent"
is "$(q "SELECT count(*) FROM jimo.rejected")" 0 "nothing rejected"
is "$(q "SELECT count(*) FROM jimo.events e JOIN sent s ON s.j = e.payload
         JOIN (SELECT idx, count(*) AS attempts FROM ledger GROUP BY idx) l USING (idx)
         WHERE e.deliveries > l.attempts")" 0 \
    "no event counts more deliveries than its body was attempted (nothing replayed)"
is "$stored" "$acked" "after the retries every body answered 200 is stored, and only those"
is "$acked" "$events" "every body was answered 200 in the end"

# Each fault must have shown: some attempt failed (503, refused, reset, timeout) while it
# lasted (from the kill or stop until the receiver was ready again, plus one second).
while IFS=$'\t' read -r name failed; do
    ok "$((failed > 0 ? 0 : 1))" "$name: $failed attempts failed during it"
done < <(q "SELECT f.name || E'\t' || count(l.idx) FROM faults f
            LEFT JOIN ledger l ON l.outcome <> '200' AND l.t1 BETWEEN f.t0 AND f.t1 + 1
            GROUP BY f.name, f.t0 ORDER BY f.t0")

# The counts, for the record.
attempts="$(q "SELECT count(*) FROM ledger")"
outcomes="$(q "SELECT string_agg(outcome || '=' || c, ' ' ORDER BY outcome)
               FROM (SELECT outcome, count(*) AS c FROM ledger GROUP BY outcome) o")"
dup200="$(q "SELECT count(*) FROM ledger WHERE outcome = '200' AND dup")"
retried="$(q "SELECT count(DISTINCT idx) FROM ledger WHERE attempt > 1")"
echo "# ledger: bodies sent $sent_n, answered 200 $acked, stored $stored, lost $lost"
echo "# ledger: attempts $attempts ($outcomes); bodies retried $retried;" \
    "200 as duplicate $dup200 (committed before, answer not received)"
while IFS=$'\t' read -r name secs failed; do
    echo "# fault: $name: ${secs}s until ready, $failed failed attempts"
done < <(q "SELECT f.name, round((f.t1 - f.t0)::numeric, 1), count(l.idx) FROM faults f
            LEFT JOIN ledger l ON l.outcome <> '200' AND l.t1 BETWEEN f.t0 AND f.t1 + 1
            GROUP BY f.name, f.t0, f.t1 ORDER BY f.t0" -F $'\t')

# A backend that crashed on its own (not one we killed) would be a defect too.
crashes="$(grep -cE 'terminated by signal (11|6|7|4)|PANIC:' "$JIMO_CLUSTER_LOG")"
is "$crashes" 0 "no backend crashed by itself (segfault, abort, PANIC)"

recv_stop
is "$RECV_STATUS" 0 "the restarted receiver exits cleanly"
done_testing
