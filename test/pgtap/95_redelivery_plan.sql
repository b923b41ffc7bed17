-- A redelivery costs one index lookup per event, however much its month grew
-- since the session's first call. 0.4 kept one plan per month for the whole
-- session: made while the month was empty, it joined by a sequential scan of
-- the month, so a long-lived connection (the receiver's) paid a scan of the
-- whole month on every call that held a redelivery until autovacuum happened
-- to analyze it (calls of 100 grew from 6 to 22 ms over 50 000 events). Here
-- one session redelivers into a month of 2 events six times (enough for a
-- kept plan to be the one used), the month grows to 20 000 events, and one
-- more redelivery must not scan the month sequentially.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE FUNCTION pg_temp.body(k integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + k * interval '1 minute') * 1000)::bigint,
                  lpad(k::text, 12, '0'))
$$;

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[pg_temp.body(0), pg_temp.body(1)]) WHERE status = 'stored'),
          2::bigint, 'two events stored in an empty month');

-- six calls that each redeliver both, while the month holds two rows
SELECT is((SELECT count(*) FROM generate_series(1, 6) AS i,
                  jimo.receive_batch(ARRAY[pg_temp.body(0), pg_temp.body(1)]) AS r
            WHERE r.status = 'duplicate'),
          12::bigint, 'six calls of two redeliveries while the month was small');

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT pg_temp.body(k) FROM generate_series(2, 20001) AS k))
            WHERE status = 'stored'),
          20000::bigint, 'the month grew to 20 002 events in the same session');

-- scans counted within one transaction
BEGIN;
CREATE TEMP TABLE scans AS
SELECT pg_stat_get_xact_numscans('jimo.events_p2024_03'::regclass) AS before;

SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.body(0)])),
          'duplicate', 'one more redelivery');

SELECT is(pg_stat_get_xact_numscans('jimo.events_p2024_03'::regclass) - (SELECT before FROM scans),
          0::bigint, 'the redelivery found its event by index: no sequential scan of the month');
COMMIT;

SELECT * FROM finish();
