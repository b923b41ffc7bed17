#!/usr/bin/env bash
# The settings a worker's session stores deliveries with, seen from inside its own
# transaction (a trigger on jimo.rejected writes them down when a bad body is kept):
# synchronous_commit off, set for the database, becomes on, since a 200 promises a
# commit that survives a crash, and with it off acknowledged events were lost after
# `pg_ctl stop -m immediate`; local is left as it is (durable on this server);
# statement_timeout is 90 % of --db-timeout; the isolation is READ COMMITTED whatever
# the database's default (0.16). TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db="$(psql_ -c "SELECT current_database()")"
trap 'psql_ -c "ALTER DATABASE \"$db\" RESET synchronous_commit" -c "ALTER DATABASE \"$db\" RESET default_transaction_isolation" >/dev/null 2>&1; _recv_cleanup' EXIT

psql_ <<'SQL' >/dev/null
CREATE TABLE public.seen_settings (synchronous_commit text, statement_timeout text, isolation text);
CREATE FUNCTION public.note_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.seen_settings
    VALUES (current_setting('synchronous_commit'), current_setting('statement_timeout'),
            current_setting('transaction_isolation'));
    RETURN NULL;
END $$;
CREATE TRIGGER note_settings AFTER INSERT ON jimo.rejected
    FOR EACH ROW EXECUTE FUNCTION public.note_settings();
SQL

seen() { # SETTING_FOR_THE_DATABASE [LABEL]: start a receiver, keep one bad body, print what its session had
    psql_ -c "ALTER DATABASE \"$db\" SET synchronous_commit = $1" >/dev/null
    psql_ -c "TRUNCATE public.seen_settings"
    recv_start --db-timeout 10s >/dev/null || return 1
    recv_wait_ready >/dev/null || return 1
    post "$RECV_URL" --data-binary "not json $1 ${2:-}" # a new body each time: a kept one is not inserted again
    [[ "$CODE" == 400 ]] || echo "posting a bad body: $CODE"
    psql_ -c "SELECT synchronous_commit || ' ' || statement_timeout || ' ' || isolation FROM public.seen_settings"
    recv_stop
}

is "$(psql_ -c "SHOW synchronous_commit")" on "this session: on, as by default"
is "$(seen off)" "on 9s read committed" "synchronous_commit off for the database: the receiver's session commits with on; statement_timeout 9s"
is "$(seen local)" "local 9s read committed" "synchronous_commit local: left as it is"
is "$(seen remote_apply)" "remote_apply 9s read committed" "remote_apply: left as it is"
psql_ -c "ALTER DATABASE \"$db\" SET default_transaction_isolation = 'repeatable read'" >/dev/null
is "$(seen on rr)" "on 9s read committed" "default_transaction_isolation repeatable read for the database: batches run in read committed"
psql_ -c "ALTER DATABASE \"$db\" SET default_transaction_isolation = 'serializable'" >/dev/null
is "$(seen on serializable)" "on 9s read committed" "serializable for the database: read committed too"
done_testing
