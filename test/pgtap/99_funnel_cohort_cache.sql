-- The funnel cohort cache (0.13): tour_funnel_daily, funnel_cohorts and
-- time_to_complete read the cohorts that no journey change has touched since
-- the last refresh from jimo.funnel_cohort_cache, and compute the rest from the journeys.  Every
-- step compares the three views with their 0.12 definitions (which always
-- computed every cohort from the journeys), kept here as temp views, and a
-- few steps also with hand-worked numbers: late starts that move a journey
-- to an earlier cohort, a completion without a start that gets a later
-- start, a late completion, a change of window.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(52);

-- ev(event, jimer number, time)
CREATE FUNCTION pg_temp.ev(name text, jimer int, at timestamptz) RETURNS text
LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', name, 'time', (extract(epoch FROM at) * 1000)::bigint,
    'experience', jsonb_build_object('uid', 'c1c1c1c1-0000-4000-8000-000000000001', 'type', 'TOUR', 'title', 'Welcome'),
    'jimer', jsonb_build_object('uid', format('c3c3c3c3-0000-4000-8000-%s', lpad(jimer::text, 12, '0'))))::text
$$;
CREATE FUNCTION pg_temp.ingest(bodies text[]) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM jimo.receive_batch(bodies) WHERE status = 'stored' $$;

-- 0.12's definitions: every cohort computed from the journeys on every read
CREATE TEMP VIEW ref_tour_funnel_daily AS
SELECT
    a.day,
    k.experience_uid,
    k.title,
    k.state,
    k.is_deleted,
    a.started_jimers,
    a.completed_jimers,
    round(a.completed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS conversion_rate,
    a.started_jimers - a.completed_jimers AS drop_off_jimers,
    a.median_seconds_to_complete,
    a.p90_seconds_to_complete,
    a.completed_without_start,
    a.first_activity_at,
    a.last_activity_at,
    a.window_closes_at,
    k.project_uid,
    k.tags
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
    SELECT
        (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS day,
        count(*) FILTER (WHERE c.starts > 0) AS started_jimers,
        count(*) FILTER (WHERE c.converted) AS completed_jimers,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
        count(*) FILTER (WHERE c.completed_without_start) AS completed_without_start,
        min(c.first_activity_at) AS first_activity_at,
        max(c.last_activity_at) AS last_activity_at,
        jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
    FROM jimo.journey_conversions c
    WHERE c.experience_uid = k.experience_uid
      AND (c.starts > 0 OR c.completed_without_start)
    GROUP BY 1
) a
WHERE k.type = 'TOUR';
CREATE TEMP VIEW ref_funnel_cohorts AS
SELECT
    k.experience_uid,
    k.type,
    k.title,
    k.is_deleted,
    k.project_uid,
    k.tags,
    a.grain,
    a.cohort_start,
    a.started_jimers,
    a.completed_jimers,
    round(a.completed_jimers::numeric / a.started_jimers, 4) AS conversion_rate,
    a.median_seconds_to_complete,
    a.p90_seconds_to_complete,
    a.window_closes_at
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
        SELECT 'day'::text AS grain,
               (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS cohort_start,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
    UNION ALL
        SELECT 'week'::text,
               date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
    UNION ALL
        SELECT 'month'::text,
               date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               count(*) AS started_jimers,
               count(*) FILTER (WHERE c.converted) AS completed_jimers,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST');

CREATE TEMP VIEW ref_time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket_index,
           count(*) AS jimers
    FROM jimo.journey_conversions c
    WHERE c.converted AND c.starts > 0 AND c.completions > 0
    GROUP BY 1, 2
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0) AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT DISTINCT experience_uid FROM counts) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;

-- the three views equal their 0.12 definitions, both ways, repeats counted
CREATE FUNCTION pg_temp.same(what text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    a bigint;
    b bigint;
BEGIN
    SELECT count(*) INTO a FROM ((SELECT * FROM ref_tour_funnel_daily EXCEPT ALL SELECT * FROM jimo.tour_funnel_daily)
                                 UNION ALL
                                 (SELECT * FROM jimo.tour_funnel_daily EXCEPT ALL SELECT * FROM ref_tour_funnel_daily)) d;
    SELECT count(*) INTO b FROM ((SELECT * FROM ref_funnel_cohorts EXCEPT ALL SELECT * FROM jimo.funnel_cohorts)
                                 UNION ALL
                                 (SELECT * FROM jimo.funnel_cohorts EXCEPT ALL SELECT * FROM ref_funnel_cohorts)) d;
    RETURN NEXT is(a, 0::bigint, what || ': tour_funnel_daily equals its 0.12 definition');
    RETURN NEXT is(b, 0::bigint, what || ': funnel_cohorts equals its 0.12 definition');
    SELECT count(*) INTO b FROM ((SELECT * FROM ref_time_to_complete EXCEPT ALL SELECT * FROM jimo.time_to_complete)
                                 UNION ALL
                                 (SELECT * FROM jimo.time_to_complete EXCEPT ALL SELECT * FROM ref_time_to_complete)) d;
    RETURN NEXT is(b, 0::bigint, what || ': time_to_complete equals its 0.12 definition');
END
$$;

-- day -> (started, completed, completed_without_start) of the tour
CREATE FUNCTION pg_temp.days() RETURNS TABLE (day date, started bigint, completed bigint, cws bigint)
LANGUAGE sql AS $$
    SELECT day, started_jimers, completed_jimers, completed_without_start
      FROM jimo.tour_funnel_daily ORDER BY day
$$;

SELECT is(pg_temp.ingest(ARRAY[
    -- jimer 1: starts Wed 5 Feb, completes after 60 s
    pg_temp.ev('tour.started', 1, '2025-02-05 10:00:00+00'),
    pg_temp.ev('tour.completed', 1, '2025-02-05 10:01:00+00'),
    -- jimer 2: starts 5 Feb, no completion yet
    pg_temp.ev('tour.started', 2, '2025-02-05 11:00:00+00'),
    -- jimer 3: starts 10 Feb (next week), completes after 10 s
    pg_temp.ev('tour.started', 3, '2025-02-10 09:00:00+00'),
    pg_temp.ev('tour.completed', 3, '2025-02-10 09:00:10+00'),
    -- jimer 4: completes on 4 Feb without a start
    pg_temp.ev('tour.completed', 4, '2025-02-04 08:00:00+00')
]), 6::bigint, 'first events stored');

SELECT is(jimo.funnel_cohort_cache_usable(), false, 'before any refresh the cache is not read');
SELECT pg_temp.same('no refresh yet');

SELECT results_eq($$SELECT cohorts > 0, marks > 0, full_refresh FROM jimo.refresh_funnel_cohorts()$$,
                  $$VALUES (true, true, true)$$,
                  'the first refresh computes every cohort and consumes the marks');
SELECT is((SELECT count(*) FROM jimo.funnel_cohort_marks), 0::bigint, 'no mark is left after a refresh with no ingest beside it');
SELECT is(jimo.funnel_cohort_cache_usable(), true, 'after it the cache is read');
SELECT results_eq('SELECT * FROM pg_temp.days()',
    $$VALUES ('2025-02-04'::date, 0::bigint, 0::bigint, 1::bigint),
             ('2025-02-05', 2, 1, 0),
             ('2025-02-10', 1, 1, 0)$$,
    'hand-worked days after the refresh');
SELECT pg_temp.same('after the first refresh');

-- The views read the cache: a cached row changed by hand shows through (and
-- is put back by a full refresh further down).
UPDATE jimo.funnel_cohort_cache SET started_jimers = started_jimers + 1000
 WHERE grain = 'day' AND cohort_start = '2025-02-10';
SELECT is((SELECT started FROM pg_temp.days() WHERE day = '2025-02-10'), 1001::bigint,
          'a cohort no mark covers is read from the cache');
UPDATE jimo.funnel_cohort_cache SET completed_by_bucket[2] = completed_by_bucket[2] + 1000
 WHERE grain = 'day' AND cohort_start = '2025-02-10';
SELECT is((SELECT completed_jimers FROM jimo.time_to_complete WHERE bucket_index = 2), 1001::bigint,
          'time_to_complete sums the cached day cohorts'' buckets (jimer 3''s 10 s is in 10 s - 1 min)');
UPDATE jimo.funnel_cohort_cache SET started_jimers = started_jimers - 1000,
                                    completed_by_bucket[2] = completed_by_bucket[2] - 1000
 WHERE grain = 'day' AND cohort_start = '2025-02-10';

-- A late start moves jimer 2 from 5 Feb to 3 Feb (an earlier week, same month).
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.started', 2, '2025-02-03 07:00:00+00')]), 1::bigint, 'late start stored');
SELECT results_eq('SELECT * FROM pg_temp.days()',
    $$VALUES ('2025-02-03'::date, 1::bigint, 0::bigint, 0::bigint),
             ('2025-02-04', 0, 0, 1),
             ('2025-02-05', 1, 1, 0),
             ('2025-02-10', 1, 1, 0)$$,
    'a late start moves the journey to its earlier cohort, without a refresh');
SELECT pg_temp.same('late start, no refresh');
SELECT is((SELECT count(*) FROM jimo.funnel_cohort_marks WHERE from_day <= '2025-02-05' AND to_day >= '2025-02-05'), 1::bigint,
          'the cohort the journey left is marked');

-- Jimer 4 (completed without a start on 4 Feb) starts on 6 Feb: a later cohort.
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.started', 4, '2025-02-06 08:00:00+00')]), 1::bigint, 'start after a completion stored');
SELECT results_eq('SELECT * FROM pg_temp.days()',
    $$VALUES ('2025-02-03'::date, 1::bigint, 0::bigint, 0::bigint),
             ('2025-02-05', 1, 1, 0),
             ('2025-02-06', 1, 0, 0),
             ('2025-02-10', 1, 1, 0)$$,
    'a completion without a start that gets a later start leaves its day for the start''s');
SELECT pg_temp.same('start after a completion, no refresh');

SELECT results_eq($$SELECT full_refresh FROM jimo.refresh_funnel_cohorts()$$, $$VALUES (false)$$,
                  'a refresh with the same window computes only the marked cohorts');
SELECT pg_temp.same('after the second refresh');

-- A late completion for jimer 2 (first start 3 Feb), and in another call an
-- even earlier start for jimer 3 (10 Feb -> 2 Feb, a month earlier): two
-- calls, as the receiver sends them, then no refresh.
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.completed', 2, '2025-02-03 07:30:00+00')]), 1::bigint, 'late completion stored');
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.started', 3, '2025-01-31 23:59:59+00')]), 1::bigint, 'start a month earlier stored');
SELECT results_eq($$SELECT grain, cohort_start, started_jimers, completed_jimers, median_seconds_to_complete
                      FROM jimo.funnel_cohorts ORDER BY grain, cohort_start$$,
    $$VALUES ('day', '2025-01-31'::date, 1::bigint, 1::bigint, 810011::float8),
             ('day', '2025-02-03', 1, 1, 1800),
             ('day', '2025-02-05', 1, 1, 60),
             ('day', '2025-02-06', 1, 0, NULL),
             ('month', '2025-01-01', 1, 1, 810011),
             ('month', '2025-02-01', 3, 2, 930),
             ('week', '2025-01-27', 1, 1, 810011),
             ('week', '2025-02-03', 3, 2, 930)$$,
    'hand-worked cohorts after a late completion and a start a month earlier');
SELECT pg_temp.same('late completion and earlier month, no refresh');

-- Another window: the cache (computed for 14 days) is not read.
SET LOCAL jimo.funnel_window = '1 minute';
SELECT is(jimo.funnel_cohort_cache_usable(), false, 'a session with another window does not read the cache');
SELECT is((SELECT completed FROM pg_temp.days() WHERE day = '2025-02-03'), 0::bigint,
          'with a 1-minute window the 30-minute completion does not count');
SELECT pg_temp.same('another window');
SELECT results_eq($$SELECT full_refresh FROM jimo.refresh_funnel_cohorts()$$, $$VALUES (true)$$,
                  'a refresh with another window computes every cohort again');
SELECT pg_temp.same('refreshed with a 1-minute window');
RESET jimo.funnel_window;
SELECT is(jimo.funnel_cohort_cache_usable(), false, 'back at 14 days the 1-minute cache is not read');
SELECT pg_temp.same('back to 14 days, cache for 1 minute');
SELECT results_eq($$SELECT full_refresh FROM jimo.refresh_funnel_cohorts()$$, $$VALUES (true)$$,
                  'and a refresh at 14 days computes every cohort again');
SELECT pg_temp.same('refreshed at 14 days');

SELECT * FROM finish();
ROLLBACK;
