#!/usr/bin/env bash
# Upgrades from every released version keep the data and end where a fresh install
# ends. For each released version V (its commit below): build and install V from the
# repository's history, create V in a database and ingest; install this checkout's
# build (the library first, as a package upgrade would, and ingest once more before the
# upgrade); ALTER EXTENSION jimo_webhooks UPDATE; ingest more. A second database with a
# fresh install of the current version gets the same bodies in the same calls. Then:
#   - pg_dump --schema-only of schema jimo is the same text in both,
#   - every table and view of schema jimo holds the same rows (arrival times aside),
#   - nothing stored before the upgrade was lost or rewritten.
# Installs into the PostgreSQL of pg_config (as root, or with sudo like test/run), and
# puts this checkout's build back when it ends, whatever happened.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks (test/run).
# Thirteen versions take 5-6 minutes here, beyond test/run's default limit:
# test-timeout: 900
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=test/lib/fingerprint.sh
source "$root/test/lib/fingerprint.sh"
# shellcheck source=test/lib/health_check.sh
source "$root/test/lib/health_check.sh"
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# Released versions and the commit each was released at.
declare -A released=([0.1]=366ed5734d40edf91279d1b70edb5c8ee854e294 [0.2]=35a91656accded8ebad5bd8556fef66bf24ba33d [0.3]=762319f0e5abaaf91de1336d17587d0bbeee81be [0.4]=caa85bc8084eaf045770af2d1735ae8811ec68e4 [0.5]=9c7198214e0e8b8180374903b915fde476930526 [0.6]=6401abbd1ff48ad133d803ba06c12a6aed4e532c [0.7]=9a8bd829b312e0a5565fd9b4efe2aba2a91c2a18 [0.8]=f08ce0d2d79ef8735dc5a0500c2eb902847f525b [0.9]=da7a82dad96eb5a41b6182fb333809f8d601fd7d [0.10]=25eb4a219fb0712f13abdf1b68e823e66e2c76f1 [0.11]=8524e7b6d08def93c4021b516b9fc3796b53e9b5 [0.12]=d8bc5588be850294423e5e24f492c51424834928 [0.13]=bf82760f809d78744876160e1a1f93e158403bff [0.14]=83bf69035fd275e40e034b4c283be6e871815d6b [0.15]=89697148726685a255735f546976bf661d560986)

pg_config="${PG_CONFIG:-pg_config}"
if ((EUID == 0)); then as_root=(); else as_root=(sudo); fi
current=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$root/jimo_webhooks.control")
work="$(mktemp -d)"
old_db=jimo_upgrade_old
new_db=jimo_upgrade_new
cleanup() {
    # This checkout's build back in place, so that later suites test it, not V.
    "${as_root[@]}" make -s -C "$root" install PG_CONFIG="$pg_config" >/dev/null || true
    dropdb --if-exists "$old_db" 2>/dev/null || true
    dropdb --if-exists "$new_db" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
both() { # FILE DESC: the same call into both databases must have the same outcomes
    jimo_load "$old_db" "$1" >"$work/out.old"
    jimo_load "$new_db" "$1" >"$work/out.new"
    if cmp -s "$work/out.old" "$work/out.new"; then
        ok 0 "$2: $(tr '\n' ' ' <"$work/out.new")"
    else
        ok 1 "$2: $(tr '\n' ' ' <"$work/out.old") against $(tr '\n' ' ' <"$work/out.new")"
    fi
}

# Four slices of generated events (every type, redeliveries, arrival out of order) and
# a few bodies that are rejected; slices 2-4 redeliver some of the earlier ones.
python3 "$root/test/bench/gen_events.py" --events 4000 --jimers 250 --seed 21 \
    --duplicates 0.1 --shuffle random --project --tags >"$work/all.jsonl"
split -n l/4 -d "$work/all.jsonl" "$work/part."
printf '%s\n' '{"event": "tour.started", "time": "yesterday"}' 'not json' '[]' >>"$work/part.00"
head -100 "$work/part.00" >>"$work/part.02"

for version in "${!released[@]}"; do
    commit="${released[$version]}"
    echo "# from $version (commit $commit) to $current"
    if ! git -C "$root" cat-file -e "$commit^{commit}" 2>/dev/null &&
        [[ "$(git -C "$root" rev-parse --is-shallow-repository 2>/dev/null)" == true ]]; then
        # A shallow clone lacks the release commits; fetch the history from its origin.
        timeout 120 git -C "$root" fetch --quiet --unshallow 2>/dev/null || true
    fi
    if ! git -C "$root" cat-file -e "$commit^{commit}" 2>/dev/null; then
        echo "Bail out! commit $commit of release $version is not in this clone (a shallow clone whose history could not be fetched?)"
        exit 1
    fi
    rm -rf "$work/v"
    mkdir "$work/v"
    git -C "$root" archive "$commit" | tar -x -C "$work/v"
    make -s -C "$work/v" PG_CONFIG="$pg_config" >"$work/build.log" 2>&1 ||
        { cat "$work/build.log"; echo "Bail out! release $version does not build"; exit 1; }
    # Only the extension of V: its library, its control file and its install script.
    "${as_root[@]}" install -m 755 "$work/v/jimo_webhooks.so" "$("$pg_config" --pkglibdir)/"
    "${as_root[@]}" install -m 644 "$work/v/jimo_webhooks.control" "$work/v/sql/jimo_webhooks--$version.sql" \
        "$("$pg_config" --sharedir)/extension/"

    for db in "$old_db" "$new_db"; do
        dropdb --if-exists "$db" 2>/dev/null
        createdb "$db"
    done
    psql_ -d "$old_db" -c "CREATE EXTENSION jimo_webhooks VERSION '$version'"
    got=$(psql_ -d "$old_db" -c "SELECT extversion FROM pg_extension WHERE extname = 'jimo_webhooks'")
    ok "$([ "$got" = "$version" ] && echo 0 || echo 1)" "$version installed from its release commit (got $got)"
    jimo_load "$old_db" "$work/part.00" >"$work/out.old"
    psql_ -d "$old_db" -c "SELECT count(*) FROM jimo.events" >"$work/events.v"

    # the new build arrives (library, control, scripts); the database is still at V
    "${as_root[@]}" make -s -C "$root" install PG_CONFIG="$pg_config" >/dev/null
    psql_ -d "$new_db" -c "CREATE EXTENSION jimo_webhooks"
    jimo_load "$new_db" "$work/part.00" >"$work/out.new"
    both "$work/part.01" "$version schema with the $current library: the same outcomes as a fresh $current"

    # Everything stored so far, to check that the upgrade keeps it row for row.
    jimo_fingerprint "$old_db" >"$work/pre"
    # The tables that hold data before the upgrade (the upgrade may add new ones), and
    # the names of their columns (it may add columns too).
    tables=$(psql_ -d "$old_db" -c "SELECT string_agg(relname, '|') FROM pg_class WHERE relnamespace = 'jimo'::regnamespace AND relkind IN ('r', 'p')")
    columns_sql="SELECT DISTINCT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                 WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind IN ('r', 'p')
                   AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1"
    psql_ -d "$old_db" -c "$columns_sql" >"$work/columns.pre"
    psql_ -d "$old_db" -c "ALTER EXTENSION jimo_webhooks UPDATE"
    got=$(psql_ -d "$old_db" -c "SELECT extversion FROM pg_extension WHERE extname = 'jimo_webhooks'")
    ok "$([ "$got" = "$current" ] && echo 0 || echo 1)" "ALTER EXTENSION UPDATE reaches $current (got $got)"
    # Columns the upgrade added (0.4: jimer_key) are left out here: the rows must keep
    # every value they had; what the new columns hold is compared with a fresh install below.
    psql_ -d "$old_db" -c "$columns_sql" >"$work/columns.post"
    mapfile -t added < <(comm -13 "$work/columns.pre" "$work/columns.post")
    jimo_fingerprint "$old_db" "${added[@]}" >"$work/post"
    # Tables keep every row unchanged (views may change meaning between versions; new
    # tables filled by the upgrade are checked against a fresh install below).
    if diff <(grep -E "^($tables)\|" "$work/pre") <(grep -E "^($tables)\|" "$work/post") >"$work/diff.keep"; then
        ok 0 "the upgrade kept every stored row ($(grep -E "^($tables)\|" "$work/pre" | awk -F'|' '{ s += $2 } END { print s }') rows in $(grep -cE "^($tables)\|" "$work/pre") tables)"
    else
        ok 1 "the upgrade changed stored rows"
        cat "$work/diff.keep"
    fi

    ids_sql="SELECT (SELECT last_value FROM jimo.events_id_seq) || ' ' || (SELECT count(*) FROM jimo.events)"
    read -r ids0 events0 <<<"$(psql_ -d "$old_db" -c "$ids_sql")"
    both "$work/part.02" "after the upgrade, the same outcomes as a fresh install (slice 3)"
    both "$work/part.03" "after the upgrade, the same outcomes as a fresh install (slice 4)"
    # The bulk write (src/bulk.c) runs on the upgraded schema too: it spends an id on
    # each new event and none on a redelivery (the INSERT statement spends one on each).
    read -r ids1 events1 <<<"$(psql_ -d "$old_db" -c "$ids_sql")"
    ok "$([ $((ids1 - ids0)) = $((events1 - events0)) ] && echo 0 || echo 1)" \
        "after the upgrade, new events are written in bulk: $((ids1 - ids0)) ids spent on $((events1 - events0)) new events"

    # The two databases must now be indistinguishable.
    # A plain schema dump writes only "CREATE EXTENSION" for an extension's members;
    # --binary-upgrade (what pg_upgrade uses) writes every member object, its comment,
    # grants and extension membership. Object ids and freeze horizons, which differ
    # between any two databases, are taken out; everything else must be the same text.
    for db in "$old_db" "$new_db"; do
        pg_dump --schema-only --binary-upgrade -d "$db" |
            grep -Ev "^\\\\(un)?restrict |binary_upgrade_set_next_|^SELECT pg_catalog.setval\\('jimo.events_id_seq'" |
            sed -E -e '/binary_upgrade_create_empty_extension/s/[0-9]{4,}/OID/g' \
                -e "s/relfrozenxid = '[0-9]+', relminmxid = '[0-9]+'/relfrozenxid = XID/" \
                -e "s/WHERE oid = '[0-9]+'/WHERE oid = OID/" >"$work/schema.$db"
    done
    if diff "$work/schema.$old_db" "$work/schema.$new_db" >"$work/diff.schema"; then
        ok 0 "pg_dump --schema-only --binary-upgrade: upgraded = fresh ($(grep -c '^ALTER EXTENSION jimo_webhooks ADD' "$work/schema.$new_db") member objects, $(wc -l <"$work/schema.$new_db") lines)"
    else
        ok 1 "pg_dump --schema-only --binary-upgrade differs between upgraded and fresh"
        cat "$work/diff.schema"
    fi
    # Arrival times differ between two databases fed one after the other: left out.
    arrival=(received_at last_received_at median_lag_seconds max_lag_seconds max_redelivery_lag_seconds)
    # The delivery rollups are keyed by arrival (day, writer slot, lag): each database
    # is checked against its own events and rejected bodies instead.
    # Event ids are handed out in arrival order, and an older version's INSERT spent one
    # on every redelivery (0.5's bulk write spends none): the id of jimo.events is left
    # out (and so is the identity's position from the schema dump above), and each
    # event_id is compared as the digest of the event it points at.
    JIMO_FINGERPRINT_SKIP="delivery_days delivery_lags" JIMO_FINGERPRINT_EVENT_IDS=digest \
        jimo_fingerprint "$old_db" "${arrival[@]}" >"$work/rows.old"
    JIMO_FINGERPRINT_SKIP="delivery_days delivery_lags" JIMO_FINGERPRINT_EVENT_IDS=digest \
        jimo_fingerprint "$new_db" "${arrival[@]}" >"$work/rows.new"
    for db in "$old_db" "$new_db"; do
        got=$(jimo_delivery_health_diff "$db")
        ok "$([ "$got" = 0 ] && echo 0 || echo 1)" "$db: delivery_health equals the count over its jimo.events and jimo.rejected ($got rows differ)"
    done
    if diff "$work/rows.old" "$work/rows.new" >"$work/diff.rows"; then
        ok 0 "every table and view: upgraded = fresh ($(awk -F'|' '{ s += $2 } END { print s }' "$work/rows.new") rows in $(wc -l <"$work/rows.new") relations)"
    else
        ok 1 "tables or views differ between upgraded and fresh"
        cat "$work/diff.rows"
    fi
    events=$(psql_ -d "$old_db" -c "SELECT count(*) FROM jimo.events")
    echo "# $(cat "$work/events.v") events stored under $version, $events after the upgrade and more ingest"
done

echo "1..$n"
exit "$failed"
