#!/usr/bin/env bash
# Retry storm: order, repeats, serialization and batching must not change the result.
#
# 3000 generated events (every kind: tours, surveys, checklists, hints, banners, posts;
# tags, a project, times in ms/s/numeric strings) are each delivered 1 to 6 times, in
# one random order over all deliveries; about a third of the redeliveries are
# re-serialized (other key order, indentation, spaces, \u escapes of non-ASCII), split
# into batches of random sizes (1 to 700, some holding the same event twice) that three
# concurrent sessions store with jimo.receive_batch (text[] and bytea[] alike), while a
# slice of the deliveries goes through jimo-receiver over HTTP at the same time. A
# second, fresh database gets each event once, in event-time order.
#
# Then every relation of schema jimo, enumerated from pg_class (so that one added later
# is covered without touching this file), must hold the same rows in both databases,
# compared in full with ORDER BY every column. Left out, and only those, because they
# depend on when and how often something arrived rather than on what arrived:
#   * columns named id, received_at, last_received_at, deliveries (identity values are
#     handed out in arrival order; arrival times and delivery counts differ by design);
#   * columns named event_id are compared as the digest of the event they point at
#     (jimo.events.id is an arrival-order id; the digest says which event it is);
#   * the view jimo.delivery_health (per day of arrival, delivery counts and lags) and
#     its rollup tables jimo.delivery_days and jimo.delivery_lags (checked instead
#     against the storm's own events);
#   * sequences (identity counters: how many ids were handed out, not which rows exist);
#   * jimo.funnel_cohort_marks and jimo.funnel_cohort_state: which cohort days changed
#     since the last refresh, by which transaction and writer slot, and when the refresh
#     ran (both databases are refreshed before the comparison: the cache is compared).
# A relation of any other kind fails the test until it is compared or excluded here.
# The arrival-dependent part that can be checked is checked too: the deliveries columns
# sum to the number of deliveries made.
#
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run gives
# a fresh one); creates and drops a second database, "$PGDATABASE"_ref. TAP output.
# JIMO_STORM_SEED=N replays a run (the seed, printed first, picks the order, repeats,
# serializations and batches; the events are the same in every run).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The receiver helpers (recv_start, ok, is, check, done_testing, RECV_WORK).
# shellcheck source=test/receiver/lib.sh
source "$root/test/receiver/lib.sh"
# shellcheck source=test/lib/health_check.sh
source "$root/test/lib/health_check.sh"

events=3000
seed="${JIMO_STORM_SEED:-$((RANDOM * 32768 + RANDOM))}"
storm_db="$PGDATABASE"
ref_db="${PGDATABASE}_ref"
work="$RECV_WORK"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# shellcheck disable=SC2317 # called through the trap
storm_cleanup() {
    PGOPTIONS="-c client_min_messages=warning" psql_ -d postgres \
        -c "DROP DATABASE IF EXISTS \"$ref_db\" WITH (FORCE)" >/dev/null 2>&1
    _recv_cleanup
}
trap storm_cleanup EXIT
echo "# seed $seed (JIMO_STORM_SEED=$seed replays this run)"

# --- the events and the storm plan ------------------------------------------------------
# The events themselves are always the same (so that every view has rows to compare);
# the seed varies how they are delivered.
python3 "$root/test/bench/gen_events.py" --events "$events" --seed 11 \
    --tags --project --time-variants >"$work/events.jsonl"
ok $? "generated $events events"

# storm.tsv (COPY text format): batch, pos, session, fn, body. Batch 0 is the HTTP slice
# (http.jsonl, one JSON string per line holding the body). fn is text or bytea.
python3 - "$work" "$seed" <<'PY'
import json, random, sys

work, seed = sys.argv[1], int(sys.argv[2])
rng = random.Random(seed)
lines = open(work + "/events.jsonl", encoding="utf-8").read().splitlines()


def no_float(s):
    raise ValueError("float in a generated event: " + s)  # would not round-trip


def shuffled(o):
    if isinstance(o, dict):
        items = list(o.items())
        rng.shuffle(items)
        return {k: shuffled(v) for k, v in items}
    if isinstance(o, list):
        return [shuffled(v) for v in o]
    return o


def reserialize(line):
    """The same JSON value, written differently."""
    obj = json.loads(line, parse_float=no_float)
    v = rng.randrange(6)
    if v == 0:
        return json.dumps(obj, sort_keys=True, ensure_ascii=False)
    if v == 1:
        return json.dumps(obj, indent=2, ensure_ascii=False)
    if v == 2:
        return json.dumps(shuffled(obj), separators=(" , ", " : "), ensure_ascii=False)
    if v == 3:
        return json.dumps(obj, ensure_ascii=True)  # \uXXXX, surrogate pairs for emoji
    if v == 4:
        return json.dumps(shuffled(obj), indent="\t", sort_keys=False, ensure_ascii=True)
    return "\n  " + json.dumps(shuffled(obj), separators=(",", ":"), ensure_ascii=False) + " \r\n"


deliveries = []
reser = 0
for i, line in enumerate(lines):
    for d in range(rng.randint(1, 6)):
        if d > 0 and rng.random() < 0.35:
            deliveries.append((i, reserialize(line)))
            reser += 1
        else:
            deliveries.append((i, line))
rng.shuffle(deliveries)

# A slice through the receiver, the rest in batches of random sizes.
n_http = min(1500, len(deliveries) // 8)
http, rest = deliveries[:n_http], deliveries[n_http:]
batches = []
k = 0
while k < len(rest):
    r = rng.random()
    size = (1 if r < 0.1 else rng.randint(2, 20) if r < 0.4 else
            rng.randint(21, 200) if r < 0.85 else rng.randint(201, 700))
    batches.append(rest[k:k + size])
    k += size


def esc(s):
    return (s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


in_batch_dups = 0
with open(work + "/storm.tsv", "w", encoding="utf-8") as f:
    for b, batch in enumerate(batches, start=1):
        fn = "bytea" if rng.random() < 0.5 else "text"
        session = rng.randrange(3)
        seen = set()
        for pos, (i, body) in enumerate(batch):
            if i in seen:
                in_batch_dups += 1
            seen.add(i)
            f.write("%d\t%d\t%d\t%s\t%s\n" % (b, pos, session, fn, esc(body)))
with open(work + "/http.jsonl", "w", encoding="utf-8") as f:
    for _i, body in http:
        f.write(json.dumps(body) + "\n")
with open(work + "/plan", "w") as f:
    f.write("%d %d %d %d %d %d\n" % (len(deliveries), reser, len(batches), len(http),
                                     in_batch_dups, max(len(b) for b in batches)))
PY
ok $? "storm planned"
read -r n_deliveries n_reser n_batches n_http in_batch_dups max_batch <"$work/plan"
echo "# $n_deliveries deliveries of $events events ($n_reser re-serialized):" \
    "$((n_deliveries - n_http)) in $n_batches batches (largest $max_batch;" \
    "$in_batch_dups deliveries share a batch with another of the same event)," \
    "$n_http over HTTP"

# --- the storm: three sessions of receive_batch calls and the receiver, all at once ------
psql_ -d "$storm_db" >/dev/null <<SQL
CREATE TABLE storm_staging (batch int, pos int, session int, fn text, body text);
\\copy storm_staging FROM '$work/storm.tsv'
CREATE INDEX ON storm_staging (batch);
ANALYZE storm_staging;
SQL
ok $? "plan loaded"

session() { # S: every batch of session S, one receive_batch call (one transaction) each
    psql_ -d "$storm_db" -c "SELECT b.batch, b.fn FROM (SELECT DISTINCT batch, fn FROM storm_staging
                            WHERE session = $1) b ORDER BY b.batch" |
        while IFS='|' read -r b fn; do
            if [[ "$fn" == bytea ]]; then
                arr="ARRAY(SELECT convert_to(body, 'UTF8') FROM storm_staging WHERE batch = $b ORDER BY pos)"
            else
                arr="ARRAY(SELECT body FROM storm_staging WHERE batch = $b ORDER BY pos)"
            fi
            echo "SELECT status, count(*) FROM jimo.receive_batch($arr) GROUP BY status;"
        done | psql_ -d "$storm_db" -F ' ' >"$work/session.$1.out"
}

recv_start --db-connections 2 >/dev/null || { ok 1 "receiver starts"; done_testing; }
check "receiver ready" recv_wait_ready
t0="$EPOCHREALTIME"
pids=()
for s in 0 1 2; do
    session "$s" &
    pids+=($!)
done
python3 "$root/test/lib/post_ledger.py" --quoted --url "$RECV_URL" \
    --bodies "$work/http.jsonl" --ledger "$work/http.ledger" --threads 16 --deadline 60 \
    >"$work/http.out" 2>&1 &
pids+=($!)
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done
t1="$EPOCHREALTIME"
ok "$status" "three sessions and the receiver stored the storm without error"
echo "# storm stored in $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s; HTTP client: $(cat "$work/http.out")"
recv_stop
is "$RECV_STATUS" 0 "receiver exits cleanly"

by_status="$(cat "$work"/session.?.out | awk '{c[$1] += $2} END {for (s in c) print s "=" c[s]}' |
    sort | paste -sd' ')"
echo "# receive_batch answers: $by_status"
http_200="$(awk '$5 == "200"' "$work/http.ledger" | wc -l)"
http_other="$(awk '$5 != "200"' "$work/http.ledger" | wc -l)"
is "$http_200 $http_other" "$n_http 0" "every HTTP delivery answered 200 at the first attempt"
batch_rows="$(cat "$work"/session.?.out | awk '$1 == "stored" || $1 == "duplicate" {n += $2} END {print n + 0}')"
is "$batch_rows" "$((n_deliveries - n_http))" "every batched delivery stored or duplicate, none rejected"

# --- the reference: each event once, in order -----------------------------------------
PGOPTIONS="-c client_min_messages=warning" psql_ -d postgres \
    -c "DROP DATABASE IF EXISTS \"$ref_db\"" -c "CREATE DATABASE \"$ref_db\"" >/dev/null &&
    psql_ -d "$ref_db" -c "CREATE EXTENSION jimo_webhooks" >/dev/null
ok $? "reference database $ref_db with jimo_webhooks"
psql_ -d "$ref_db" >/dev/null <<SQL
CREATE TABLE ref_staging (n bigserial, body text);
\\copy ref_staging (body) FROM '$work/events.jsonl' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')
DO \$\$
DECLARE b bigint;
BEGIN
    FOR b IN SELECT DISTINCT (n - 1) / 100 FROM ref_staging ORDER BY 1 LOOP
        PERFORM count(*) FROM jimo.receive_batch(ARRAY(
            SELECT body FROM ref_staging WHERE (n - 1) / 100 = b ORDER BY n));
    END LOOP;
END
\$\$;
DROP TABLE ref_staging;
SQL
ok $? "reference: $events events delivered once each, in order, 100 per call"
psql_ -d "$storm_db" -c "DROP TABLE storm_staging"

# --- deliveries: the part that depends on arrival and can be checked ---------------------
made=$((batch_rows + http_200))
is "$(psql_ -d "$storm_db" -c "SELECT count(*) || ' ' || sum(deliveries) FROM jimo.events")" \
    "$events $made" "storm: $events distinct events, deliveries sum to the $made made"
is "$(psql_ -d "$ref_db" -c "SELECT count(*) || ' ' || sum(deliveries) FROM jimo.events")" \
    "$events $events" "reference: $events events, one delivery each"
is "$(psql_ -d "$storm_db" -c "SELECT count(*) FROM jimo.rejected")" 0 "storm: nothing rejected"
is "$(jimo_delivery_health_diff "$storm_db")" 0 \
    "storm: delivery_health (its rollup, written by concurrent batches and HTTP) equals the count over jimo.events"

# The funnel cohort cache, refreshed in both: it then holds the same cohorts.
for db in "$storm_db" "$ref_db"; do
    psql_ -d "$db" -c "SELECT * FROM jimo.refresh_funnel_cohorts()" >/dev/null
done

# --- every relation of schema jimo -----------------------------------------------------
# One line per relation: name, kind, what to do: a SELECT for "compare", or why not.
catalog_sql="
WITH rel AS (
    SELECT c.oid, c.relname, c.relkind FROM pg_class c
    WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind NOT IN ('i', 'I', 'c', 't')
), cols AS (
    SELECT a.attrelid,
           string_agg(CASE WHEN a.attname = 'event_id'
                           THEN format('(SELECT e.digest FROM jimo.events e WHERE e.id = t.event_id) AS event_digest')
                           ELSE format('t.%I', a.attname) END, ', ' ORDER BY a.attnum) AS list,
           count(*) AS n,
           bool_and(EXISTS (SELECT FROM pg_opclass o JOIN pg_am m ON m.oid = o.opcmethod
                            WHERE m.amname = 'btree' AND o.opcdefault
                              AND (o.opcintype = a.atttypid
                                   OR (o.opcintype = 'anyarray'::regtype
                                       AND EXISTS (SELECT FROM pg_type ty WHERE ty.oid = a.atttypid
                                                   AND ty.typcategory = 'A'))))
                    OR a.attname = 'event_id') AS sortable
    FROM pg_attribute a
    WHERE a.attnum > 0 AND NOT a.attisdropped
      AND a.attname NOT IN ('id', 'received_at', 'last_received_at', 'deliveries',
                            -- storage, not data: sizes and row estimates of partitions
                            'rows_estimate', 'total_bytes', 'events_estimate')
    GROUP BY a.attrelid
)
SELECT r.relname, r.relkind::text,
       CASE WHEN r.relkind = 'S' THEN 'excluded: sequence (identity counter)'
            WHEN r.relname = 'delivery_health' THEN 'excluded: per day of arrival'
            WHEN r.relname IN ('delivery_days', 'delivery_lags')
                THEN 'excluded: delivery_health''s rollup, by arrival (checked against the events above)'
            WHEN r.relname IN ('funnel_cohort_marks', 'funnel_cohort_state')
                THEN 'excluded: the funnel cache''s bookkeeping (marks by call and writer, the refresh time)'
            WHEN r.relkind NOT IN ('r', 'p', 'v', 'm', 'f') THEN 'NOT COVERED: relkind ' || r.relkind::text
            WHEN c.list IS NULL THEN 'NOT COVERED: no comparable column'
            ELSE format('SELECT %s FROM jimo.%I t ORDER BY %s', c.list, r.relname,
                        CASE WHEN c.sortable
                             THEN (SELECT string_agg(g::text, ', ') FROM generate_series(1, c.n) g)
                             ELSE (SELECT string_agg(g::text || '::text', ', ') FROM generate_series(1, c.n) g)
                        END) END
FROM rel r LEFT JOIN cols c ON c.attrelid = r.oid
ORDER BY r.relkind, r.relname"
psql_ -d "$storm_db" -F $'\t' -c "$catalog_sql" >"$work/relations" && [[ -s "$work/relations" ]]
ok $? "relations of schema jimo listed from the catalog ($(wc -l <"$work/relations"))"
psql_ -d "$ref_db" -F $'\t' -c "$catalog_sql" >"$work/relations.ref"
ok $? "and in the reference"
check "both databases have the same relations and columns in schema jimo" \
    cmp -s "$work/relations" "$work/relations.ref"

# ORDER BY 1, 2, ... sorts by the output columns, whatever the expressions.
compared=0
excluded=0
differing=0
uncovered=0
total_rows=0
empty=()
while IFS=$'\t' read -r rel kind what; do
    case "$what" in
    "excluded: "*)
        excluded=$((excluded + 1))
        echo "# jimo.$rel ($kind): $what"
        continue
        ;;
    "NOT COVERED"*)
        uncovered=$((uncovered + 1))
        ok 1 "jimo.$rel ($kind) is neither compared nor excluded: $what"
        continue
        ;;
    esac
    psql_ -d "$storm_db" -c "COPY ($what) TO STDOUT" >"$work/storm.$rel" 2>"$work/err.$rel"
    s1=$?
    psql_ -d "$ref_db" -c "COPY ($what) TO STDOUT" >"$work/ref.$rel" 2>>"$work/err.$rel"
    s2=$?
    if ((s1 != 0 || s2 != 0)); then
        ok 1 "jimo.$rel: query failed: $(head -c 300 "$work/err.$rel")"
        differing=$((differing + 1))
        continue
    fi
    compared=$((compared + 1))
    rows="$(wc -l <"$work/ref.$rel")"
    total_rows=$((total_rows + rows))
    if ((rows == 0)); then
        empty+=("$rel")
    fi
    if cmp -s "$work/storm.$rel" "$work/ref.$rel"; then
        ok 0 "jimo.$rel ($kind): identical ($rows rows)"
    else
        differing=$((differing + 1))
        ok 1 "jimo.$rel ($kind): differs ($(wc -l <"$work/storm.$rel") rows after the storm, $rows in the reference)"
        echo "#   first differing rows (< storm, > reference): $what"
        diff "$work/storm.$rel" "$work/ref.$rel" | grep '^[<>]' | head -n 10 | cut -c 1-400 | sed 's/^/#   /'
        if [[ "${JIMO_STORM_KEEP:-0}" == 1 ]]; then
            mkdir -p /tmp/retry_storm.diff && cp "$work/storm.$rel" "$work/ref.$rel" /tmp/retry_storm.diff/
        fi
    fi
done <"$work/relations"
total="$(wc -l <"$work/relations")"
is "$((compared + excluded))" "$total" "every relation of schema jimo compared or explicitly excluded"
# Only jimo.rejected and jimo.expired_months may be empty: the data is meant to exercise
# every other relation.
is "${empty[*]}" "expired_months rejected" "every compared relation has rows in the reference, but jimo.expired_months (nothing expires here) and jimo.rejected"
echo "# relations: $total in schema jimo, $compared compared ($total_rows rows in the reference)," \
    "$excluded excluded, $differing differing, $uncovered not covered"
done_testing
