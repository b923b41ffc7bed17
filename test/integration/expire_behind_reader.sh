#!/usr/bin/env bash
# jimo.expire() behind a long reader, and beside a DEFAULT partition (0.16; both found
# by an audit of 0.15).
#  1. A report reads jimo.events for 4 s; jimo.expire() starts meanwhile and needs the
#     tables exclusively. 0.15 waited for them in one go, and every ingest call queued
#     behind it for the rest of the report (5.6 s for one body in the audit). It now asks
#     in tries of 100 ms: a new event is stored in well under a second meanwhile, and the
#     expiry still happens once the report is done.
#  2. A DEFAULT partition a user attached to jimo.events is kept: 0.15 took it for an
#     expiring month and failed every time.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/tap.sh
source "$root/test/lib/tap.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

body() { # EVENT MS JIMER
    printf '{"event": "%s", "time": %s, "experience": {"uid": "c8c8c8c8-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d8d8d8d8-0000-4000-8000-%012d"}}' "$1" "$2" "$3"
}
ms() { psql_ -c "SELECT (extract(epoch FROM date_trunc('month', now() - interval '$1') + interval '3 days') * 1000)::bigint"; }
m20="$(ms '20 months')"
m16="$(ms '16 months')"
now="$(psql_ -c "SELECT (extract(epoch FROM now()) * 1000)::bigint")"
for b in "$(body tour.started "$m20" 1)" "$(body tour.started "$m16" 2)" "$(body tour.started "$now" 3)"; do
    psql_ -c "SELECT jimo.receive('$b')" >/dev/null
done

# --- 1. behind a reader -----------------------------------------------------------------
psql_ -c "BEGIN" -c "SELECT count(*) FROM jimo.events" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null &
reader=$!
sleep 0.5
psql_ -c "SELECT count(*) FROM jimo.expire('18 months')" >"$work/expire.out" 2>&1 &
expiry=$!
sleep 1
t="$(psql_ <<SQL | tail -n 1
SELECT clock_timestamp() AS t0 \gset
SELECT jimo.receive('$(body tour.completed "$((now + 1000))" 3)');
SELECT round(extract(epoch FROM clock_timestamp() - :'t0') * 1000);
SQL
)"
wait "$reader"
rc=0
wait "$expiry" || rc=$?
check "a new event is stored while jimo.expire() waits behind a 4 s reader, in under 1 s ($t ms)" \
    "$([[ "$t" -lt 1000 ]] && echo yes || echo no)" yes
check "the expiry then happens: the month of 20 months ago goes" "$rc $(cat "$work/expire.out")" "0 1"
check "the events left: the one of 16 months ago and the two of now" \
    "$(psql_ -c "SELECT count(*) FROM jimo.events")" 3

# --- 2. a DEFAULT partition -----------------------------------------------------------
psql_ -c "CREATE TABLE jimo.events_user_default PARTITION OF jimo.events DEFAULT"
check "jimo.expire() beside a DEFAULT partition expires the month of 16 months ago" \
    "$(psql_ -c "SELECT count(*) FROM jimo.expire('1 year')" 2>&1)" 1
check "and keeps the DEFAULT partition" \
    "$(psql_ -c "SELECT to_regclass('jimo.events_user_default') IS NOT NULL")" t
check "ingest goes on: a new event stored" \
    "$(psql_ -c "SELECT status FROM jimo.receive('$(body tour.started "$((now + 2000))" 4)')")" stored
psql_ -c "DROP TABLE jimo.events_user_default"
echo "1..$n"
exit "$failed"
