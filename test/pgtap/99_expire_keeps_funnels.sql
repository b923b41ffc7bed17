-- jimo.expire() must not change a funnel of the kept period (QA round 9).
-- Two things used to be read back from jimo.events, and changed once the
-- months holding them were dropped:
--   * a journey whose completions bracket its first start converts on the
--     first completion at or after that start, looked up in jimo.events:
--     once that completion expired the lookup found a later one (or none),
--     and the jimer left completed_jimers;
--   * an experience whose snapshots carry no type took it from its event
--     names: once they expired it left the funnels of its type.
-- Every view built on journeys, rollups and latest states is compared before
-- and after the expiry, and again after more deliveries.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(28);

-- m20: a month that a retention of one year expires; m3 and m0 are kept
CREATE TEMP TABLE t0 AS
SELECT date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '20 months') AT TIME ZONE 'UTC'
           + interval '3 days' AS m20,
       date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '3 months') AT TIME ZONE 'UTC'
           + interval '3 days' AS m3,
       date_trunc('month', (now() AT TIME ZONE 'UTC') - interval '1 month') AT TIME ZONE 'UTC'
           + interval '2 days' AS m1,
       date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m0;

CREATE FUNCTION pg_temp.ev(name text, at timestamptz, exp text, jimer text, typ text DEFAULT NULL)
RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_build_object(
        'event', name,
        'time', (extract(epoch FROM at) * 1000)::bigint,
        'experience', jsonb_strip_nulls(jsonb_build_object(
            'uid', 'e1e1e1e1-0000-4000-8000-00000000000' || exp, 'type', typ, 'title', 'x' || exp)),
        'jimer', jsonb_build_object('uid', 'a1a1a1a1-0000-4000-8000-00000000000' || jimer))::text
$$;

-- Tour 1 (typed): five jimers.
--   j1: completed, started 1 h later, completed 1 h after that (m20), completed
--       again in m0: converts in 1 h, on a completion that expires;
--   j2: completed, started (m20), completed in m3 and m0: after the window;
--   j3: started and completed 1 h later (m20), the simple case;
--   j4: completed (m20), started and completed 1 h later in m3 (kept);
--   j5: completed, started (m20), completed 10 days after the start (m20,
--       inside the window), completed in m0.
-- Survey 2 and checklist 3 never say their type; every event of survey 2 is
-- in m20.  Hint 4 has events of two kinds (hint.seen, banner.seen): its type
-- is the least of them in byte order, BANNER, whatever the order.  Post 5
-- has one like (m20) and no type.
CREATE TEMP TABLE bodies AS
SELECT b, random() AS r FROM t0, LATERAL (VALUES
    (pg_temp.ev('tour.completed', m20 + interval '1 hour', '1', '1', 'TOUR')),
    (pg_temp.ev('tour.started',   m20 + interval '2 hours', '1', '1', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '3 hours', '1', '1', 'TOUR')),
    (pg_temp.ev('tour.completed', m0, '1', '1', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '1 hour', '1', '2', 'TOUR')),
    (pg_temp.ev('tour.started',   m20 + interval '2 hours', '1', '2', 'TOUR')),
    (pg_temp.ev('tour.completed', m3, '1', '2', 'TOUR')),
    (pg_temp.ev('tour.completed', m0 + interval '1 minute', '1', '2', 'TOUR')),
    (pg_temp.ev('tour.started',   m20 + interval '5 hours', '1', '3', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '6 hours', '1', '3', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '1 hour', '1', '4', 'TOUR')),
    (pg_temp.ev('tour.started',   m3 + interval '1 hour', '1', '4', 'TOUR')),
    (pg_temp.ev('tour.completed', m3 + interval '2 hours', '1', '4', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '1 hour', '1', '5', 'TOUR')),
    (pg_temp.ev('tour.started',   m20 + interval '2 hours', '1', '5', 'TOUR')),
    (pg_temp.ev('tour.completed', m20 + interval '10 days', '1', '5', 'TOUR')),
    (pg_temp.ev('tour.completed', m0 + interval '2 minutes', '1', '5', 'TOUR')),
    (pg_temp.ev('survey.started',   m20, '2', '1')),
    (pg_temp.ev('survey.completed', m20 + interval '5 minutes', '2', '1')),
    (pg_temp.ev('survey.started',   m20 + interval '1 day', '2', '2')),
    (pg_temp.ev('checklist.started',   m20, '3', '1')),
    (pg_temp.ev('checklist.completed', m3, '3', '1')),
    (pg_temp.ev('hint.seen',   m20, '4', '1')),
    (pg_temp.ev('banner.seen', m3, '4', '2')),
    (pg_temp.ev('hint.seen',   m3 + interval '1 hour', '4', '3')),
    (pg_temp.ev('post.liked',  m20, '5', '1'))
) v(b);

-- every body once and a third of them twice, shuffled, in calls of 1 to 5
CREATE FUNCTION pg_temp.load(bodies text[]) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    pos int := 1;
    len int;
    n bigint := 0;
    k bigint;
BEGIN
    WHILE pos <= cardinality(bodies) LOOP
        len := 1 + (random() * 4)::int;
        SELECT count(*) INTO k FROM jimo.receive_batch(bodies[pos:pos + len - 1]) WHERE status = 'stored';
        n := n + k;
        pos := pos + len;
    END LOOP;
    RETURN n;
END
$$;
SELECT is(pg_temp.load((SELECT array_agg(b ORDER BY r) FROM
                           (SELECT b, r FROM bodies UNION ALL
                            SELECT b, random() FROM bodies WHERE r < 0.33) d)),
          (SELECT count(*) FROM bodies), 'every event stored once');

-- the views expiry must leave as they are
CREATE TEMP TABLE views(name) AS VALUES
    ('all_experiences'), ('journey_conversions'), ('tour_funnel'), ('survey_funnel'),
    ('checklist_funnel'), ('tour_funnel_daily'), ('funnel_cohorts'), ('time_to_complete'),
    ('experience_reach'), ('experience_reach_daily'), ('experience_tags'), ('jimer_dimension'),
    ('post_engagement');
CREATE FUNCTION pg_temp.snapshot(suffix text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v text;
BEGIN
    FOR v IN SELECT name FROM views LOOP
        EXECUTE format('CREATE TEMP TABLE %I AS SELECT * FROM jimo.%I', v || suffix, v);
    END LOOP;
END
$$;

-- what the rule says, before anything expires
SELECT results_eq(
    $$SELECT started_jimers, completed_jimers, completed_after_window, completed_before_start_only,
             median_seconds_to_complete
        FROM jimo.tour_funnel WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000001'$$,
    $$VALUES (5::bigint, 4::bigint, 1::bigint, 0::bigint, 3600::float8)$$,
    'tour 1: 5 started, j1, j3, j4 and j5 converted (median 1 h), j2 after the window');
SELECT results_eq(
    $$SELECT jimer_uid::text, converted, seconds_to_complete FROM jimo.journey_conversions
       WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000001' ORDER BY 1$$,
    $$VALUES ('a1a1a1a1-0000-4000-8000-000000000001', true, 3600::float8),
             ('a1a1a1a1-0000-4000-8000-000000000002', false, NULL),
             ('a1a1a1a1-0000-4000-8000-000000000003', true, 3600),
             ('a1a1a1a1-0000-4000-8000-000000000004', true, 3600),
             ('a1a1a1a1-0000-4000-8000-000000000005', true, 10 * 86400 - 7200)$$,
    'each jimer of tour 1 converts on the first completion at or after the first start');
SELECT results_eq(
    $$SELECT experience_uid::text, type FROM jimo.all_experiences ORDER BY 1$$,
    $$VALUES ('e1e1e1e1-0000-4000-8000-000000000001', 'TOUR'),
             ('e1e1e1e1-0000-4000-8000-000000000002', 'SURVEY'),
             ('e1e1e1e1-0000-4000-8000-000000000003', 'CHECKLIST'),
             ('e1e1e1e1-0000-4000-8000-000000000004', 'BANNER'),
             ('e1e1e1e1-0000-4000-8000-000000000005', 'POST')$$,
    'an experience without a type takes the first part of its event names (the least of several)');
SELECT is((SELECT reached_jimers FROM jimo.survey_funnel
            WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000002' AND stage = 'started'),
          2::bigint, 'survey 2, typed by its events only, is in survey_funnel');
SELECT results_eq(
    $$SELECT title, likes FROM jimo.post_engagement WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000005'$$,
    $$VALUES ('x5', 1::bigint)$$,
    'post 5, typed by its events only, is a post of post_engagement, with its title');
SELECT pg_temp.snapshot('_before');

SELECT is((SELECT count(*) FROM jimo.expire('1 year') WHERE upper_bound <= (SELECT m3 FROM t0)),
          1::bigint, 'jimo.expire(''1 year'') drops the month of m20');
SELECT is((SELECT count(*) FROM jimo.events WHERE occurred_at < (SELECT m3 FROM t0) - interval '1 month'),
          0::bigint, 'no event of m20 is left');
SELECT results_eq(
    $$SELECT jimer_uid::text, expired_completion_at FROM jimo.journeys
       WHERE expired_completion_at IS NOT NULL ORDER BY 1$$,
    $$SELECT * FROM (VALUES ('a1a1a1a1-0000-4000-8000-000000000001', (SELECT m20 + interval '3 hours' FROM t0)),
                            ('a1a1a1a1-0000-4000-8000-000000000005', (SELECT m20 + interval '10 days' FROM t0))) v$$,
    'the expiry kept, on the two journeys that need it, the dropped completion after their first start');

SELECT set_eq(format('SELECT * FROM jimo.%I', name), format('SELECT * FROM %I', name || '_before'),
              name || ' is the same after the expiry')
FROM views ORDER BY name;

-- more deliveries after the expiry: j1 completes again (m1), j2 completes in
-- m1, survey 2 gets a jimer, a redelivery of a kept event; the dropped
-- completions still count where they did
SELECT is(pg_temp.load(ARRAY[
              (SELECT pg_temp.ev('tour.completed', m1, '1', '1', 'TOUR') FROM t0),
              (SELECT pg_temp.ev('tour.completed', m1 + interval '1 hour', '1', '2', 'TOUR') FROM t0),
              (SELECT pg_temp.ev('survey.started', m1, '2', '3') FROM t0),
              (SELECT pg_temp.ev('tour.completed', m0, '1', '1', 'TOUR') FROM t0)]),
          3::bigint, 'three new events after the expiry, one redelivery');
SELECT results_eq(
    $$SELECT started_jimers, completed_jimers, completed_after_window, median_seconds_to_complete
        FROM jimo.tour_funnel WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000001'$$,
    $$VALUES (5::bigint, 4::bigint, 1::bigint, 3600::float8)$$,
    'tour 1 after more completions: the same four converted, in the same times');
SELECT results_eq(
    $$SELECT completions, converted, seconds_to_complete FROM jimo.journey_conversions
       WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000001'
         AND jimer_uid = 'a1a1a1a1-0000-4000-8000-000000000001'$$,
    $$VALUES (4, true, 3600::float8)$$,
    'j1: four completions, still converted in 1 h on the dropped one');
SELECT results_eq(
    $$SELECT k.type, s.reached_jimers FROM jimo.survey_funnel s JOIN jimo.all_experiences k USING (experience_uid)
       WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000002' AND s.stage = 'started'$$,
    $$VALUES ('SURVEY', 3::bigint)$$,
    'survey 2 keeps its type once its typing events are gone, and counts its new jimer');

SELECT results_eq(
    $$SELECT DISTINCT experience_type FROM jimo.journey_conversions
       WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000002'$$,
    $$VALUES ('SURVEY')$$,
    'journey_conversions types survey 2 as all_experiences does');

SELECT results_eq(
    $$SELECT DISTINCT type FROM jimo.experience_reach_daily
       WHERE experience_uid = 'e1e1e1e1-0000-4000-8000-000000000004'$$,
    $$VALUES ('BANNER')$$,
    'experience_reach_daily types hint 4 as all_experiences does, on the days of each kind of event');

SELECT * FROM finish();
ROLLBACK;
