#!/usr/bin/env bash
# An expired event is not stored again by a REPEATABLE READ transaction whose snapshot
# predates the expiry (0.16; an audit found it in 0.15). The transaction read the
# retention horizon through its snapshot, from before jimo.expire() committed: the
# expired month was created again and the redelivered event stored, counted twice. The
# same happened to a single receive_batch() statement when the database defaulted to
# that isolation and the expiry committed while the batch was read. Ingest now locks
# jimo.events before it learns its months and the horizon, and reads the horizon as
# committed now.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/tap.sh
source "$root/test/lib/tap.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# X: a tour start of 2023-11-14 (the only event of its month); Y: one of this month
x='{"event": "tour.started", "time": 1700000000000, "experience": {"uid": "c7c7c7c7-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d7d7d7d7-0000-4000-8000-000000000001"}}'
now="$(psql_ -c "SELECT (extract(epoch FROM now()) * 1000)::bigint")"
y="{\"event\": \"tour.started\", \"time\": $now, \"experience\": {\"uid\": \"c7c7c7c7-0000-4000-8000-000000000001\", \"type\": \"TOUR\"}, \"jimer\": {\"uid\": \"d7d7d7d7-0000-4000-8000-000000000002\"}}"
check "X stored" "$(psql_ -c "SELECT status FROM jimo.receive('$x')")" stored
check "Y stored" "$(psql_ -c "SELECT status FROM jimo.receive('$y')")" stored

# S1 takes its snapshot, waits 3 s, then receives X again; S2 expires X's month meanwhile
psql_ -F '|' >"$work/s1.out" 2>&1 <<SQL &
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM jimo.expired_months;
SELECT pg_sleep(3);
SELECT 's1', status FROM jimo.receive('$x');
COMMIT;
SQL
s1=$!
sleep 1
expired="$(psql_ -c "SELECT count(*) FROM jimo.expire('400 days') WHERE lower_bound = '2023-11-01 00:00+00'")"
rc=0
wait "$s1" || rc=$?
sed 's/^/# s1: /' "$work/s1.out"
check "jimo.expire('400 days') dropped 2023-11 while S1 waited" "$expired" 1
check "S1 (REPEATABLE READ, snapshot from before the expiry) commits, X rejected" \
    "$rc $(grep -o '^s1|.*' "$work/s1.out")" "0 s1|rejected"
check "X's month was not created again" "$(psql_ -c "SELECT to_regclass('jimo.events_p2023_11') IS NULL")" t
check "X counted once: one start on its journey" \
    "$(psql_ -c "SELECT starts FROM jimo.journeys WHERE jimer_uid = 'd7d7d7d7-0000-4000-8000-000000000001'")" 1
check "X's rejection kept, with the horizon" \
    "$(psql_ -c "SELECT count(*) FROM jimo.rejected WHERE error LIKE '%before the retention horizon%'")" 1
check "a later delivery of X in READ COMMITTED is rejected too" \
    "$(psql_ -c "SELECT status FROM jimo.receive('$x')")" rejected
echo "1..$n"
exit "$failed"
