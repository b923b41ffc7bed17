#!/usr/bin/env bash
# The settings a worker's session stores deliveries with, seen from inside its own
# transaction (a trigger on jimo.rejected writes them down when a bad body is kept):
# synchronous_commit off, set for the database, becomes on, since a 200 promises a
# commit that survives a crash, and with it off acknowledged events were lost after
# `pg_ctl stop -m immediate`; local is left as it is (durable on this server);
# statement_timeout is 90 % of --db-timeout. TAP output.
# shellcheck source=test/receiver/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

db="$(psql_ -c "SELECT current_database()")"
trap 'psql_ -c "ALTER DATABASE \"$db\" RESET synchronous_commit" >/dev/null 2>&1; _recv_cleanup' EXIT

psql_ <<'SQL' >/dev/null
CREATE TABLE public.seen_settings (synchronous_commit text, statement_timeout text);
CREATE FUNCTION public.note_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.seen_settings
    VALUES (current_setting('synchronous_commit'), current_setting('statement_timeout'));
    RETURN NULL;
END $$;
CREATE TRIGGER note_settings AFTER INSERT ON jimo.rejected
    FOR EACH ROW EXECUTE FUNCTION public.note_settings();
SQL

seen() { # SETTING_FOR_THE_DATABASE: start a receiver, keep one bad body, print what its session had
    psql_ -c "ALTER DATABASE \"$db\" SET synchronous_commit = $1" >/dev/null
    psql_ -c "TRUNCATE public.seen_settings"
    recv_start --db-timeout 10s >/dev/null || return 1
    recv_wait_ready >/dev/null || return 1
    post "$RECV_URL" --data-binary "not json $1"
    [[ "$CODE" == 400 ]] || echo "posting a bad body: $CODE"
    psql_ -c "SELECT synchronous_commit || ' ' || statement_timeout FROM public.seen_settings"
    recv_stop
}

is "$(psql_ -c "SHOW synchronous_commit")" on "this session: on, as by default"
is "$(seen off)" "on 9s" "synchronous_commit off for the database: the receiver's session commits with on; statement_timeout 9s"
is "$(seen local)" "local 9s" "synchronous_commit local: left as it is"
is "$(seen remote_apply)" "remote_apply 9s" "remote_apply: left as it is"
done_testing
