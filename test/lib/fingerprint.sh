# shellcheck shell=bash
# Helpers for tests that compare two databases (dump and restore, upgrade against a
# fresh install). Source this file, then:
#
#   jimo_load DB FILE        one jimo.receive_batch call with every line of FILE (JSON
#                            Lines); prints its outcomes as "status count" lines
#   ok STATUS DESC           a TAP line: "ok N - DESC" when STATUS is 0, else "not ok"
#                            (and failed=1); n counts them, for the final "1..$n"
#   jimo_fingerprint DB [COLUMN...]
#
# prints one line per table and view of schema jimo, found in the catalog (so that a
# relation added later is compared without anyone remembering to list it):
#   relname|rows|md5 of every row as text, in sorted order
# The named columns are left out wherever they occur: columns that hold arrival times,
# which two databases fed the same events at different moments cannot share. Columns
# that describe storage rather than data (sizes on disk, the planner's row estimates of
# jimo.partitions and jimo.expired_months) are always left out: no two databases share
# them, even with the same rows.
# Relations named in JIMO_FINGERPRINT_SKIP (space-separated) are left out whole: the
# rollups keyed by arrival (jimo.delivery_days, jimo.delivery_lags), whose rows two
# such databases cannot share; compare what they show (jimo.delivery_health) instead.
# jimo.funnel_cohort_marks and jimo.funnel_cohort_state are always left out: which
# cohort days changed since the last refresh, by which transaction and writer slot,
# depends on how the bodies were split into calls and when a refresh ran, and the
# state holds the refresh's time; what they lead to (the views) is compared.
# With JIMO_FINGERPRINT_EVENT_IDS=digest, the id of jimo.events (and its months) is left
# out and every event_id column is replaced by the digest of the event it points at:
# for two databases whose ids were handed out by different write paths (an identity
# value is an arrival-order surrogate; 0.4's INSERT statement spent one on every
# redelivery, 0.5's bulk write spends none), each reference still has to point at the
# same event.

jimo_fingerprint() {
    local db="${1:?usage: jimo_fingerprint DB [COLUMN...]}"
    shift
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -v excluded="$* rows_estimate total_bytes events_estimate" \
        -v skipped="${JIMO_FINGERPRINT_SKIP:-} funnel_cohort_marks funnel_cohort_state" -v event_ids="${JIMO_FINGERPRINT_EVENT_IDS:-}" <<'SQL'
SELECT format(
         'SELECT %L, count(*), md5(coalesce(string_agg(r::text, E''\n'' ORDER BY r::text), '''')) FROM (SELECT %s FROM jimo.%I x) r',
         c.relname,
         coalesce((SELECT string_agg(CASE WHEN :'event_ids' = 'digest' AND a.attname = 'event_id'
                                          THEN '(SELECT e.digest FROM jimo.events e WHERE e.id = x.event_id) AS event_id'
                                          ELSE 'x.' || quote_ident(a.attname) END,
                                     ', ' ORDER BY a.attnum)
                   FROM pg_attribute a
                   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                     AND a.attname <> ALL (string_to_array(:'excluded', ' '))
                     AND NOT (:'event_ids' = 'digest' AND a.attname = 'id'
                              AND c.relname ~ '^events(_p\d{4}_\d{2})?$')), ''),
         c.relname)
FROM pg_class c
WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
  AND c.relname <> ALL (string_to_array(:'skipped', ' '))
ORDER BY c.relname
\gexec
SQL
}

n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
        echo "not ok $n - $2"
        failed=1
    fi
}

jimo_load() {
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<SQL
CREATE TEMP TABLE staging (n bigserial, body text);
\\copy staging (body) FROM '$2' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
SELECT status || ' ' || count(*) FROM jimo.receive_batch((SELECT array_agg(body ORDER BY n) FROM staging)) GROUP BY status ORDER BY status;
SQL
}

