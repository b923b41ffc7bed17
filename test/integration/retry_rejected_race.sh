#!/usr/bin/env bash
# Two sessions run jimo.retry_rejected() at the same time (cron and an operator,
# two application servers after an upgrade). Each read jimo.rejected without
# locking its rows, so both retried the same body: one stored it and removed its
# row, the other found the event stored (a duplicate) and carried the row's
# deliveries over again, and took them off jimo.delivery_days again: the event
# counted its deliveries twice and delivery_health showed a negative number of
# rejected bodies (found by QA round 7). Session A retries a body now accepted
# and holds its transaction open; session B retries meanwhile: B must wait for
# A and then leave the body alone, whether A committed (the row is gone) or
# rolled back (B retries it itself), and every count must be as after one retry.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks
# (test/run provides them). TAP output.
set -euo pipefail
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# shellcheck source=test/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"

echo "1..10"
body='{"event": "bad.event", "time": 1740133769000, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-000000000001"}}'

for ending in COMMIT ROLLBACK; do
    psql_ -c "TRUNCATE jimo.events, jimo.rejected, jimo.delivery_days, jimo.delivery_lags, jimo.experiences, jimo.jimers, jimo.journeys, jimo.seen_days, jimo.seen_day_totals"
    # the body is rejected twice by a constraint, which is then dropped
    psql_ -c "ALTER TABLE jimo.events ADD CONSTRAINT qa_no_bad CHECK (name <> 'bad.event')" \
        -c "SELECT count(*) FROM jimo.receive_batch(ARRAY['$body', '$body'])" \
        -c "ALTER TABLE jimo.events DROP CONSTRAINT qa_no_bad" >/dev/null
    # A: retries, keeps the transaction open 2 s, then ends it
    psql_ >"$work/a.out" 2>&1 <<SQL &
BEGIN;
SELECT format('%s %s %s', retried, stored, still_rejected) FROM jimo.retry_rejected();
SELECT pg_sleep(2);
$ending;
SQL
    a_pid=$!
    sleep 0.7
    b_status=0
    psql_ -c "SELECT format('%s %s %s', retried, stored, still_rejected) FROM jimo.retry_rejected()" \
        >"$work/b.out" 2>&1 || b_status=$?
    a_status=0
    wait "$a_pid" || a_status=$?
    if [[ $ending == COMMIT ]]; then expect_b="0 0 0"; else expect_b="1 1 0"; fi
    check "$ending: session A retried the body and stored it" "$a_status $(head -1 "$work/a.out")" "0 1 1 0"
    check "$ending: session B waited and retried it only if A did not keep it" "$b_status $(cat "$work/b.out")" "0 $expect_b"
    check "$ending: the event is stored once with its 2 deliveries" \
        "$(psql_ -c "SELECT count(*) || ' ' || sum(deliveries) FROM jimo.events")" "1 2"
    check "$ending: nothing is left in jimo.rejected" "$(psql_ -c "SELECT count(*) FROM jimo.rejected")" "0"
    check "$ending: delivery_health: 1 stored, 2 deliveries, nothing rejected" \
        "$(psql_ -c "SELECT sum(stored) || ' ' || sum(deliveries) || ' ' || sum(rejected) || ' ' || sum(rejected_deliveries) FROM jimo.delivery_health")" \
        "1 2 0 0"
done
exit $failed
