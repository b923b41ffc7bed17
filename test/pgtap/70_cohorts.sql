-- Cohorts by day, week and month (medians per grain), time to complete in
-- buckets, project and tags on every row, and the jimer dimension.
-- Hand-worked numbers over a few events.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(13);

-- ev(event, jimer number, ISO time)
CREATE FUNCTION pg_temp.ev(name text, jimer int, at timestamptz) RETURNS text
LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', name, 'time', (extract(epoch FROM at) * 1000)::bigint,
    'project', jsonb_build_object('uid', 'f1f1f1f1-0000-4000-8000-000000000001', 'name', 'Acme'),
    'experience', jsonb_build_object('uid', 'f2f2f2f2-0000-4000-8000-000000000001', 'type', 'TOUR', 'title', 'Welcome',
                                     'tags', jsonb_build_array(jsonb_build_object('uid', 't1', 'name', 'release-3'),
                                                               jsonb_build_object('uid', 't2', 'name', 'onboarding'))),
    'jimer', jsonb_build_object('uid', format('f3f3f3f3-0000-4000-8000-%s', lpad(jimer::text, 12, '0')),
                                'identifyToken', 'user-' || jimer, 'email', 'u' || jimer || '@example.com'))::text
$$;

SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    -- jimer 1: Monday 3 Feb 2025, completes after 30 s
    pg_temp.ev('tour.started', 1, '2025-02-03 10:00:00+00'),
    pg_temp.ev('tour.completed', 1, '2025-02-03 10:00:30+00'),
    -- jimer 2: Wednesday 5 Feb (same week and month), completes after 2 h
    pg_temp.ev('tour.started', 2, '2025-02-05 10:00:00+00'),
    pg_temp.ev('tour.completed', 2, '2025-02-05 12:00:00+00'),
    -- jimer 3: Wednesday 5 Feb, never completes
    pg_temp.ev('tour.started', 3, '2025-02-05 11:00:00+00'),
    -- jimer 4: 3 March, completes after 20 days: outside the 14-day window
    pg_temp.ev('tour.started', 4, '2025-03-03 09:00:00+00'),
    pg_temp.ev('tour.completed', 4, '2025-03-23 09:00:00+00'),
    -- jimer 5: 4 March, completes after 5 s
    pg_temp.ev('tour.started', 5, '2025-03-04 09:00:00+00'),
    pg_temp.ev('tour.completed', 5, '2025-03-04 09:00:05+00')
]) WHERE status = 'stored'), 9::bigint, 'events stored');

SELECT results_eq(
    $$SELECT grain, cohort_start::date, started_jimers, completed_jimers, conversion_rate, median_seconds_to_complete
      FROM jimo.funnel_cohorts ORDER BY grain, cohort_start$$,
    $$VALUES ('day', '2025-02-03'::date, 1::bigint, 1::bigint, 1.0000, 30::float8),
             ('day', '2025-02-05', 2, 1, 0.5000, 7200),
             ('day', '2025-03-03', 1, 0, 0.0000, NULL),
             ('day', '2025-03-04', 1, 1, 1.0000, 5),
             ('month', '2025-02-01', 3, 2, 0.6667, 3615),
             ('month', '2025-03-01', 2, 1, 0.5000, 5),
             ('week', '2025-02-03', 3, 2, 0.6667, 3615),
             ('week', '2025-03-03', 2, 1, 0.5000, 5)$$,
    'cohorts by day, week and month, each median computed from its own jimers (3615 is not a mean of daily medians)');

SELECT results_eq(
    $$SELECT grain, sum(started_jimers)::bigint, sum(completed_jimers)::bigint FROM jimo.funnel_cohorts GROUP BY grain ORDER BY grain$$,
    $$SELECT g, started_jimers, completed_jimers FROM jimo.tour_funnel, unnest(ARRAY['day', 'month', 'week']) g ORDER BY g$$,
    'every grain adds up to tour_funnel');

SELECT results_eq(
    $$SELECT DISTINCT project_uid, tags FROM jimo.funnel_cohorts$$,
    $$VALUES ('f1f1f1f1-0000-4000-8000-000000000001'::uuid, '{release-3,onboarding}'::text[])$$,
    'each cohort row carries the project and the tag names');
SELECT is((SELECT count(*) FROM jimo.funnel_cohorts WHERE 'release-3' = ANY (tags) AND grain = 'month'), 2::bigint,
          'filter by tag without a join');

SELECT results_eq(
    $$SELECT bucket_index, bucket, completed_jimers, share FROM jimo.time_to_complete ORDER BY bucket_index$$,
    $$VALUES (1, '< 10 s', 1::bigint, 0.3333), (2, '10 s - 1 min', 1, 0.3333), (3, '1 - 5 min', 0, 0.0000),
             (4, '5 - 30 min', 0, 0.0000), (5, '30 min - 1 h', 0, 0.0000), (6, '1 h - 1 d', 1, 0.3333),
             (7, '1 d or more', 0, 0.0000)$$,
    'time to complete: converted jimers per bucket (the 20-day completion is not a conversion)');

SET LOCAL jimo.funnel_window = '30 days';
SELECT is((SELECT completed_jimers FROM jimo.time_to_complete WHERE bucket_index = 7), 1::bigint,
          'with a 30-day window the 20-day completion counts, in "1 d or more"');
SELECT is((SELECT completed_jimers FROM jimo.funnel_cohorts WHERE grain = 'day' AND cohort_start = '2025-03-03'), 1::bigint,
          'and in its cohort');
RESET jimo.funnel_window;

SELECT results_eq(
    $$SELECT identify_token, email, experiences, experiences_started, experiences_completed
      FROM jimo.jimer_dimension ORDER BY identify_token$$,
    $$VALUES ('user-1', 'u1@example.com', 1::bigint, 1::bigint, 1::bigint), ('user-2', 'u2@example.com', 1, 1, 1),
             ('user-3', 'u3@example.com', 1, 1, 0), ('user-4', 'u4@example.com', 1, 1, 1),
             ('user-5', 'u5@example.com', 1, 1, 1)$$,
    'jimer dimension: one row per jimer with the customer''s id and email');

-- the documented join to a customer's own user table
CREATE TEMP TABLE app_users (id text PRIMARY KEY, plan text);
INSERT INTO app_users VALUES ('user-1', 'pro'), ('user-2', 'free'), ('user-3', 'free'), ('user-5', 'pro');
SELECT results_eq(
    $$SELECT u.plan, count(*) FILTER (WHERE c.converted) FROM jimo.journey_conversions c
      JOIN jimo.jimer_dimension d USING (jimer_uid) JOIN app_users u ON u.id = d.identify_token
      GROUP BY u.plan ORDER BY u.plan$$,
    $$VALUES ('free', 1::bigint), ('pro', 2::bigint)$$,
    'conversions by the customer''s own plan, through identify_token');
SELECT is((SELECT count(*) FROM jimo.funnel_cohorts WHERE type <> 'TOUR'), 0::bigint,
          'no other experience types here');

-- Every view with an experience_uid carries project_uid and tags (found in the
-- catalog, so a view added later is covered); survey_step_scales is a building
-- block of the survey views, which carry them, and experience_tags lists the
-- tags themselves.
SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname)
           FROM pg_class c
           WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind = 'v'
             AND c.relname NOT IN ('survey_step_scales', 'experience_tags')
             AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'experience_uid')
             AND (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN ('project_uid', 'tags')) < 2),
          NULL, 'every per-experience view has project_uid and tags');
SELECT results_eq(
    $$SELECT title, project_uid, started_jimers FROM jimo.tour_funnel WHERE 'onboarding' = ANY (tags)$$,
    $$VALUES ('Welcome'::text, 'f1f1f1f1-0000-4000-8000-000000000001'::uuid, 5::bigint)$$,
    'tour_funnel filtered by tag and showing its project, without a join');

SELECT * FROM finish();
ROLLBACK;
