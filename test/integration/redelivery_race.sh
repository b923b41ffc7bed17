#!/usr/bin/env bash
# Sessions delivering the same events at the same time never deadlock and lose no count.
# Four sessions start on an empty database and each delivers all of the same events,
# in an order of its own, in calls of 100 (a commit each, as the receiver sends): from
# a session's second call on, much of every call is redelivery updates racing with the
# other sessions' inserts and updates of the same rows. Each session plans its
# redelivery statement while the tables are nearly empty, where PostgreSQL picks a hash
# join over sequential scans: had that join been what locks the rows, sessions would
# lock them in heap order, which differs between their snapshots once rows have moved,
# and deadlock (0.3 did, in about 1 of 15 runs of the retry-storm test, and in about a
# third of the rounds here). Five rounds, each in a database of its own.
# Needs PGHOST/PGPORT/PGUSER of a role that may create databases (test/run provides it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/receiver/lib.sh
source "$root/test/receiver/lib.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
db=jimo_redelivery_race
trap 'rm -rf "$work"; dropdb --if-exists "$db" 2>/dev/null || true; _recv_cleanup' EXIT

sessions=4
events=1500
per_call=100
rounds=5
python3 "$root/test/bench/gen_events.py" --events "$events" --jimers 200 --seed 11 \
    --shuffle random >"$work/events.jsonl"

session() { # S: every body, in an order of its own, in calls of $per_call
    seq 0 $(((events - 1) / per_call)) |
        while read -r c; do
            echo "SELECT status, count(*) FROM jimo.receive_batch((SELECT array_agg(body ORDER BY k)
                  FROM (SELECT body, md5(body || '$1') AS k,
                               (rank() OVER (ORDER BY md5(body || '$1')) - 1) / $per_call AS c
                          FROM race_staging) s WHERE c = $c)) GROUP BY status;"
        done | psql_ -d "$db" -F ' ' >"$work/session.$1.out" 2>"$work/session.$1.err"
}

for round in $(seq 1 "$rounds"); do
    dropdb --if-exists "$db" 2>/dev/null
    createdb "$db"
    psql_ -d "$db" <<SQL
CREATE EXTENSION jimo_webhooks;
CREATE TABLE race_staging (n bigserial, body text);
\copy race_staging (body) FROM '$work/events.jsonl' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
SQL
    distinct=$(psql_ -d "$db" -c "SELECT count(DISTINCT body::jsonb) FROM race_staging")
    pids=()
    for s in $(seq 1 "$sessions"); do
        session "$s" &
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    ok "$status" "round $round: $sessions sessions delivered the same $events bodies at once without an error"
    grep -h ERROR "$work"/session.*.err | head -3 | sed 's/^/# /' || true
    is "$(cat "$work"/session.*.err | grep -c deadlock)" 0 "round $round: no deadlock"
    answered=$(cat "$work"/session.*.out | awk '{n += $2} END {print n + 0}')
    is "$answered" "$((sessions * events))" "round $round: every delivery answered"
    is "$(cat "$work"/session.*.out | awk '$1 == "stored" {n += $2} END {print n + 0}')" "$distinct" \
        "round $round: each of the $distinct distinct events stored once, by one of the sessions"
    is "$(psql_ -d "$db" -c "SELECT count(*) || ' ' || sum(deliveries) FROM jimo.events")" \
        "$distinct $answered" "round $round: jimo.events holds them once, their deliveries summing to every delivery made"
done
done_testing
