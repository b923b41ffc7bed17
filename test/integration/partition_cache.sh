#!/usr/bin/env bash
# A session remembers which months exist and the retention horizon, to skip a call
# per chunk (src/partitions.c). What it remembers must never outlive the truth:
#   - after another session expires a month, an event of that month is rejected as
#     before the horizon (not stored, and not rejected for a missing partition);
#   - after its own transaction that created a month aborts, an event of that month
#     gets the month again and is stored;
#   - a month another session created is used as is.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"

# Times relative to now: 20 and 2 months ago, and 3 months ahead.
body() { # MONTHS_FROM_NOW N
    psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT format('{\"event\": \"tour.started\", \"time\": %s, \"experience\": {\"uid\": \"c3c3c3c3-0000-4000-8000-000000000001\"}, \"jimer\": {\"uid\": \"d4d4d4d4-0000-4000-8000-%s\"}}',
        (extract(epoch FROM date_trunc('month', now()) + $1 * interval '1 month' + interval '3 days') * 1000)::bigint + $2,
        lpad('$2', 12, '0'))"
}
old1="$(body -20 1)"
old2="$(body -20 2)"
recent="$(body -2 3)"
ahead1="$(body 3 4)"
ahead2="$(body 4 5)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf "SELECT 'b2', status FROM jimo.receive('%s');\n" "$ahead2" >"$work/b2.sql"
# One session (A) runs everything below; \! runs session B in between.
out="$(psql -X -q -At -v ON_ERROR_STOP=1 -F '|' <<SQL
SELECT 'a1', status FROM jimo.receive('$old1');
SELECT 'a2', status FROM jimo.receive('$recent');
\! psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT 'b', count(*) FROM jimo.expire('1 year')"
SELECT 'a3', status, error ~ 'retention horizon' FROM jimo.receive('$old1');
SELECT 'a4', status, error ~ 'retention horizon' FROM jimo.receive('$old2');
SELECT 'a5', status FROM jimo.receive('$recent');
BEGIN;
SELECT 'a6', status FROM jimo.receive('$ahead1');
ROLLBACK;
SELECT 'a7', status FROM jimo.receive('$ahead1');
\! psql -X -q -At -v ON_ERROR_STOP=1 -F '|' -f $work/b2.sql
SELECT 'a8', status FROM jimo.receive('$ahead2');
SQL
)"
echo "$out" | sed 's/^/# /'
line() { grep "^$1|" <<<"$out" | cut -d'|' -f2-; }
ok "$([ "$(line a1)" = stored ] && [ "$(line a2)" = stored ] && echo 0 || echo 1)" \
    "session A stores an event 20 months old and one 2 months old"
ok "$([ "$(line b)" = 1 ] && echo 0 || echo 1)" "session B expires the old month (1 range)"
ok "$([ "$(line a3)" = "rejected|t" ] && echo 0 || echo 1)" \
    "then A rejects a redelivery of the expired event as before the retention horizon"
ok "$([ "$(line a4)" = "rejected|t" ] && echo 0 || echo 1)" \
    "and a new event of the expired month the same way"
ok "$([ "$(line a5)" = duplicate ] && echo 0 || echo 1)" "a kept event is still a duplicate"
ok "$([ "$(line a6)" = stored ] && [ "$(line a7)" = stored ] && echo 0 || echo 1)" \
    "a month created in a transaction that aborted is created again: the event is stored"
ok "$([ "$(line b2)" = stored ] && [ "$(line a8)" = duplicate ] && echo 0 || echo 1)" \
    "a month session B created serves session A"
n_rows="$(psql -X -q -At -c "SELECT count(*) FROM jimo.events")"
ok "$([ "$n_rows" = 3 ] && echo 0 || echo 1)" "jimo.events holds the 3 events of kept months (got $n_rows)"
echo "1..$n"
exit "$failed"
