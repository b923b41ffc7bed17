-- Months before 2015 share one partition (events_before_2015), and so do
-- months from 2100 on (events_from_2100): jimo.partition_for().  A
-- transaction creates at most 64 new months (99_many_new_months), but those
-- shared partitions are one table each to create, however many months their
-- bodies fall in.  Counted month by month, a backfill of years before 2015
-- (or a sender whose clock says 2150) used up the budget alone, and the
-- bodies of real months in the same call were rejected with 53400 (found by
-- QA round 8).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(6);

-- one hint.seen in each month of: 2005-01 .. 2013-04 (100 months), 2015-01 ..
-- 2020-02 (62 months), 2100-01 .. 2101-08 (20 months), shuffled: 64 new
-- partitions, what one transaction may create
CREATE FUNCTION pg_temp.bodies() RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000002", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                            (extract(epoch FROM m + interval '14 days') * 1000)::bigint,
                            lpad(k::text, 12, '0')) ORDER BY md5(m::text))
    FROM (SELECT m, row_number() OVER () AS k FROM (SELECT timestamptz '2005-01-01 00:00Z' + i * interval '1 month' FROM generate_series(0, 99) i
          UNION ALL
          SELECT timestamptz '2015-01-01 00:00Z' + i * interval '1 month' FROM generate_series(0, 61) i
          UNION ALL
          SELECT timestamptz '2100-01-01 00:00Z' + i * interval '1 month' FROM generate_series(0, 19) i) AS t(m)) AS u
$$;

CREATE TEMP TABLE answers AS
SELECT * FROM jimo.receive_batch(pg_temp.bodies());

SELECT is((SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
             FROM (SELECT status, count(*) AS n FROM answers GROUP BY status) s),
          'stored 182',
          'one call with 100 months before 2015, 62 months from 2015 on and 20 from 2100 stores every body');
SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint, 'none is kept as rejected');
SELECT is((SELECT count(*) FROM jimo.events WHERE occurred_at < '2015-01-01'), 100::bigint,
          'the 100 before 2015 are in the shared partition');
SELECT is((SELECT count(*) FROM jimo.events_before_2015), 100::bigint, '(events_before_2015)');
SELECT is((SELECT count(*) FROM jimo.events_from_2100), 20::bigint,
          'the 20 from 2100 on are in theirs');
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events'), 64::bigint,
          '64 partitions of events: the two shared ones and 62 months');

SELECT * FROM finish();
