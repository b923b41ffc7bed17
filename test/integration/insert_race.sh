#!/usr/bin/env bash
# Two sessions store the same new event at the same moment. New events are
# written without a statement (src/bulk.c): each is looked up first, and one
# that another session has inserted but not committed is not seen, so both
# insert it; the unique index makes the second wait for the first, then raise
# a unique violation once the first commits. That must cost the second session
# nothing but a retry of its write (bulk.c hands the events to the INSERT ...
# ON CONFLICT statement; failing that, the isolating write of batch.c would
# retry it): session A stores X and Y and holds its transaction open; session B
# stores X and Z meanwhile and must wait for A, then answer X as a redelivery
# (A committed) or as stored (A rolled back), with Z stored either way, no
# error, and each event once.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks
# (test/run provides them). TAP output.
set -euo pipefail
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=test/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"

echo "1..10"
body() { # name day
    printf '{"event": "%s", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%012d"}}' \
        "$1" "$(( (1709251200 + $2 * 86400) * 1000 ))" "$2"
}

for ending in COMMIT ROLLBACK; do
    psql_ -c "TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers, jimo.users, jimo.projects, jimo.journeys, jimo.seen_days, jimo.seen_day_totals, jimo.survey_answers, jimo.checklist_tasks, jimo.post_comments, jimo.post_likes"
    x="$(body tour.started 1)"
    y="$(body tour.started 2)"
    z="$(body tour.started 3)"
    # A: stores X and Y, keeps the transaction open 2 s, then ends it
    psql_ >"$work/a.out" 2>&1 <<SQL &
BEGIN;
SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY['$x', '$y']);
SELECT pg_sleep(2);
$ending;
SQL
    a_pid=$!
    sleep 0.7
    # B: X and Z, while A holds X uncommitted
    start=$(date +%s%N)
    b_status=0
    psql_ -c "SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY['$x', '$z'])" \
        >"$work/b.out" 2>&1 || b_status=$?
    waited_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    a_status=0
    wait "$a_pid" || a_status=$?
    if [[ $ending == COMMIT ]]; then expect_x=duplicate; expect_rows="X 2|Y 1|Z 1"; else expect_x=stored; expect_rows="X 1|Z 1"; fi
    check "$ending: session A stored X and Y without error" "$a_status $(head -1 "$work/a.out")" "0 stored,stored"
    check "$ending: session B answered without error: X $expect_x, Z stored" "$b_status $(cat "$work/b.out")" "0 $expect_x,stored"
    check "$ending: session B waited for A's transaction to end" "$((waited_ms >= 900))" "1"
    check "$ending: each event stored once, every delivery counted" \
        "$(psql_ -c "SELECT string_agg(CASE occurred_at WHEN '2024-03-02 00:00Z' THEN 'X' WHEN '2024-03-03 00:00Z' THEN 'Y' ELSE 'Z' END || ' ' || deliveries, '|' ORDER BY occurred_at) FROM jimo.events")" \
        "$expect_rows"
    check "$ending: the journeys count each jimer once" \
        "$(psql_ -c "SELECT count(*) || ' ' || count(DISTINCT jimer_uid) FROM jimo.journeys")" \
        "$( [[ $ending == COMMIT ]] && echo '3 3' || echo '2 2')"
done
exit $failed
