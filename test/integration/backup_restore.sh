#!/usr/bin/env bash
# Backups hold the data: pg_dump (custom and plain format) and pg_dumpall, restored into
# an empty database (pg_dumpall: an empty cluster), give every table's rows and every
# view's output unchanged; afterwards a redelivery of an old event is "duplicate" with
# its old id, and new events are "stored" with fresh ids above every restored one.
# 0.1 wrote only "CREATE EXTENSION" into a dump (its tables were extension members
# registered with no pg_extension_config_dump), so a restore had 0 rows.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"
# shellcheck source=test/lib/cluster.sh
source "$root/test/lib/cluster.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }
src="$PGDATABASE"
work="$(mktemp -d)"
chmod 755 "$work" # the postgres OS user reads nothing here, but psql -f runs as us
restored=(jimo_restore_custom jimo_restore_plain)
cleanup() {
    for db in "${restored[@]}"; do
        dropdb --if-exists "$db" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# --- data: generated events of every type, with redeliveries, one rejected body -------
python3 "$root/test/bench/gen_events.py" --events 3000 --jimers 200 --seed 11 \
    --duplicates 0.05 --shuffle random --project --tags >"$work/old.jsonl"
python3 "$root/test/bench/gen_events.py" --events 200 --jimers 50 --seed 12 \
    --start 2025-06-01 >"$work/new.jsonl"
jimo_load "$src" "$work/old.jsonl" >/dev/null
psql_ -d "$src" -c "SELECT count(*) FROM jimo.receive('{\"event\": \"tour.started\", \"time\": \"yesterday\"}')" >/dev/null
jimo_fingerprint "$src" >"$work/before"
events_before=$(psql_ -d "$src" -c "SELECT count(*) FROM jimo.events")
max_id=$(psql_ -d "$src" -c "SELECT max(id) FROM jimo.events")
rows_before=$(awk -F'|' '{ s += $2 } END { print s }' "$work/before")
echo "# source: $events_before events, $rows_before rows over $(wc -l <"$work/before") tables and views"

# Every table and identity sequence of the extension must be registered, or pg_dump
# silently leaves it out: checked from the catalog, so a table added later is covered.
missing=$(psql_ -d "$src" <<'SQL'
SELECT string_agg(c.oid::regclass::text, ', ')
FROM pg_depend d
JOIN pg_extension x ON x.oid = d.refobjid AND x.extname = 'jimo_webhooks'
JOIN pg_class c ON c.oid = d.objid AND d.classid = 'pg_class'::regclass
WHERE d.deptype = 'e' AND c.relkind IN ('r', 'p', 'S')
  AND c.oid <> ALL (x.extconfig);
SQL
)
ok "$([ -z "$missing" ] && echo 0 || echo 1)" "every table and sequence of the extension is in extconfig${missing:+ (missing: $missing)}"

# restored DB: same fingerprints, the same identity positions, and ingest goes on
check_restored() {
    local db="$1" how="$2" out
    jimo_fingerprint "$db" >"$work/after.$how"
    if diff "$work/before" "$work/after.$how" >"$work/diff.$how"; then
        ok 0 "$how: every table and view equal after restore ($(awk -F'|' '{ s += $2 } END { print s }' "$work/after.$how") rows)"
    else
        ok 1 "$how: tables and views differ after restore"
        cat "$work/diff.$how"
    fi
    # The first 300 old bodies again, as Jimo's retries would send them: all duplicates
    # of the restored rows, with the ids they had.
    head -300 "$work/old.jsonl" >"$work/redeliver.jsonl"
    out=$(jimo_load "$db" "$work/redeliver.jsonl" | tr '\n' ' ')
    ok "$([ "$out" = "duplicate 300 " ] && echo 0 || echo 1)" "$how: redeliveries after restore are duplicates (got: $out)"
    out=$(jimo_load "$db" "$work/new.jsonl" | tr '\n' ' ')
    ok "$([ "$out" = "stored 200 " ] && echo 0 || echo 1)" "$how: new events after restore are stored (got: $out)"
    out=$(psql_ -d "$db" -c "SELECT count(*) FILTER (WHERE id <= $max_id) || ' ' || count(DISTINCT id) FROM jimo.events WHERE received_at > (SELECT max(received_at) FROM jimo.events WHERE id <= $max_id)")
    ok "$([ "$out" = "0 200" ] && echo 0 || echo 1)" "$how: new events got 200 fresh ids above $max_id (new rows with an old id, distinct new ids: $out)"
}

# custom format, pg_restore into an empty database
pg_dump -Fc -d "$src" -f "$work/dump.custom"
createdb jimo_restore_custom
pg_restore --exit-on-error -d jimo_restore_custom "$work/dump.custom"
check_restored jimo_restore_custom "pg_dump -Fc"

# plain format, psql into an empty database
pg_dump -d "$src" -f "$work/dump.sql"
createdb jimo_restore_plain
psql_ -d jimo_restore_plain -f "$work/dump.sql" >/dev/null
check_restored jimo_restore_plain "pg_dump (plain)"

# pg_dumpall, into a second, empty cluster (the whole cluster: roles, every database)
pg_dumpall -f "$work/dumpall.sql"
(
    _jimo_cluster_dir="" # this subshell runs a cluster of its own
    trap cluster_stop EXIT
    cluster_start dumpall_restore >/dev/null
    # The only error a fresh cluster gives is the bootstrap superuser already existing.
    psql -X -q -d postgres -f "$work/dumpall.sql" >/dev/null 2>"$work/dumpall.err" || true
    if grep -v 'role "postgres" already exists' "$work/dumpall.err" | grep -q ERROR; then
        echo "# pg_dumpall restore errors:"
        sed 's/^/#   /' "$work/dumpall.err"
        exit 1
    fi
    check_restored "$src" "pg_dumpall"
    exit "$failed"
) >"$work/dumpall.out" 2>&1 || failed=1
# the subshell's TAP lines, renumbered into ours
while IFS= read -r line; do
    case "$line" in
    "ok "*) ok 0 "${line#ok * - }" ;;
    "not ok "*) ok 1 "${line#not ok * - }" ;;
    *) echo "$line" ;;
    esac
done <"$work/dumpall.out"
[ "$n" -ge 13 ] || ok 1 "pg_dumpall: the restore ran its checks"

echo "1..$n"
exit "$failed"
