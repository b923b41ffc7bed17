# shellcheck shell=bash
# shellcheck disable=SC2154 # db, single, work, root, pg_config, worker*_host/port: set by test/citus/run
# The life of a distributed database after its first ingest, sourced by test/citus/run
# once every relation of $db (Citus) equals $single (one node). Each step runs on both
# and ends with every table and view compared again (compare_all), plus what only the
# Citus side can get wrong, read from Citus' catalog and from the workers themselves:
#
#   1. months far in the past and the future (before 2015, 2016, 2019, 2099, from 2100,
#      next months), created on demand by ingest and ahead by jimo.ensure_partitions():
#      every month of every partitioned table distributed, colocated with jimo.jimers,
#      its shards on the workers only, its rows there (counted shard by shard) and none
#      in the coordinator's own copy;
#   2. jimo.expire(): the same refusals, the same months dropped on both, no shard,
#      catalog row or row of an expired month left on the coordinator or any worker,
#      the kept rows all there, journeys and rollups unchanged, a second call a no-op,
#      and deliveries before the horizon rejected alike afterwards;
#   3. pg_dump of the coordinator (what README "Scaling out" says to do): restored into
#      a new Citus database and jimo.distribute() called, every relation equals one node;
#   4. ALTER EXTENSION jimo_webhooks UPDATE from the released 0.4 on a distributed
#      database holding data (0.4 built from its release commit, as
#      test/integration/upgrade.sh does): the version moves on every node, ingest before,
#      between (new library, old schema) and after the update, and every relation equals
#      a fresh one-node install fed the same calls; the views keep their Citus form.
#
# Uses run's helpers and variables: psql_, ok, is, check, compare_all, $db, $single,
# $work, $worker1_host/port, $worker2_host/port, and the coordinator as current cluster.

# A worker's own view, shards included (Citus hides them from other sessions).
on_worker() { # N SQL [DB]
    local h p
    eval "h=\$worker${1}_host p=\$worker${1}_port"
    PGOPTIONS="-c citus.override_table_visibility=off" psql_ -h "$h" -p "$p" -d "${3:-$db}" -c "$2"
}
on_workers() { # SQL [DB]: the sum of a count over both workers
    echo $(($(on_worker 1 "$1" "${2:-$db}") + $(on_worker 2 "$1" "${2:-$db}")))
}

# plan FILE TSV SEED: the lines of FILE shuffled into calls of random sizes (batch, pos, body)
plan() {
    python3 - "$1" "$2" "$3" <<'PY'
import random, sys
src, dst, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
rng = random.Random(seed)
lines = open(src, encoding="utf-8").read().splitlines()
rng.shuffle(lines)
esc = lambda s: s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
with open(dst, "w", encoding="utf-8") as out:
    batch, i = 1, 0
    while i < len(lines):
        size = rng.choice((1, 3, 20, 60, 200))
        for pos, b in enumerate(lines[i:i + size]):
            out.write("%d\t%d\t%s\n" % (batch, pos, esc(b)))
        i += size
        batch += 1
PY
}
# feed DB TSV: every batch of a plan, one receive_batch call (one transaction) each,
# printing "batch status count" lines
feed() {
    psql_ -d "$1" -c "SET client_min_messages = warning" -c "DROP TABLE IF EXISTS public.plan2" \
        -c "CREATE TABLE public.plan2 (batch int, pos int, body text)" \
        -c "\\copy public.plan2 FROM '$2'" >/dev/null || return 1
    local b n
    n="$(psql_ -d "$1" -c "SELECT coalesce(max(batch), 0) FROM public.plan2")"
    for ((b = 1; b <= n; b++)); do
        echo "SELECT $b, status, count(*) FROM jimo.receive_batch(ARRAY(
            SELECT body FROM public.plan2 WHERE batch = $b ORDER BY pos)) GROUP BY 2 ORDER BY 2;"
    done | psql_ -d "$1" -F ' ' || return 1
    psql_ -d "$1" -c "DROP TABLE public.plan2"
}
# both TSV LABEL: feed $db and $single the same calls; their outcomes must be the same
both() {
    feed "$db" "$1" >"$work/feed.citus" 2>&1
    local s1=$?
    feed "$single" "$1" >"$work/feed.single" 2>&1
    local s2=$?
    if ((s1 == 0 && s2 == 0)) && cmp -s "$work/feed.citus" "$work/feed.single"; then
        ok 0 "$2: the same outcomes ($(awk '{c[$2] += $3} END {for (s in c) printf "%s %d ", s, c[s]}' "$work/feed.single"))"
    else
        ok 1 "$2: outcomes differ or a call failed"
        diff "$work/feed.citus" "$work/feed.single" | head -n 8 | cut -c 1-300 | sed 's/^/#   /'
    fi
}

# Rows of every partition, counted through each database's own SQL (on Citus: the
# distributed table), one "table partition bounds rows" line each.
partition_rows_sql="SELECT table_name, partition_name, bounds,
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM jimo.%I', partition_name),
                                            false, true, '')))[1]::text
FROM jimo.partitions ORDER BY 1, 2"
# The same, counted on the workers shard by shard (run_command_on_shards): rows the
# coordinator's query would not see, or would see twice, show here.
shard_rows_sql="SELECT table_name, partition_name, bounds,
       (SELECT sum(result::bigint) FROM run_command_on_shards(format('jimo.%I', partition_name),
                                                             'SELECT count(*) FROM %s'))::text
FROM jimo.partitions ORDER BY 1, 2"

# === 1. months far away ===========================================================================
echo "# lifecycle 1: months far in the past and the future"
psql_ -d "$db" -c "SELECT partition_name FROM jimo.partitions ORDER BY 1" >"$work/parts.before"
next="$(date -u -d "$(date -u +%Y-%m-01) +2 months" +%Y-%m-%d)"
: >"$work/far.jsonl"
# The same seed everywhere: the same jimers and experiences, so journeys span the years.
for start in 2013-06-10 2016-03-05 2019-11-20 2099-12-30 2101-05-01 "$next"; do
    python3 test/bench/gen_events.py --events 250 --seed 41 --start "$start" --days 2 \
        --duplicates 0.1 --shuffle random --tags --project >"$work/far.$start.jsonl" || ok 1 "generate from $start"
    cat "$work/far.$start.jsonl" >>"$work/far.jsonl"
done
# A tour journey whose completions bracket its first start, all but the last in 2016
# (expired in step 2), and a survey typed only by its 2016 events: jimo.expire() keeps
# what their funnels need (journeys.expired_completion_at, experiences.event_type).
ms() { echo $(($(date -u -d "$1" +%s) * 1000)); }
kept_body() { # EVENT TIME EXPERIENCE TYPE-OR-EMPTY
    printf '{"event": "%s", "time": %s, "experience": {"uid": "e1e1e1e1-0000-4000-8000-%s"%s}, "jimer": {"uid": "a1a1a1a1-0000-4000-8000-00000000c175"}}\n' \
        "$1" "$(ms "$2")" "$3" "${4:+, \"type\": \"$4\"}"
}
{
    kept_body tour.completed "2016-03-05 01:00Z" 00000000c175 TOUR
    kept_body tour.started "2016-03-05 02:00Z" 00000000c175 TOUR
    kept_body tour.completed "2016-03-05 03:00Z" 00000000c175 TOUR
    kept_body tour.completed "$next 00:00Z" 00000000c175 TOUR
    kept_body survey.started "2016-03-05 04:00Z" 00000000c176 ""
    kept_body survey.completed "2016-03-05 05:00Z" 00000000c176 ""
} >>"$work/far.jsonl"
plan "$work/far.jsonl" "$work/far.tsv" 7
both "$work/far.tsv" "1506 deliveries in 2013, 2016, 2019, 2099-2100, 2101 and from $next"
# Ahead, as a monthly job would: a month nothing has reached yet.
ahead="$(date -u -d "$(date -u +%Y-%m-01) +5 months" +%Y_%m)"
for d in "$db" "$single"; do
    psql_ -d "$d" -c "SELECT jimo.ensure_partitions(ARRAY[now() + interval '5 months'])" >/dev/null
done
ok $? "jimo.ensure_partitions(now() + 5 months) on both"

is "$(psql_ -d "$db" -c "SELECT table_name, partition_name, bounds FROM jimo.partitions ORDER BY 1, 2" | md5sum)" \
    "$(psql_ -d "$single" -c "SELECT table_name, partition_name, bounds FROM jimo.partitions ORDER BY 1, 2" | md5sum)" \
    "the same partitions and bounds on Citus as on one node ($(psql_ -d "$single" -c "SELECT count(*) FROM jimo.partitions") of 5 tables)"
psql_ -d "$db" -c "SELECT partition_name FROM jimo.partitions ORDER BY 1" >"$work/parts.after"
comm -13 "$work/parts.before" "$work/parts.after" >"$work/parts.new"
for want in events_before_2015 events_p2016_03 events_p2019_11 events_p2099_12 events_from_2100 \
    "events_p${next:0:4}_${next:5:2}" "events_p$ahead" survey_answers_before_2015 post_likes_from_2100 \
    "checklist_tasks_p$ahead"; do
    grep -qx "$want" "$work/parts.new"
    ok $? "new month $want"
done
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.partitions p
      LEFT JOIN pg_dist_partition d ON d.logicalrelid = format('jimo.%I', p.partition_name)::regclass
      WHERE d.partmethod IS DISTINCT FROM 'h'
         OR d.colocationid IS DISTINCT FROM (SELECT colocationid FROM pg_dist_partition
                                             WHERE logicalrelid = 'jimo.jimers'::regclass)")" 0 \
    "every month of the 5 tables is hash-distributed and colocated with jimo.jimers"
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.partitions p
      JOIN pg_dist_shard s ON s.logicalrelid = format('jimo.%I', p.partition_name)::regclass
      JOIN pg_dist_placement pl USING (shardid)
      WHERE pl.groupid = 0")" 0 "no shard of any month is placed on the coordinator"
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.partitions p
      WHERE (SELECT count(*) FROM pg_dist_shard s
             WHERE s.logicalrelid = format('jimo.%I', p.partition_name)::regclass)
            <> (SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'jimo.jimers'::regclass)")" 0 \
    "every month has as many shards as jimo.jimers"
psql_ -d "$single" -c "$partition_rows_sql" >"$work/rows.single"
psql_ -d "$db" -c "$partition_rows_sql" >"$work/rows.citus"
psql_ -d "$db" -c "$shard_rows_sql" >"$work/rows.shards"
check "rows of every month: the same on Citus as on one node" cmp -s "$work/rows.citus" "$work/rows.single"
check "rows of every month: the same counted on the workers' shards" cmp -s "$work/rows.shards" "$work/rows.single"
is "$(grep -cE '^events\|events_(before_2015|p2016_03|p2019_11|p2099_12|from_2100)\|.*\|[1-9]' "$work/rows.shards")" 5 \
    "the far months of jimo.events hold rows on the workers"
pages=0
while read -r p; do
    pages=$((pages + $(psql_ -d "$db" -c "SELECT pg_relation_size('jimo.$p')")))
done <"$work/parts.new"
is "$pages" 0 "the coordinator's own copies of the $(wc -l <"$work/parts.new") new months hold nothing"
compare_all " after far months"

# === 2. retention =================================================================================
echo "# lifecycle 2: jimo.expire()"
for d in "$db" "$single"; do
    psql_ -d "$d" -c "SELECT * FROM jimo.expire('29 days')" 2>&1 >/dev/null | head -n 1 >"$work/refuse.$d"
    psql_ -d "$d" -c "SELECT * FROM jimo.expire()" 2>&1 >/dev/null | head -n 1 >>"$work/refuse.$d"
    psql_ -d "$d" -c "SET jimo.retention = '29 days'" -c "SELECT * FROM jimo.expire()" 2>&1 >/dev/null |
        head -n 1 >>"$work/refuse.$d"
done
check "the same refusals on Citus as on one node: $(paste -sd'|' "$work/refuse.$single")" \
    cmp -s "$work/refuse.$db" "$work/refuse.$single"
is "$(grep -c 'too short\|no retention given' "$work/refuse.$db")" 3 \
    "a retention under 30 days, or none, is refused on Citus"
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.expired_months")" 0 "nothing expired by the refusals"

# Keep from 2025-04-01 on: the months before it go (2013 ... 2025-03), 2025-04 and the
# future stay. The retention is computed once and given to both.
# Statistics first: events_estimate is what they say.
for d in "$db" "$single"; do
    psql_ -d "$d" -c "ANALYZE jimo.events"
done
# jimo.partitions says how big each month is: on Citus, its shards on the workers.
stats_sql="SELECT partition_name, rows_estimate FROM jimo.partitions WHERE table_name = 'events' ORDER BY 1"
is "$(psql_ -d "$db" -c "$stats_sql" | md5sum)" "$(psql_ -d "$single" -c "$stats_sql" | md5sum)" \
    "jimo.partitions: the same rows_estimate of every month of jimo.events after ANALYZE"
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.partitions WHERE rows_estimate > 0 AND total_bytes < 8192 * 8")" 0 \
    "jimo.partitions: a month with rows has the bytes of its shards (8 of at least a page each)"
keep="$(psql_ -d "$single" -c "SELECT (now() - timestamptz '2025-04-15 00:00+00')::text")"
psql_ -d "$single" -c "SELECT lower_bound, upper_bound FROM (
        SELECT CASE WHEN bounds LIKE 'FOR VALUES FROM (MINVALUE)%' THEN '-infinity'
                    ELSE substring(bounds FROM 'FROM \(''([^'']*)''\)')::timestamptz END AS lower_bound,
               CASE WHEN bounds LIKE '%TO (MAXVALUE)' THEN 'infinity'
                    ELSE substring(bounds FROM 'TO \(''([^'']*)''\)')::timestamptz END AS upper_bound
        FROM jimo.partitions WHERE table_name = 'events') b
    WHERE upper_bound <= '2025-04-01 00:00+00' ORDER BY 1" >"$work/expire.want"
for d in "$db" "$single"; do
    psql_ -d "$d" -c "SET jimo.retention = '$keep'" \
        -c "SELECT lower_bound, upper_bound, retention FROM jimo.expire() ORDER BY 1" >"$work/expire.$d"
done
ok $? "jimo.expire() under jimo.retention = '$keep' on both"
check "the same months expired on Citus as on one node ($(wc -l <"$work/expire.$single"))" \
    cmp -s "$work/expire.$db" "$work/expire.$single"
check "exactly the months that ended before 2025-04-01 ($(cut -d'|' -f1 "$work/expire.want" | cut -c1-7 | paste -sd' '))" \
    cmp -s <(cut -d'|' -f1,2 "$work/expire.$single") "$work/expire.want"
is "$(grep -cE '^(-infinity|2016-03-01 00:00:00\+00|2019-11-01 00:00:00\+00|2025-02-01 00:00:00\+00|2025-03-01 00:00:00\+00)\|' "$work/expire.want")" 5 \
    "among them before 2015, 2016-03, 2019-11, 2025-02 and 2025-03"
# the partitions of the expired months, as a regular expression of their names
expired_re="^(events|survey_answers|checklist_tasks|post_comments|post_likes)_($(awk -F'|' '{
    if ($1 == "-infinity") print "before_2015"; else print "p" substr($1, 1, 4) "_" substr($1, 6, 2) }' \
    "$work/expire.want" | paste -sd'|'))"
psql_ -d "$db" -c "SELECT count(*) FROM jimo.expire('$keep')" >"$work/again.citus"
is "$(cat "$work/again.citus") $(psql_ -d "$single" -c "SELECT count(*) FROM jimo.expire('$keep')")" "0 0" \
    "a second jimo.expire() drops nothing"
is "$(psql_ -d "$db" -c "SELECT lower_bound, upper_bound, retention FROM jimo.expired_months ORDER BY 1" | md5sum)" \
    "$(psql_ -d "$single" -c "SELECT lower_bound, upper_bound, retention FROM jimo.expired_months ORDER BY 1" | md5sum)" \
    "the same jimo.expired_months"
is "$(psql_ -d "$db" -c "SELECT events_estimate FROM jimo.expired_months ORDER BY lower_bound" | md5sum)" \
    "$(psql_ -d "$single" -c "SELECT events_estimate FROM jimo.expired_months ORDER BY lower_bound" | md5sum)" \
    "the same events_estimate of each expired month"

# Gone from Citus' catalog, on the coordinator and in each worker's copy of it.
is "$(psql_ -d "$db" -c "SELECT count(*) FROM pg_dist_shard s
      WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = s.logicalrelid)")" 0 \
    "no shard in pg_dist_shard for a dropped table (coordinator)"
for w in 1 2; do
    is "$(on_worker "$w" "SELECT count(*) FROM pg_dist_partition d JOIN pg_class c ON c.oid = d.logicalrelid
                          WHERE c.relname ~ '$expired_re'")" 0 \
        "worker $w: no expired month in its pg_dist_partition"
    is "$(on_worker "$w" "SELECT count(*) FROM pg_class WHERE relnamespace = 'jimo'::regnamespace
                          AND relname ~ '$expired_re'")" 0 "worker $w: no shard of an expired month left"
done
# Every row the workers hold, shard by shard: the kept rows, no more.
shards_sql="SELECT coalesce(sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM jimo.%I', relname),
                                                               false, true, '')))[1]::text::bigint), 0)
            FROM pg_class WHERE relnamespace = 'jimo'::regnamespace AND relkind = 'r'
              AND relname ~ '^TABLE_(p[0-9]{4}_[0-9]{2}|before_2015|from_2100)_[0-9]+\$'"
for t in events survey_answers checklist_tasks post_comments post_likes; do
    is "$(on_workers "${shards_sql//TABLE/$t}")" "$(psql_ -d "$single" -c "SELECT count(*) FROM jimo.$t")" \
        "jimo.$t: the rows of every shard on the workers are the rows one node kept"
done
on_min="SELECT coalesce(min((xpath('/row/m/text()', query_to_xml(format('SELECT min(occurred_at) AS m FROM jimo.%I', relname),
                                                           false, true, '')))[1]::text), 'none')
        FROM pg_class WHERE relnamespace = 'jimo'::regnamespace AND relkind = 'r'
          AND relname ~ '^events_(p[0-9]{4}_[0-9]{2}|before_2015|from_2100)_[0-9]+\$'"
for w in 1 2; do
    m="$(on_worker "$w" "SET TimeZone = 'UTC'; $on_min")"
    [[ "$m" > "2025-04-01" ]]
    ok $? "worker $w: its oldest event ($m) is after the horizon"
done
psql_ -d "$single" -c "$partition_rows_sql" >"$work/rows.single"
psql_ -d "$db" -c "$shard_rows_sql" >"$work/rows.shards"
check "rows of every kept month: the same counted on the workers' shards" cmp -s "$work/rows.shards" "$work/rows.single"
compare_all " after jimo.expire()"
is "$(psql_ -d "$db" -c "SELECT converted, seconds_to_complete, expired_completion_at IS NOT NULL
      FROM jimo.journey_conversions JOIN jimo.journeys USING (experience_uid, jimer_uid)
      WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-00000000c175'")" "t|3600|t" \
    "a journey whose completions bracket its first start converts as before its 2016 events expired"
is "$(psql_ -d "$db" -c "SELECT type FROM jimo.all_experiences
      WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-00000000c176'")" SURVEY \
    "a survey typed only by its expired 2016 events is still a survey"

# After: a redelivery of an expired event and new events before the horizon are rejected
# alike; events of kept months still count.
{
    head -n 20 "$work/far.2016-03-05.jsonl"
    sed -n '1,400p' "$work/events.jsonl"           # the first set: 2025-02 ... 2025-04
} >"$work/after.jsonl"
plan "$work/after.jsonl" "$work/after.tsv" 11
both "$work/after.tsv" "redeliveries after jimo.expire(), of expired months and of kept ones"
is "$(psql_ -d "$db" -c "SELECT count(*) FROM jimo.rejected WHERE error LIKE '%retention horizon%'")" \
    "$(psql_ -d "$single" -c "SELECT count(*) FROM jimo.rejected WHERE error LIKE '%retention horizon%'")" \
    "the same bodies rejected before the horizon ($(psql_ -d "$single" -c "SELECT count(*) FROM jimo.rejected WHERE error LIKE '%retention horizon%'"))"
compare_all " after deliveries before the horizon"

# A database on every node, with citus, and the coordinator's metadata naming the workers.
citus_db() { # DB
    local w
    for w in 1 2; do
        on_worker "$w" "CREATE DATABASE $1" postgres >/dev/null &&
            on_worker "$w" "SET client_min_messages = warning; CREATE EXTENSION citus" "$1" || return 1
    done
    psql_ -d postgres -c "CREATE DATABASE $1" >/dev/null &&
        psql_ -d "$1" -c "SET client_min_messages = warning" -c "CREATE EXTENSION citus" &&
        psql_ -d "$1" >/dev/null <<SQL
SELECT citus_set_coordinator_host('$PGHOST', $PGPORT);
SELECT citus_add_node('$worker1_host', $worker1_port);
SELECT citus_add_node('$worker2_host', $worker2_port);
SQL
}
bindir="$("$pg_config" --bindir)"

# === 3. pg_dump of the coordinator ================================================================
# What README "Scaling out" says: with ingest stopped, pg_dump on the coordinator writes
# every row (Citus copies each distributed table out of its shards), but no distribution:
# restore into a new Citus database whose nodes are added, then jimo.distribute().
echo "# lifecycle 3: pg_dump of the coordinator, restored into a new Citus database"
"$bindir/pg_dump" -Fc -d "$db" -f "$work/citus.dump"
ok $? "pg_dump -Fc of the coordinator ($(du -k "$work/citus.dump" | cut -f1) kB)"
citus_db jimo_restored
ok $? "a new database jimo_restored on the three nodes, with citus and the workers"
"$bindir/pg_restore" --exit-on-error -d jimo_restored "$work/citus.dump" 2>"$work/restore.err"
ok $? "pg_restore into it$( [[ -s "$work/restore.err" ]] && echo ": $(head -c 300 "$work/restore.err" | tr '\n' ' ')")"
psql_ -d jimo_restored -F ' ' -c "SELECT count(*) FILTER (WHERE changed) FROM jimo.distribute(shard_count => 4)" >"$work/redistribute"
is "$(cat "$work/redistribute")" 14 "jimo.distribute() on the restored database places the 14 tables again"
is "$(psql_ -d jimo_restored -c "SELECT count(*) FROM jimo.partitions p
      LEFT JOIN pg_dist_partition d ON d.logicalrelid = format('jimo.%I', p.partition_name)::regclass
      WHERE d.colocationid IS DISTINCT FROM (SELECT colocationid FROM pg_dist_partition
                                             WHERE logicalrelid = 'jimo.jimers'::regclass)")" 0 \
    "every restored month is distributed with jimo.jimers"
psql_ -d "$single" -c "$partition_rows_sql" >"$work/rows.single"
psql_ -d jimo_restored -c "$shard_rows_sql" >"$work/rows.restored"
check "rows of every month, counted on the restored database's shards, equal one node's" \
    cmp -s "$work/rows.restored" "$work/rows.single"
db=jimo_restored compare_all " restored from pg_dump"
# The id sequence came back with the dump: events stored next get ids above the old ones.
python3 test/bench/gen_events.py --events 60 --seed 43 --start 2026-01-01 --days 1 >"$work/more.jsonl"
plan "$work/more.jsonl" "$work/more.tsv" 13
read -r n0 max0 < <(psql_ -d jimo_restored -F ' ' -c "SELECT count(*), max(id) FROM jimo.events")
feed jimo_restored "$work/more.tsv" >/dev/null
read -r n1 above < <(psql_ -d jimo_restored -F ' ' -c "SELECT count(*), count(*) FILTER (WHERE id > $max0) FROM jimo.events")
ok $((n1 > n0 ? 0 : 1)) "ingest into the restored database ($((n1 - n0)) new events)"
is "$above" "$((n1 - n0))" "every event stored after the restore got an id above the restored ones"

# jimo.expire() while ingest runs through the coordinator: neither waits for ever (a
# distributed deadlock would end one of them with an error), the month goes from every
# node and every delivery of the stream is stored.
python3 test/bench/gen_events.py --events 800 --seed 53 --start 2026-02-01 --days 3 >"$work/conc.jsonl"
plan "$work/conc.jsonl" "$work/conc.tsv" 23
feed jimo_restored "$work/conc.tsv" >"$work/conc.out" 2>&1 &
conc_pid=$!
sleep 0.3
keep2="$(psql_ -d jimo_restored -c "SELECT (now() - timestamptz '2025-05-15 00:00+00')::text")"
psql_ -d jimo_restored -c "SELECT string_agg(lower_bound::date::text, ' ') FROM jimo.expire('$keep2')" \
    >"$work/conc.expired" 2>&1
ok $? "jimo.expire() while ingest runs: expired $(cat "$work/conc.expired")"
wait "$conc_pid"
ok $? "the ingest beside it: every call committed ($(awk '{c[$2] += $3} END {for (s in c) printf "%s %d ", s, c[s]}' "$work/conc.out"))"
is "$(psql_ -d jimo_restored -c "SELECT count(*) FROM jimo.events WHERE occurred_at >= '2026-02-01' AND occurred_at < '2026-03-01'")" \
    "$(awk '$2 == "stored" {n += $3} END {print n + 0}' "$work/conc.out")" "every event the stream stored is there"
is "$(on_workers "SELECT count(*) FROM pg_class WHERE relnamespace = 'jimo'::regnamespace
                  AND relname ~ '^(events|survey_answers|checklist_tasks|post_comments|post_likes)_p2025_04'" jimo_restored)" 0 \
    "no shard of 2025-04 left on the workers"

# === 4. ALTER EXTENSION UPDATE from the released 0.4 ============================================
echo "# lifecycle 4: ALTER EXTENSION jimo_webhooks UPDATE on a distributed 0.4 database"
v04=caa85bc8084eaf045770af2d1735ae8811ec68e4 # as in test/integration/upgrade.sh
libdir="$("$pg_config" --pkglibdir)"
extdir="$("$pg_config" --sharedir)/extension"
if ((EUID == 0)); then as_root=(); else as_root=(sudo); fi
# The library in place: this build, put back whatever happens.
cp "$libdir/jimo_webhooks.so" "$work/current.so"
put_library() { # FILE: replace the installed library at once (a rename), never in place
    "${as_root[@]}" cp "$1" "$libdir/jimo_webhooks.so.new" &&
        "${as_root[@]}" mv -f "$libdir/jimo_webhooks.so.new" "$libdir/jimo_webhooks.so"
}
lifecycle_cleanup() { put_library "$work/current.so" 2>/dev/null; }
trap 'lifecycle_cleanup; citus_cleanup' EXIT
mkdir -p "$work/v04"
if ! git -C "$root" cat-file -e "$v04^{commit}" 2>/dev/null; then
    timeout 120 git -C "$root" fetch --quiet --unshallow 2>/dev/null || true
fi
git -C "$root" archive "$v04" | tar -x -C "$work/v04" &&
    make -s -C "$work/v04" PG_CONFIG="$pg_config" >"$work/v04.log" 2>&1
ok $? "0.4 built from its release commit"
"${as_root[@]}" install -m 644 "$work/v04/sql/jimo_webhooks--0.4.sql" "$extdir/" &&
    put_library "$work/v04/jimo_webhooks.so"
ok $? "0.4's library and install script installed"

python3 test/bench/gen_events.py --events 1800 --seed 47 --start 2025-05-20 --days 20 --duplicates 0.15 \
    --shuffle random --tags --project --time-variants >"$work/up.jsonl"
printf '%s\n' '{"event": "tour.started", "time": "yesterday"}' 'not json' >>"$work/up.jsonl"
split -n l/3 -d "$work/up.jsonl" "$work/up."
for p in 00 01 02; do
    plan "$work/up.$p" "$work/up.$p.tsv" "$((17 + 10#$p))"
done
head -n 150 "$work/up.00" >>"$work/up.02" # redeliveries across the update
plan "$work/up.02" "$work/up.02.tsv" 19

citus_db jimo_up &&
    psql_ -d jimo_up -c "CREATE EXTENSION jimo_webhooks VERSION '0.4'" &&
    psql_ -d jimo_up -c "SELECT count(*) FROM jimo.distribute(shard_count => 4)" >/dev/null
ok $? "jimo_up: Citus with two workers, jimo_webhooks 0.4, jimo.distribute()"
feed jimo_up "$work/up.00.tsv" >"$work/up.00.citus"
ok $? "a third of the deliveries into 0.4 on Citus"
put_library "$work/current.so"
ok $? "this build's library installed again (a package upgrade, before ALTER EXTENSION)"
feed jimo_up "$work/up.01.tsv" >"$work/up.01.citus"
ok $? "a third into the 0.4 schema with this library"
psql_ -d jimo_up -c "ALTER EXTENSION jimo_webhooks UPDATE" 2>"$work/update.err"
ok $? "ALTER EXTENSION jimo_webhooks UPDATE on the coordinator$( [[ -s "$work/update.err" ]] && echo ": $(head -c 300 "$work/update.err" | tr '\n' ' ')")"
current="$(sed -n "s/^default_version = '\(.*\)'/\1/p" jimo_webhooks.control)"
versions="$(psql_ -d jimo_up -c "SELECT extversion FROM pg_extension WHERE extname = 'jimo_webhooks'")"
for w in 1 2; do
    versions="$versions $(on_worker "$w" "SELECT extversion FROM pg_extension WHERE extname = 'jimo_webhooks'" jimo_up)"
done
is "$versions" "$current $current $current" "jimo_webhooks $current on the coordinator and both workers"
# Every function and view as on a fresh install distributed ($db): the views kept their
# Citus form (an upgrade that replaces one must end with jimo.use_citus_views() when the
# database is distributed, or it would put back the one-node text Citus cannot plan).
defs_sql="SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)) FROM pg_proc p
          WHERE p.pronamespace = 'jimo'::regnamespace AND p.prokind <> 'a'
          UNION ALL SELECT c.relname, md5(pg_get_viewdef(c.oid)) FROM pg_class c
          WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind = 'v' ORDER BY 1"
psql_ -d jimo_up -c "$defs_sql" >"$work/defs.up"
psql_ -d "$db" -c "$defs_sql" >"$work/defs.fresh"
check "every function and view of the upgraded database as on a fresh distributed install" \
    cmp -s "$work/defs.up" "$work/defs.fresh"
diff "$work/defs.up" "$work/defs.fresh" | grep '^[<>]' | head -n 6 | sed 's/^/#   /'
feed jimo_up "$work/up.02.tsv" >"$work/up.02.citus"
ok $? "the last third after the update"
is "$(psql_ -d jimo_up -c "SELECT count(*) FILTER (WHERE changed) FROM jimo.distribute()")" 0 \
    "jimo.distribute() after the update changes nothing"
psql_ -d postgres -c "CREATE DATABASE jimo_up_single" >/dev/null &&
    psql_ -d jimo_up_single -c "CREATE EXTENSION jimo_webhooks"
ok $? "jimo_up_single: a fresh $current on one node"
for p in 00 01 02; do
    feed jimo_up_single "$work/up.$p.tsv" >"$work/up.$p.single"
    check "the same outcomes for slice $p ($(awk '{c[$2] += $3} END {for (s in c) printf "%s %d ", s, c[s]}' "$work/up.$p.single"))" \
        cmp -s "$work/up.$p.citus" "$work/up.$p.single"
done
db=jimo_up single=jimo_up_single compare_all " upgraded from 0.4 on Citus"
db=jimo_up single=jimo_up_single PGOPTIONS="-c jimo.funnel_window=2h" \
    compare_all " upgraded from 0.4 on Citus, jimo.funnel_window = 2h" views
