#!/usr/bin/env bash
# Two sessions need the same new month at once, one of them in a REPEATABLE READ
# transaction that took its snapshot before the other committed.
# jimo.ensure_partitions() lets one creator at a time in; the second, once in, must
# see that the month now exists. It looked in pg_class with its transaction's
# snapshot, which under REPEATABLE READ still showed no month, created it again and
# failed whole with "relation already exists": every body of the call lost its
# answer, not one body alone (found by QA round 8). Under READ COMMITTED each
# statement's snapshot saw the other's commit, which is why only these levels failed.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"

body() { # YEAR N: a tour.started in March of YEAR, by jimer N in experience N
    printf '{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-%012d"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%012d"}}' \
        "$(psql -X -q -At -c "SELECT (extract(epoch FROM timestamptz '$1-03-10 12:00Z') * 1000)::bigint + $2")" "$2" "$2"
}
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

race() { # LEVEL YEAR: prints A's answer
    local level="$1" year="$2"
    # B creates the month and holds it uncommitted for 3 s
    psql -X -q -At -v ON_ERROR_STOP=1 >"$work/b.out" 2>&1 <<SQL &
BEGIN;
SELECT 'b', status FROM jimo.receive('$(body "$year" 1)');
SELECT pg_sleep(3);
COMMIT;
SQL
    local b=$!
    sleep 1
    # A takes its snapshot while B's month is uncommitted, then needs the same month:
    # it waits for B's lock, and goes on once B commits
    psql -X -q -At -v ON_ERROR_STOP=1 -F '|' 2>&1 <<SQL || true
BEGIN ISOLATION LEVEL $level;
SELECT count(*) >= 0 FROM jimo.events;
SELECT 'a', status FROM jimo.receive_batch(ARRAY['$(body "$year" 2)', '$(body 2024 $((10 + n)))']::text[]);
COMMIT;
SQL
    wait "$b" || true
    cat "$work/b.out" >&2
}

# (SERIALIZABLE is left out: there the two sessions' dedup lookups and inserts in the
# same index may rightly fail one of them with 40001, which the receiver answers 503.)
for level in "REPEATABLE READ" "READ COMMITTED"; do
    year=$((2070 + n))
    out="$(race "$level" "$year")"
    echo "$out" | sed 's/^/# /'
    ok "$([ "$(grep -c '^a|stored$' <<<"$out")" = 2 ] && echo 0 || echo 1)" \
        "$level: the second session to need a new month stores both bodies once the first commits"
    months="$(psql -X -q -At -c "SELECT count(*) FROM jimo.partitions WHERE partition_name = 'events_p${year}_03'")"
    stored="$(psql -X -q -At -c "SELECT count(*) FROM jimo.events WHERE occurred_at >= '$year-03-01' AND occurred_at < '$year-04-01'")"
    ok "$([ "$months" = 1 ] && [ "$stored" = 2 ] && echo 0 || echo 1)" \
        "$level: the month exists once and holds both sessions' events (partitions $months, events $stored)"
done
echo "1..$n"
exit "$failed"
