-- An event time past the end of a JavaScript Date (8.64e15 ms, +275760-09-13)
-- is rejected alone. PostgreSQL's timestamptz runs to 294276, and such a
-- time was stored: then one tour.started in the last 14 days of that range
-- made "first start + jimo.funnel_window" raise "timestamp out of range", so
-- tour_funnel_daily and funnel_cohorts failed for every experience; and a
-- completion 292 000 years after a start in 1970 wrapped around in
-- "completed - started" (PostgreSQL 15 does not check that subtraction), so
-- journey_conversions counted it converted within the window, with a
-- negative time to complete. Found by QA round 9.
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

CREATE FUNCTION pg_temp.body(name text, exp integer, ms numeric) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "%s", "version": "0", "time": %s, "experience": {"uid": "e9e9e9e9-0000-4000-8000-%s", "type": "TOUR", "title": "T"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-000000000001"}}',
                  name, ms, lpad(exp::text, 12, '0'))
$$;

-- 294276-12-20 (in PostgreSQL's range, within 14 days of its end), and the
-- last millisecond a JavaScript Date holds
SELECT (extract(epoch FROM timestamptz '294276-12-20 00:00Z') * 1000)::bigint AS far \gset

CREATE TEMP TABLE outcome AS
SELECT * FROM jimo.receive_batch(ARRAY[
    pg_temp.body('tour.started', 1, 1740133769000),                -- 1: ordinary
    pg_temp.body('tour.started', 2, :far),                         -- 2: past a JS Date
    pg_temp.body('tour.completed', 2, :far + 100000),              -- 3: past a JS Date
    pg_temp.body('tour.started', 3, 1000),                         -- 4: 1970
    pg_temp.body('tour.completed', 3, :far + 100000),              -- 5: past a JS Date
    pg_temp.body('tour.completed', 1, 1740133779000),              -- 6: ordinary
    pg_temp.body('tour.started', 4, 8640000000000000),             -- 7: the end of a JS Date
    pg_temp.body('tour.completed', 4, 8640000000000000),           -- 8: the end of a JS Date
    pg_temp.body('tour.completed', 3, 8640000000000000),           -- 9: the end of a JS Date
    pg_temp.body('tour.started', 5, 8640000000000001)]);           -- 10: one ms later

SELECT results_eq($$SELECT ord::int, status FROM outcome ORDER BY ord$$,
    $$VALUES (1, 'stored'), (2, 'rejected'), (3, 'rejected'), (4, 'stored'), (5, 'rejected'), (6, 'stored'),
             (7, 'stored'), (8, 'stored'), (9, 'stored'), (10, 'rejected')$$,
    'times after 8640000000000000 ms are rejected alone; up to it they are stored');
SELECT is((SELECT count(*) FROM jimo.rejected WHERE error LIKE 'jimo: key "time" must be %year 275760%'), 4::bigint,
          'the four are kept in jimo.rejected, with an error naming the bound');

SELECT lives_ok('SELECT max(window_closes_at) FROM jimo.tour_funnel_daily', 'tour_funnel_daily can be read');
SELECT lives_ok('SELECT max(window_closes_at) FROM jimo.funnel_cohorts', 'funnel_cohorts can be read');
SELECT results_eq(
    $$SELECT experience_uid::text, converted, seconds_to_complete FROM jimo.journey_conversions ORDER BY 1$$,
    $$VALUES ('e9e9e9e9-0000-4000-8000-000000000001', true, 10::double precision),
             ('e9e9e9e9-0000-4000-8000-000000000003', false, NULL),
             ('e9e9e9e9-0000-4000-8000-000000000004', true, 0)$$,
    'a completion 273 790 years after its start does not convert; the others do');
SELECT results_eq(
    $$SELECT experience_uid::text, started_jimers, completed_jimers FROM jimo.tour_funnel ORDER BY 1$$,
    $$VALUES ('e9e9e9e9-0000-4000-8000-000000000001', 1::bigint, 1::bigint),
             ('e9e9e9e9-0000-4000-8000-000000000003', 1, 0),
             ('e9e9e9e9-0000-4000-8000-000000000004', 1, 1)$$,
    'tour_funnel counts them so');
SELECT results_eq(
    $$SELECT day, started_jimers, window_closes_at FROM jimo.tour_funnel_daily
      WHERE experience_uid = 'e9e9e9e9-0000-4000-8000-000000000004'$$,
    $$VALUES (date '275760-09-13', 1::bigint, timestamptz '275760-09-27 00:00Z')$$,
    'a cohort on the last day of a JS Date closes 14 days later');
SELECT is((SELECT count(*) FROM jimo.funnel_cohorts WHERE experience_uid = 'e9e9e9e9-0000-4000-8000-000000000004'),
          3::bigint, 'funnel_cohorts has its day, week and month');

SELECT * FROM finish();
