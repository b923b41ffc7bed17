-- The lookups of ingest that probe an index per array element (the seen_days
-- lookup of the reach rollups, the redelivery update of a month: src/probe.c)
-- are planned once per session as index probes, whatever the table's size
-- when the plan is made or remade. Here one session looks up seen_days six
-- times while it holds one row, ANALYZE records it that small (the plan cache
-- then replans, from those statistics), the table grows to 20 000 rows without
-- a new ANALYZE, and one more lookup must not scan it sequentially. The planner
-- settings that make the probes (enable_seqscan and the hash and merge joins
-- off) must be the caller's own again after each call.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

-- a hint seen by jimer k, minute m of 2024-03-01
CREATE FUNCTION pg_temp.seen(k integer, m integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-0000000000a1", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + m * interval '1 minute') * 1000)::bigint,
                  lpad(k::text, 12, '0'))
$$;

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[pg_temp.seen(0, 0)]) WHERE status = 'stored'),
          1::bigint, 'one hint.seen stored: seen_days holds one row');

SELECT is((SELECT count(*) FROM generate_series(1, 6) AS i,
                  jimo.receive_batch(ARRAY[pg_temp.seen(0, i)]) AS r
            WHERE r.status = 'stored'),
          6::bigint, 'six more calls look seen_days up while it is that small');

ANALYZE jimo.seen_days;
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.seen(0, 7)])),
          'stored', 'a call after ANALYZE recorded one row (the lookup is planned again)');

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT pg_temp.seen(k, 10) FROM generate_series(1, 20000) AS k))
            WHERE status = 'stored'),
          20000::bigint, 'seen_days grew to 20 001 rows in the same session, not analyzed');

-- the caller's own planner settings, different from the defaults
SET enable_hashjoin = off;
SET enable_seqscan = on;
SET enable_mergejoin = on;

BEGIN;
CREATE TEMP TABLE scans AS
SELECT pg_stat_get_xact_numscans('jimo.seen_days'::regclass) AS before;

SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.seen(5, 20)])),
          'stored', 'one more hint.seen');

SELECT is(pg_stat_get_xact_numscans('jimo.seen_days'::regclass) - (SELECT before FROM scans),
          0::bigint, 'its seen_days lookup probed the index: no sequential scan of 20 001 rows');
COMMIT;

SELECT is(ARRAY[current_setting('enable_seqscan'), current_setting('enable_hashjoin'),
                current_setting('enable_mergejoin')],
          ARRAY['on', 'off', 'on'], 'the caller''s planner settings are as they were');

SELECT is((SELECT format('%s views, %s jimers', views, unique_jimers) FROM jimo.seen_day_totals
            WHERE experience_uid = 'c3c3c3c3-0000-4000-8000-0000000000a1' AND day = '2024-03-01'),
          '20009 views, 20001 jimers', 'and the rollup counted every view and jimer once');

SELECT * FROM finish();
