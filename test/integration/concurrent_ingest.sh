#!/usr/bin/env bash
# Concurrent sessions storing overlapping sets of deliveries end with exactly
# the tables that one session storing them one after another gets: no event
# stored twice, no delivery lost, no deadlock, no state that depends on which
# session committed first, and the sessions racing to create the same new months
# (partitions) all succeed. Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database
# with jimo_webhooks (test/run provides them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 "$root/test/bench/gen_events.py" --events 8000 --jimers 300 --seed 7 \
    --duplicates 0.1 --shuffle random > "$work/events.jsonl"
psql_ <<SQL
DROP TABLE IF EXISTS conc_staging;
CREATE TABLE conc_staging (n bigserial, body text);
\copy conc_staging (body) FROM '$work/events.jsonl' WITH (FORMAT csv, QUOTE e'\x01', DELIMITER e'\x02')
SQL

reset_sql="TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers, jimo.users, jimo.projects, jimo.journeys, jimo.seen_days, jimo.seen_day_totals, jimo.survey_answers, jimo.checklist_tasks, jimo.post_comments, jimo.post_likes"
# Session s gets every body but those with n % 4 = s - 1, in its own order, in
# 8 calls of about 750 bodies, each call its own transaction as the receiver
# does: the four sets overlap, every body goes to three sessions. (Sessions
# that run several calls inside ONE transaction can deadlock on each other's
# uncommitted events, as any such transactions can; PostgreSQL then aborts one.)
ingest() {
    for part in 0 1 2 3 4 5 6 7; do
        echo "SELECT count(*) FROM jimo.receive_batch((SELECT array_agg(body ORDER BY md5(body || '$2'))
              FROM conc_staging WHERE n % 4 <> $1 - 1 AND n % 8 = $part));"
    done | psql_ >/dev/null
}
snapshot() {
    psql_ <<'SQL'
SELECT count(*), sum(deliveries) FROM jimo.events;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT digest, name, occurred_at, deliveries, payload FROM jimo.events) t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT uid, title, state, is_draft, deleted_at, snapshot, first_event_at, state_at, state_rank, state_digest FROM jimo.experiences) t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT uid, identify_token, snapshot, first_event_at, state_at, state_rank, state_digest FROM jimo.jimers) t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM jimo.journeys t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM jimo.seen_days t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM jimo.seen_day_totals t;
SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM (SELECT e.digest, a.step_uid, a.answer_text, a.answer_number, a.answer_choices FROM jimo.survey_answers a JOIN jimo.events e ON e.id = a.event_id) t;
SQL
}

status=0
psql_ -c "$reset_sql" 2>/dev/null
pids=()
for s in 1 2 3 4; do ingest "$s" "c$s" & pids+=($!); done
for p in "${pids[@]}"; do wait "$p" || status=1; done
if [ "$status" -ne 0 ]; then
    echo "not ok 1 - four concurrent sessions ingest without error"
    exit 1
fi
echo "ok 1 - four concurrent sessions ingest without error"
snapshot > "$work/concurrent"

psql_ -c "$reset_sql" 2>/dev/null
for s in 4 3 2 1; do ingest "$s" "s$s"; done
snapshot > "$work/sequential"

expected_deliveries=$(( $(wc -l < "$work/events.jsonl") * 3 ))
read -r count deliveries < <(head -1 "$work/concurrent" | tr '|' ' ')
unique=$(psql_ -c "SELECT count(DISTINCT body::jsonb) FROM conc_staging")
if [ "$count" = "$unique" ] && [ "$deliveries" = "$expected_deliveries" ]; then
    echo "ok 2 - each distinct event stored once ($count), every delivery counted ($deliveries)"
else
    echo "not ok 2 - stored $count of $unique distinct events, counted $deliveries of $expected_deliveries deliveries"
    status=1
fi
if diff "$work/concurrent" "$work/sequential" >/dev/null; then
    echo "ok 3 - concurrent and sequential ingest give identical tables"
else
    echo "not ok 3 - concurrent and sequential ingest differ:"
    diff "$work/concurrent" "$work/sequential" || true
    status=1
fi
psql_ -c "DROP TABLE conc_staging; $reset_sql" 2>/dev/null
echo "1..3"
exit "$status"
