#!/usr/bin/env bash
# jimo.expire() while an ingest transaction is in flight: neither fails, and the
# journey whose conversion needs a dropped completion keeps it.
# Before dropping a month, expire() writes the journeys that need one of its
# completions (journeys.expired_completion_at). Done before the months' tables were
# locked, that took a journey's row, then waited for the ingest transaction holding
# jimo.events, which then waited for the same journey row: a deadlock that failed one
# of them. expire() now locks the partitioned tables first, as the drop would.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# times: m20 is 20 months ago (a retention of one year drops it), now is this month
m20="$(psql_ -c "SELECT (extract(epoch FROM date_trunc('month', now() - interval '20 months') + interval '3 days') * 1000)::bigint")"
now="$(psql_ -c "SELECT (extract(epoch FROM date_trunc('month', now())) * 1000)::bigint")"
h=3600000
body() { # EVENT MS JIMER
    printf '{"event": "%s", "time": %s, "experience": {"uid": "c5c5c5c5-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d5d5d5d5-0000-4000-8000-%012d"}}' "$1" "$2" "$3"
}
# jimer 1 completed, started an hour later, completed an hour after that (all in m20),
# and again this month: converted in one hour, on a completion that expires
for b in "$(body tour.completed $((m20 + h)) 1)" "$(body tour.started $((m20 + 2 * h)) 1)" \
    "$(body tour.completed $((m20 + 3 * h)) 1)" "$(body tour.completed "$now" 1)" \
    "$(body tour.started $((m20 + h)) 2)"; do
    psql_ -c "SELECT status FROM jimo.receive('$b')" >/dev/null
done

# A: an ingest transaction that stores an event, holds on for 3 s, then writes
# jimer 1's journey
psql_ -F '|' >"$work/a.out" 2>&1 <<SQL &
BEGIN;
SELECT 'a', status FROM jimo.receive('$(body tour.started "$now" 3)');
SELECT pg_sleep(3);
SELECT 'a', status FROM jimo.receive('$(body tour.completed $((now + 60000)) 1)');
COMMIT;
SQL
a=$!
sleep 1
# B: the expiry, meanwhile
psql_ -c "SELECT count(*) FROM jimo.expire('1 year') WHERE upper_bound <= now() - interval '1 year'" \
    >"$work/b.out" 2>&1
b=$?
wait "$a" && a=0 || a=$?
sed 's/^/# a: /' "$work/a.out"
sed 's/^/# b: /' "$work/b.out"
ok "$b" "jimo.expire() beside an ingest transaction in flight: $(head -c 200 "$work/b.out" | tr '\n' ' ')"
ok "$([ "$a" = 0 ] && [ "$(grep -c '^a|stored$' "$work/a.out")" = 2 ] && echo 0 || echo 1)" \
    "the ingest transaction stores both its events and commits"
got="$(psql_ -F '|' -c "SELECT completions, converted, seconds_to_complete FROM jimo.journey_conversions
      WHERE jimer_uid = 'd5d5d5d5-0000-4000-8000-000000000001'")"
ok "$([ "$got" = "4|t|3600" ] && echo 0 || echo 1)" \
    "jimer 1 (4 completions) still converts in one hour, on a completion whose month was dropped: $got"
echo "1..$n"
exit "$failed"
