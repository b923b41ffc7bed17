-- A session remembers every month it has seen exist, however many: a
-- backfill of ten years must not send each later call back to
-- jimo.ensure_partitions() (0.3 remembered 64 months and forgot the newest).
-- Calls of jimo.ensure_partitions are counted with track_functions. The months
-- are created ahead, in this transaction, by jimo.ensure_partitions() itself:
-- ingest creates at most 64 new months per transaction (99_many_new_months).
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL track_functions = 'pl';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(3);

-- one event in each of 120 months, 2016 to 2025
CREATE TEMP TABLE ev AS
SELECT k, format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                 (extract(epoch FROM timestamptz '2016-01-10 12:00Z' + k * interval '1 month') * 1000)::bigint,
                 lpad(k::text, 12, '0')) AS body
FROM generate_series(0, 119) AS k;

CREATE FUNCTION pg_temp.ensure_calls() RETURNS bigint LANGUAGE sql AS
$$ SELECT coalesce(pg_stat_get_xact_function_calls('jimo.ensure_partitions(timestamptz[])'::regprocedure), 0) $$;

SELECT jimo.ensure_partitions(ARRAY(SELECT timestamptz '2016-01-10 12:00Z' + k * interval '1 month' FROM ev));
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM ev ORDER BY k)) WHERE status = 'stored'),
          120::bigint, '120 events of 120 months stored');
-- creating the months invalidates what the session knew; the next call learns them again
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM ev WHERE k = 0))
            WHERE status = 'duplicate'), 1::bigint, 'a redelivery of the first month');
CREATE TEMP TABLE before AS SELECT pg_temp.ensure_calls() AS n;
SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM ev WHERE k IN (3, 70, 119)));
SELECT is(pg_temp.ensure_calls() - (SELECT n FROM before), 0::bigint,
          'redeliveries of the 4th, 71st and 120th months: no call to jimo.ensure_partitions');

SELECT * FROM finish();
ROLLBACK;
