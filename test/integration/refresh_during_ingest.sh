#!/usr/bin/env bash
# jimo.refresh_funnel_cohorts() while ingest is in flight: the funnel views stay
# exact. A refresh reads the marks, computes the cohorts they cover from the
# journeys its snapshot sees, then deletes the marks it read, each only at the
# version it read: a mark an ingest transaction rewrote meanwhile (not yet
# committed when the refresh computed) must survive, or the cache would hold a
# cohort without that transaction's change and the views would read it.
#   1. deterministic: a transaction rewrites a committed mark and holds it while a
#      refresh runs; the refresh does not wait for it and keeps the mark;
#   1b. a refresh held between its read of the marks and their deletion (a session
#      holds the cache state's row, which the refresh writes in between) while an
#      ingest commits a rewrite of a mark it read: the refresh keeps that mark (its
#      xact moved);
#   2. a stream: three sessions ingest shuffled generated events in small calls
#      while a fourth refreshes in a loop; then the views equal what the journeys
#      give, before and after a last refresh.
# "What the journeys give" is each view read in a transaction that deletes the
# cache's state (so that every cohort is computed) and rolls back.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# the rows of both views, cached as they are, or all computed from the journeys
views_sql="SELECT 'd', t::text FROM jimo.tour_funnel_daily t UNION ALL SELECT 'c', c::text FROM jimo.funnel_cohorts c ORDER BY 1, 2"
views() { psql_ -c "$views_sql"; }
views_uncached() {
    psql_ -c "BEGIN" -c "DELETE FROM jimo.funnel_cohort_state" -c "$views_sql" -c "ROLLBACK"
}

# --- 1. a rewritten mark survives a refresh that read it at its older version
day=$(psql_ -c "SELECT (extract(epoch FROM timestamptz '2025-03-10 10:00:00+00') * 1000)::bigint")
body() { # EVENT MS JIMER
    printf '{"event": "%s", "time": %s, "experience": {"uid": "c6c6c6c6-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d6d6d6d6-0000-4000-8000-%012d"}}' "$1" "$2" "$3"
}
psql_ -c "SELECT status FROM jimo.receive('$(body tour.started "$day" 1)')" >/dev/null
psql_ -c "SELECT full_refresh FROM jimo.refresh_funnel_cohorts()" >/dev/null
# A, one backend (one writer slot): a committed start of jimer 2 on the same day
# marks it; then a transaction starts jimer 3 that day, which rewrites that mark,
# and holds it for 3 s
psql_ -F '|' >"$work/a.out" 2>&1 <<SQL &
SELECT 'a', status FROM jimo.receive('$(body tour.started $((day + 60000)) 2)');
BEGIN;
SELECT 'a', status FROM jimo.receive('$(body tour.started $((day + 120000)) 3)');
SELECT pg_sleep(3);
COMMIT;
SQL
a=$!
sleep 1.5
# B: a refresh meanwhile; it reads the mark as jimer 2's commit left it, and skips
# the row A holds rather than wait for A
t0=$(date +%s%N)
psql_ -F '|' -c "SELECT cohorts, marks, full_refresh FROM jimo.refresh_funnel_cohorts()" >"$work/b.out" 2>&1 && b=0 || b=$?
t1=$(date +%s%N)
b_waited=$(((t1 - t0) / 1000000))
kill -0 "$a" 2>/dev/null && a_open=1 || a_open=0
wait "$a" && a=0 || a=$?
sed 's/^/# a: /' "$work/a.out"
sed 's/^/# b: /' "$work/b.out"
ok "$([ "$a" = 0 ] && [ "$(grep -c '^a|stored$' "$work/a.out")" = 2 ] && echo 0 || echo 1)" \
    "the ingest transaction stores its events and commits"
ok "$b" "a refresh beside it succeeds: $(tr '\n' ' ' <"$work/b.out")"
ok "$([ "$a_open" = 1 ] && echo 0 || echo 1)" "the refresh returned while the transaction was still open (${b_waited} ms)"
got=$(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_marks WHERE from_day <= '2025-03-10' AND to_day >= '2025-03-10'")
ok "$([ "$got" -ge 1 ] && echo 0 || echo 1)" "the mark the transaction rewrote is still there ($got)"
got=$(psql_ -c "SELECT started_jimers FROM jimo.tour_funnel_daily
                 WHERE experience_uid = 'c6c6c6c6-0000-4000-8000-000000000001' AND day = '2025-03-10'")
ok "$([ "$got" = 3 ] && echo 0 || echo 1)" "tour_funnel_daily counts all three starts of the day: $got"
views >"$work/v1" && views_uncached >"$work/u1"
ok "$(cmp -s "$work/v1" "$work/u1" && echo 0 || echo 1)" "both views equal what the journeys give ($(wc -l <"$work/v1") rows)"

# --- 1b. a mark rewritten and committed between a refresh's read and its deletion
psql_ -c "SELECT * FROM jimo.refresh_funnel_cohorts()" >/dev/null
# A: one session (one writer slot) fed through a FIFO: it starts jimer 4 now, which
# marks the day, and jimer 5 later, which rewrites that mark
mkfifo "$work/a.fifo"
psql_ -F '|' <"$work/a.fifo" >"$work/a2.out" 2>&1 &
a2=$!
exec 3>"$work/a.fifo"
echo "SELECT 'a', status FROM jimo.receive('$(body tour.started $((day + 180000)) 4)');" >&3
sleep 1
# C holds the state's row: the refresh, having read the marks, waits there
psql_ >"$work/c.out" 2>&1 <<SQL &
BEGIN;
SELECT 1 FROM jimo.funnel_cohort_state FOR UPDATE;
SELECT pg_sleep(3);
COMMIT;
SQL
c=$!
sleep 0.5
psql_ -F '|' -c "SELECT cohorts, marks, full_refresh FROM jimo.refresh_funnel_cohorts()" >"$work/b2.out" 2>&1 &
b2=$!
sleep 1
echo "SELECT 'a', status FROM jimo.receive('$(body tour.started $((day + 240000)) 5)');" >&3
exec 3>&-
wait "$a2" && a2=0 || a2=$?
wait "$c" || true
wait "$b2" && b2=0 || b2=$?
sed 's/^/# a: /' "$work/a2.out"
sed 's/^/# b: /' "$work/b2.out"
ok "$([ "$a2" = 0 ] && [ "$b2" = 0 ] && [ "$(grep -c '^a|stored$' "$work/a2.out")" = 2 ] && echo 0 || echo 1)" \
    "an ingest commits a rewrite of a mark while a refresh that read it waits before deleting the marks"
got=$(psql_ -c "SELECT started_jimers FROM jimo.tour_funnel_daily
                 WHERE experience_uid = 'c6c6c6c6-0000-4000-8000-000000000001' AND day = '2025-03-10'")
ok "$([ "$got" = 5 ] && echo 0 || echo 1)" "the refresh kept that mark: tour_funnel_daily counts all five starts of the day ($got)"
views >"$work/v1b" && views_uncached >"$work/u1b"
ok "$(cmp -s "$work/v1b" "$work/u1b" && echo 0 || echo 1)" "both views equal what the journeys give"

# --- 2. a stream of calls from three sessions, refreshes in a loop beside them
python3 "$root/test/bench/gen_events.py" --events 6000 --jimers 400 --experiences 20 --seed 11 \
    --duplicates 0.05 --shuffle random >"$work/events.jsonl"
psql_ <<SQL
CREATE TABLE refresh_staging (n bigserial, body text);
\copy refresh_staging (body) FROM '$work/events.jsonl' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
SQL
ingest() { # SESSION: every third body, in calls of about 13, each its own transaction
    for part in $(seq 0 149); do
        echo "SELECT count(*) FROM jimo.receive_batch((SELECT array_agg(body ORDER BY n)
              FROM refresh_staging WHERE n % 3 = $1 AND n % 150 = $part));"
    done | psql_ >/dev/null
}
pids=()
for s in 0 1 2; do ingest "$s" & pids+=($!); done
status=0
refreshes=0
while kill -0 "${pids[@]}" 2>/dev/null; do
    psql_ -c "SELECT * FROM jimo.refresh_funnel_cohorts()" >/dev/null || status=1
    refreshes=$((refreshes + 1))
    sleep 0.05
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
ok "$status" "three sessions ingest while $refreshes refreshes run beside them, without error"
got=$(psql_ -c "SELECT sum(deliveries) FROM jimo.events WHERE experience_uid <> 'c6c6c6c6-0000-4000-8000-000000000001'")
ok "$([ "$got" = 6000 ] && echo 0 || echo 1)" "every delivery counted once ($got of 6000)"
views >"$work/v2" && views_uncached >"$work/u2"
ok "$(cmp -s "$work/v2" "$work/u2" && echo 0 || echo 1)" \
    "after the stream, both views equal what the journeys give ($(wc -l <"$work/v2") rows, $(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_marks") marks left)"
psql_ -c "SELECT * FROM jimo.refresh_funnel_cohorts()" >/dev/null
views >"$work/v3"
ok "$(cmp -s "$work/v3" "$work/u2" && echo 0 || echo 1)" \
    "after a last refresh too, every cohort read from the cache ($(psql_ -c "SELECT count(*) FROM jimo.funnel_cohort_marks") marks left)"
psql_ -c "DROP TABLE refresh_staging"
echo "1..$n"
exit "$failed"
