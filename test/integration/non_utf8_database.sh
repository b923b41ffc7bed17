#!/usr/bin/env bash
# Request bodies are JSON as sent over HTTP, which is UTF-8 (RFC 8259, 8.1),
# whatever the database's encoding. receive_batch(bytea[]) (what jimo-receiver
# calls) checked the bytes as text of the database encoding instead: in a
# LATIN1 database, which takes any byte, a title "Café" was stored as
# "CafÃ©", the same event sent as text (receive) was stored a second time
# (another digest), a title in Japanese was stored as LATIN1 garbage instead
# of being rejected, and in a SQL_ASCII database a body that is not UTF-8 was
# stored instead of rejected (found by QA round 9). In a LATIN1 and in a
# SQL_ASCII database of the test's cluster: bodies as bytes are read as UTF-8,
# stored in the database encoding, equal to the same bodies sent as text; one
# the encoding cannot hold, or not UTF-8, is rejected alone.
# Needs PGHOST/PGPORT/PGUSER/PGDATABASE of a database with jimo_webhooks
# (test/run provides them; the databases of this test are its own). TAP output.
set -euo pipefail
psql_() { psql -X -q -At -v ON_ERROR_STOP=1 "$@"; }

# shellcheck source=test/lib/tap.sh
source "$(dirname "$0")/../lib/tap.sh"

dbs=(jimo_latin1_test jimo_sql_ascii_test)
# shellcheck disable=SC2317 # called through the trap below
cleanup() {
    for db in "${dbs[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done
}
trap cleanup EXIT

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
body() { # N TITLE
    printf '{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-%012d", "type": "TOUR", "title": "%s"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-000000000001"}}' \
        "$((1740133769000 + $1))" "$1" "$2"
}
cafe="$(hex "$(body 1 'Café')")"
japanese="$(hex "$(body 2 '日本')")"
plain="$(hex "$(body 3 'Plain')")"
# a body that is not UTF-8: "Café" with a LATIN1 "é" (the byte 0xe9 alone)
not_utf8="$(body 4 'CafQ' | sed 's/CafQ/Caf\xe9/' | od -An -v -tx1 | tr -d ' \n')"

echo "1..9"
for enc in LATIN1 SQL_ASCII; do
    if [[ $enc == LATIN1 ]]; then db=${dbs[0]}; else db=${dbs[1]}; fi
    dropdb --if-exists "$db" 2>/dev/null || true
    createdb -E "$enc" -T template0 --locale=C "$db"
    psql_ -d "$db" -c "SET client_min_messages = warning" -c "CREATE EXTENSION jimo_webhooks"
    out="$(psql_ -d "$db" -F ' ' -c "SELECT ord, status FROM jimo.receive_batch(ARRAY['\\x$cafe', '\\x$japanese', '\\x$plain', '\\x$not_utf8']::bytea[]) ORDER BY ord" | tr '\n' ' ')"
    if [[ $enc == LATIN1 ]]; then
        check "$enc: bytes read as UTF-8; a title LATIN1 cannot hold and a body not UTF-8 rejected alone" \
            "$out" "1 stored 2 rejected 3 stored 4 rejected "
        check "$enc: the title is stored as the text it is" \
            "$(PGCLIENTENCODING=UTF8 psql_ -d "$db" -c "SELECT title FROM jimo.experiences WHERE uid = 'c3c3c3c3-0000-4000-8000-000000000001'")" "Café"
    else
        check "$enc: bytes read as UTF-8; a body not UTF-8 rejected alone" \
            "$out" "1 stored 2 stored 3 stored 4 rejected "
        check "$enc: the titles are stored as sent" \
            "$(PGCLIENTENCODING=UTF8 psql_ -d "$db" -c "SELECT string_agg(title, ' ' ORDER BY uid) FROM jimo.experiences")" "Café 日本 Plain"
    fi
    # the same body sent as text is the same event: a redelivery
    check "$enc: the body sent as text is a duplicate of the one sent as bytes" \
        "$(PGCLIENTENCODING=UTF8 psql_ -d "$db" -c "SELECT status FROM jimo.receive('$(body 1 'Café')')")" "duplicate"
    if [[ $enc == LATIN1 ]]; then
        check "$enc: the rejection says which character LATIN1 cannot hold" \
            "$(psql_ -d "$db" -c "SELECT sqlstate FROM jimo.rejected WHERE body_bytes = '\\x$japanese'")" "22P05"
        # a body kept as text by an older version, "Café" in LATIN1, retried: it goes
        # back to ingest as UTF-8, as the receiver sends it, and is stored as it is
        PGCLIENTENCODING=UTF8 psql_ -d "$db" -c "INSERT INTO jimo.rejected (digest, error, sqlstate, body)
            VALUES ('\\x00', 'kept by an older version', '22023', '$(body 5 'Café')')"
        check "$enc: jimo.retry_rejected() stores a kept text body with a non-ASCII title, as it is" \
            "$(PGCLIENTENCODING=UTF8 psql_ -d "$db" -c "SELECT stored FROM jimo.retry_rejected()" -c "SELECT title FROM jimo.experiences WHERE uid = 'c3c3c3c3-0000-4000-8000-000000000005'" | tr '\n' ' ')" "1 Café "
    fi
done
check "one event per distinct body in each database" \
    "$(psql_ -d "${dbs[0]}" -c "SELECT count(*) FROM jimo.events") $(psql_ -d "${dbs[1]}" -c "SELECT count(*) FROM jimo.events")" "3 3"
exit $failed
