-- window_closes_at (tour_funnel_daily, funnel_cohorts) is the last moment
-- a completion still converts: the first start plus jimo.funnel_window as an
-- elapsed duration (a day 24 hours, a month 30 days), the rule that decides
-- conversions. It was first_started_at + funnel_window in calendar
-- arithmetic in the session's TimeZone: with '1 mon' a cohort of Jan 31 was
-- said final on Feb 28 while completions until Mar 2 still converted it, and
-- across a DST change in the session's zone a day's window closed an hour
-- early (or late), so a day's numbers changed after they were said final.
-- Found by QA round 9.
SET client_min_messages = warning;
SET timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(9);

CREATE FUNCTION pg_temp.body(name text, jimer integer, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "%s", "version": "0", "time": %s, "experience": {"uid": "c5c5c5c5-0000-4000-8000-000000000001", "type": "TOUR", "title": "T"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  name, (extract(epoch FROM at) * 1000)::bigint, lpad(jimer::text, 12, '0'))
$$;

-- jimer 1 starts on Jan 31 and completes exactly 30 days later; jimer 2
-- starts on Mar 8, 07:00 in New York, the day before DST begins there
SELECT is((SELECT count(*)::int FROM jimo.receive_batch(ARRAY[
              pg_temp.body('tour.started', 1, '2025-01-31 12:00Z'),
              pg_temp.body('tour.completed', 1, '2025-03-02 12:00Z'),
              pg_temp.body('tour.started', 2, '2025-03-08 12:00Z')])
           WHERE status = 'stored'), 3, 'three events stored');

SET jimo.funnel_window = '1 mon';
SELECT is((SELECT converted FROM jimo.journey_conversions WHERE jimer_uid = 'd4d4d4d4-0000-4000-8000-000000000001'),
          true, 'with a window of 1 mon, a completion 30 days after the start converts');
SELECT results_eq(
    $$SELECT day, completed_jimers, window_closes_at FROM jimo.tour_funnel_daily ORDER BY day$$,
    $$VALUES (date '2025-01-31', 1::bigint, timestamptz '2025-03-02 12:00Z'),
             (date '2025-03-08', 0::bigint, timestamptz '2025-04-07 12:00Z')$$,
    'tour_funnel_daily: a window of 1 mon closes 30 days after the start, not on Feb 28');
SELECT results_eq(
    $$SELECT grain, window_closes_at FROM jimo.funnel_cohorts
      WHERE cohort_start <= '2025-02-01' ORDER BY grain$$,
    $$VALUES ('day', timestamptz '2025-03-02 12:00Z'), ('month', timestamptz '2025-03-02 12:00Z'),
             ('week', timestamptz '2025-03-02 12:00Z')$$,
    'funnel_cohorts: the same, for every grain');

SET timezone = 'America/New_York';
SET jimo.funnel_window = '1 day';
SELECT is((SELECT window_closes_at FROM jimo.tour_funnel_daily WHERE day = '2025-03-08'),
          timestamptz '2025-03-09 12:00Z',
          'tour_funnel_daily: a window of 1 day closes 24 hours after the start across a DST change of the session''s zone');
SELECT is((SELECT window_closes_at FROM jimo.funnel_cohorts WHERE grain = 'day' AND cohort_start = '2025-03-08'),
          timestamptz '2025-03-09 12:00Z', 'funnel_cohorts: the same');

-- months of 30 days and years of 360, as interval comparison counts them
SET timezone = 'UTC';
SET jimo.funnel_window = '1 year 2 mons 3 days 04:05:06.5';
SELECT is((SELECT window_closes_at FROM jimo.tour_funnel_daily WHERE day = '2025-01-31'),
          timestamptz '2025-01-31 12:00Z' + interval '423 days' * 1 + interval '04:05:06.5',
          'a window of 1 year 2 mons 3 days 04:05:06.5 closes 423 days and 04:05:06.5 after the start');
SELECT is((SELECT '2025-01-31 12:00Z'::timestamptz + interval '423 days 04:05:06.5' - first_started_at <= funnel_window
           FROM jimo.journey_conversions WHERE jimer_uid = 'd4d4d4d4-0000-4000-8000-000000000001'),
          true, 'which is the last moment the conversion rule accepts');
SELECT is((SELECT '2025-01-31 12:00Z'::timestamptz + interval '423 days 04:05:06.500001' - first_started_at <= funnel_window
           FROM jimo.journey_conversions WHERE jimer_uid = 'd4d4d4d4-0000-4000-8000-000000000001'),
          false, 'and a microsecond later it does not');

SELECT * FROM finish();
