-- Months are UTC months whatever the session's TimeZone *and* DateStyle say.
-- jimo.ensure_partitions() and jimo.expire() passed partition bounds through
-- text: a timestamptz written with the session's DateStyle and read back.
-- With DateStyle SQL, Postgres or German a time is written with its zone's
-- abbreviation, and several abbreviations mean another zone when read back
-- (Asia/Shanghai writes CST, read as US Central, -06; Asia/Kolkata writes IST,
-- read as Israel, +02): a month was then attached 14 hours off, its first
-- hours rejected for good ("no partition of relation events found for row"),
-- and jimo.expire() recorded a horizon 3.5 hours too late.  Ingest sessions
-- get such settings from ALTER DATABASE / ALTER ROLE ... SET.
--
-- Also here: dates without an offset in the lenient fields (createdAt, ...)
-- must not depend on the ingesting session's TimeZone, and the horizon named
-- in a rejection must be the horizon.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(17);

-- Months relative to now (expiry is relative to now): m3 started 3 months ago,
-- m2 two months ago, m0 is this month; all in UTC.
CREATE TEMP TABLE mo AS
SELECT date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '3 months') AT TIME ZONE 'UTC' AS m3,
       date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '2 months') AT TIME ZONE 'UTC' AS m2,
       date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m0;
CREATE FUNCTION pg_temp.body(t timestamptz, jimer int) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'event', 'tour.started',
        'time', (extract(epoch FROM t) * 1000)::bigint,
        'experience', jsonb_build_object('uid', 'c1c1c1c1-0000-4000-8000-000000000001', 'type', 'TOUR'),
        'jimer', jsonb_build_object('uid', format('d2d2d2d2-0000-4000-8000-%s', lpad(jimer::text, 12, '0'))))::text
$$;

-- 1. A month first needed by a session in Asia/Shanghai with DateStyle Postgres:
-- its first hour must be stored, and the partition must hold the UTC month.
SET LOCAL TimeZone = 'Asia/Shanghai';
SET LOCAL DateStyle = 'Postgres, DMY';
SELECT is((SELECT status FROM jimo.receive(pg_temp.body((SELECT m3 FROM mo) + interval '1 hour', 1))),
          'stored',
          'TimeZone Asia/Shanghai, DateStyle Postgres: an event in the first hour of a new month is stored');
SELECT is((SELECT status FROM jimo.receive(pg_temp.body((SELECT m2 FROM mo) - interval '1 hour', 2))),
          'stored',
          'and one in the last hour of that month');
RESET TimeZone;
RESET DateStyle;
SET LOCAL TimeZone = 'UTC';
SELECT is((SELECT bounds FROM jimo.partitions WHERE partition_name = 'events_p' || to_char((SELECT m3 FROM mo) AT TIME ZONE 'UTC', 'YYYY_MM')),
          format('FOR VALUES FROM (%L) TO (%L)', (SELECT m3 FROM mo), (SELECT m2 FROM mo)),
          'the partition created in that session holds exactly the UTC month');
SELECT is((SELECT count(*) FROM jimo.partitions p
           WHERE p.table_name <> 'events'
             AND p.bounds = (SELECT bounds FROM jimo.partitions WHERE partition_name = 'events_p' || to_char((SELECT m3 FROM mo) AT TIME ZONE 'UTC', 'YYYY_MM'))),
          4::bigint, 'and so do the four fact partitions of that month');

-- 2. jimo.expire() in a session in Asia/Kolkata with DateStyle SQL: the month
-- 3 months ago goes, the horizon recorded is its exact end, and an event in
-- the first hour after it is stored.
SELECT is((SELECT status FROM jimo.receive(pg_temp.body((SELECT m0 FROM mo), 3))), 'stored', 'an event of this month is stored');
SET LOCAL TimeZone = 'Asia/Kolkata';
SET LOCAL DateStyle = 'SQL, DMY';
SELECT is((SELECT array_agg(upper_bound ORDER BY upper_bound) FROM jimo.expire('45 days')),
          ARRAY[(SELECT m2 FROM mo)],
          'TimeZone Asia/Kolkata, DateStyle SQL: jimo.expire() returns the exact end of the month it dropped');
SELECT is((SELECT max(upper_bound) FROM jimo.expired_months), (SELECT m2 FROM mo),
          'and records it as the horizon');
SELECT is((SELECT status FROM jimo.receive(pg_temp.body((SELECT m2 FROM mo) + interval '1 hour', 4))),
          'stored', 'an event one hour after the horizon is stored');

-- 3. The rejection of an event before the horizon names the horizon.
SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, YMD';
SELECT is((SELECT error FROM jimo.receive(pg_temp.body((SELECT m3 FROM mo) + interval '1 hour', 5))),
          format('jimo: the event time %s+00 is before the retention horizon %s+00: its month was removed by jimo.expire()',
                 ((SELECT m3 FROM mo) + interval '1 hour') AT TIME ZONE 'UTC', (SELECT m2 FROM mo) AT TIME ZONE 'UTC'),
          'the rejection of an expired event names its time and the horizon');

-- 4. A date without an offset is read as UTC, whatever the ingesting
-- session's TimeZone (two experiences, the same createdAt, stored by
-- sessions in different zones); one with an offset keeps it.
SET LOCAL TimeZone = 'Asia/Tokyo';
SELECT jimo.receive(format('{"event": "tour.created", "time": %s, "experience": {"uid": "c1c1c1c1-0000-4000-8000-0000000000a1", "createdAt": "2025-02-19T10:36:46.000", "publishedAt": "2025-02-19"}}',
                           (extract(epoch FROM now()) * 1000)::bigint));
SET LOCAL TimeZone = 'America/Los_Angeles';
SELECT jimo.receive(format('{"event": "tour.created", "time": %s, "experience": {"uid": "c1c1c1c1-0000-4000-8000-0000000000a2", "createdAt": "2025-02-19T10:36:46.000", "publishedAt": "2025-02-19T10:36:46+02:00"}}',
                           (extract(epoch FROM now()) * 1000)::bigint));
SELECT results_eq(
    $$SELECT created_at FROM jimo.experiences WHERE uid IN ('c1c1c1c1-0000-4000-8000-0000000000a1', 'c1c1c1c1-0000-4000-8000-0000000000a2') ORDER BY uid$$,
    $$VALUES (timestamptz '2025-02-19 10:36:46+00'), (timestamptz '2025-02-19 10:36:46+00')$$,
    'createdAt without an offset is UTC, whatever the session that stored it');
SELECT results_eq(
    $$SELECT published_at FROM jimo.experiences WHERE uid IN ('c1c1c1c1-0000-4000-8000-0000000000a1', 'c1c1c1c1-0000-4000-8000-0000000000a2') ORDER BY uid$$,
    $$VALUES (timestamptz '2025-02-19 00:00:00+00'), (timestamptz '2025-02-19 08:36:46+00')$$,
    'a date alone is midnight UTC; an explicit offset is kept');

-- 5. SET jimo.retention refuses exactly what jimo.expire() refuses (both
-- count a month as 30 days and a day as 24 hours): the setting is checked
-- when it is set, not on the night the expiry job runs.
SELECT lives_ok($$SET LOCAL jimo.retention = '1000 hours'$$, 'SET jimo.retention = 1000 hours (41 days) is allowed');
SELECT lives_ok($$SELECT * FROM jimo.expire('1000 hours')$$, 'as jimo.expire(''1000 hours'') allows it');
SELECT throws_ok($$SET LOCAL jimo.retention = '1 month 1 day -25 hours'$$, '22023', NULL,
                 'SET jimo.retention = 1 month 1 day -25 hours (29 days 23 hours) is refused');
SELECT throws_ok($$SELECT * FROM jimo.expire('1 month 1 day -25 hours')$$, '22023', NULL,
                 'as jimo.expire() refuses it');

-- 6. jimo.funnel_window must fit in an interval, or every funnel view fails.
SELECT throws_ok($$SET LOCAL jimo.funnel_window = '300000000 years'$$, '22023', NULL,
                 'SET jimo.funnel_window refuses a window beyond the range of interval');
SELECT lives_ok($$SET LOCAL jimo.funnel_window = '30 days'$$, 'and takes 30 days');

SELECT * FROM finish();
ROLLBACK;
