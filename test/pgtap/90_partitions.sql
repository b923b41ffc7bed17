-- jimo.events and the fact tables are partitioned by month of event time
-- (UTC): any event time gets a partition when it is first needed, all five
-- tables get the same months, a redelivery is looked up in its own month,
-- and jimo.expire() drops whole months: facts of the kept months, journeys
-- and latest states are untouched, and an event of an expired month is
-- rejected (kept in jimo.rejected), never stored again as new.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'America/New_York';  -- months are UTC whatever the session says
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(29);

-- Events in 8 months relative to now (retention is relative to now), one in
-- 1999 and one in 2150; every kind that has a fact table; every event of a
-- month lands within a second of the month's first or last instant in UTC
-- for one in five (the time zone of the session must not move it).
SELECT setseed(0.9);
CREATE TEMP TABLE months AS
SELECT m, date_trunc('month', (now() AT TIME ZONE 'UTC') + m * interval '1 month') AS start_utc
FROM unnest(ARRAY[-30, -20, -13, -12, -3, -1, 0]) AS m;

CREATE TEMP TABLE ev AS
SELECT row_number() OVER () AS i, m, body
FROM (
    SELECT mo.m, jsonb_build_object(
               'event', (ARRAY['tour.started', 'tour.completed', 'survey.step.answered',
                               'checklist.task.completed', 'post.liked', 'post.commented'])[1 + k % 6],
               'time', (extract(epoch FROM (CASE WHEN k % 5 = 0 THEN mo.start_utc + interval '1 month' - interval '1 second'
                                                 WHEN k % 5 = 1 THEN mo.start_utc
                                                 ELSE mo.start_utc + k * interval '7 hours' END) AT TIME ZONE 'UTC') * 1000)::bigint + k,
               'experience', jsonb_build_object('uid', format('c1c1c1c1-0000-4000-8000-%s', lpad((k % 3)::text, 12, '0')),
                                                'type', 'SURVEY'),
               'jimer', jsonb_build_object('uid', format('d2d2d2d2-0000-4000-8000-%s', lpad((k % 17)::text, 12, '0'))),
               'step', jsonb_build_object('uid', 's' || (k % 4), 'type', 'NPS'),
               'answer', k % 11,
               'task', jsonb_build_object('uid', 't' || (k % 3)),
               'comment', jsonb_build_object('uid', 'c' || k, 'content', 'hi ' || k)) AS body
    FROM months mo, generate_series(1, 40) k
    UNION ALL SELECT NULL, '{"event": "tour.started", "time": 915148800000, "experience": {"uid": "c1c1c1c1-0000-4000-8000-000000000001"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-000000000001"}}'
    UNION ALL SELECT NULL, '{"event": "tour.started", "time": 5680281600000, "experience": {"uid": "c1c1c1c1-0000-4000-8000-000000000001"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-000000000002"}}'
) x;

-- every event once, one in four twice, shuffled, in calls of 1 to 40
CREATE TEMP TABLE deliveries AS
SELECT body::text AS body, random() AS r FROM ev
UNION ALL SELECT jsonb_pretty(body), random() FROM ev WHERE i % 4 = 0;
CREATE FUNCTION pg_temp.ingest(bodies text[]) RETURNS TABLE (status text, n bigint) LANGUAGE plpgsql AS $$
DECLARE
    pos int := 1;
    len int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS outcomes (status text);
    WHILE pos <= cardinality(bodies) LOOP
        len := 1 + (random() * 39)::int;
        INSERT INTO outcomes SELECT r.status FROM jimo.receive_batch(bodies[pos:pos + len - 1]) r;
        pos := pos + len;
    END LOOP;
    RETURN QUERY SELECT o.status, count(*) FROM outcomes o GROUP BY 1;
    DROP TABLE outcomes;
END
$$;
SELECT results_eq(
    $$SELECT status, n FROM pg_temp.ingest((SELECT array_agg(body ORDER BY r) FROM deliveries)) ORDER BY 1$$,
    $$VALUES ('duplicate', (SELECT count(*) FROM ev WHERE i % 4 = 0)), ('stored', (SELECT count(*) FROM ev))$$,
    'every event stored once, every redelivery a duplicate, across 9 months');

-- partitions: one per month that holds events, the same for all five tables
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events'), 9::bigint,
          '7 months, one partition for events before 2015 and one for events from 2100');
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events' AND partition_name IN ('events_before_2015', 'events_from_2100')), 2::bigint,
          'events of 1999 and 2150 land in the catch-all partitions');
SELECT set_eq(
    format($$SELECT substr(partition_name, length(table_name) + 1) FROM jimo.partitions WHERE table_name = %L$$, t.table_name),
    $$SELECT substr(partition_name, 7) FROM jimo.partitions WHERE table_name = 'events'$$,
    'partitions of ' || t.table_name || ' match those of events')
FROM jimo.partitioned_tables() t WHERE t.table_name <> 'events';
SELECT is((SELECT count(*) FROM jimo.partitions p JOIN months m
             ON p.partition_name = 'events_p' || to_char(m.start_utc, 'YYYY_MM')), 7::bigint,
          'each month is a UTC month, named after it (session time zone ignored)');
SELECT is((SELECT count(*) FROM ONLY jimo.events), 0::bigint, 'the parent holds no rows itself');

-- the event time is in every key, so a redelivery reads one month's index
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END
$$;
SELECT is(
    (SELECT count(DISTINCT p[1]) FROM regexp_matches(pg_temp.plan_of(format(
        $$UPDATE jimo.events SET deliveries = deliveries WHERE digest = '\x00' AND occurred_at = %L$$,
        (SELECT start_utc FROM months WHERE m = -3) AT TIME ZONE 'UTC')), 'events_(p\d{4}_\d{2}|before_2015|from_2100)', 'g') AS p),
    1::bigint,
    'a redelivery lookup (digest and time) reads one partition of nine');

-- retention: refused below 30 days, and without a value
SELECT throws_ok($$SELECT * FROM jimo.expire('7 days')$$, '22023', NULL,
                 'jimo.expire refuses a retention shorter than Jimo''s retries plus margin');
SELECT throws_ok($$SELECT * FROM jimo.expire()$$, '22023', 'jimo: no retention given',
                 'jimo.expire without a retention and without jimo.retention says so');
SELECT throws_ok($$SET jimo.retention = '10 days'$$, '22023', NULL,
                 'SET jimo.retention refuses less than 30 days');
SELECT lives_ok($$SET LOCAL jimo.retention = '1 year'$$, 'SET jimo.retention = 1 year');

-- what must survive an expiry, taken before it
CREATE TEMP TABLE cutoff AS
SELECT date_trunc('month', (now() - interval '1 year') AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS t;
CREATE TEMP TABLE kept_answers AS SELECT * FROM jimo.survey_answers WHERE answered_at >= (SELECT t FROM cutoff);
CREATE TEMP TABLE kept_tasks AS SELECT * FROM jimo.checklist_tasks WHERE occurred_at >= (SELECT t FROM cutoff);
CREATE TEMP TABLE kept_likes AS SELECT * FROM jimo.post_likes WHERE liked_at >= (SELECT t FROM cutoff);
CREATE TEMP TABLE kept_comments AS SELECT * FROM jimo.post_comments WHERE commented_at >= (SELECT t FROM cutoff);
CREATE TEMP TABLE kept_events AS SELECT * FROM jimo.events WHERE occurred_at >= (SELECT t FROM cutoff);
CREATE TEMP TABLE journeys_before AS SELECT * FROM jimo.journeys;
CREATE TEMP TABLE jimers_before AS SELECT * FROM jimo.jimers;
CREATE TEMP TABLE steps_before AS SELECT * FROM jimo.survey_step_journeys;

SELECT is((SELECT count(*) FROM jimo.expire()), 4::bigint,
          'jimo.expire() (jimo.retention = 1 year) drops 4 ranges: before 2015, and the months 30, 20 and 13 months ago');
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events'), 5::bigint,
          '5 event partitions are left: 12, 3, 1 and 0 months ago, and from 2100');
SELECT is((SELECT count(*) FROM jimo.partitions p, jimo.partitioned_tables() t WHERE p.table_name = t.table_name), 25::bigint,
          'the facts expired with their events: 5 partitions left in each of the 5 tables');
SELECT set_eq('SELECT * FROM jimo.events', 'SELECT * FROM kept_events', 'the events of the kept months are all there, unchanged');
SELECT set_eq('SELECT * FROM jimo.survey_answers', 'SELECT * FROM kept_answers', 'survey answers of the kept months are exact');
SELECT set_eq('SELECT * FROM jimo.checklist_tasks', 'SELECT * FROM kept_tasks', 'checklist tasks of the kept months are exact');
SELECT ok((SELECT count(*) FROM kept_likes) > 0 AND (SELECT count(*) FROM kept_comments) > 0
          AND (SELECT count(*) FROM jimo.post_likes) = (SELECT count(*) FROM kept_likes)
          AND (SELECT count(*) FROM jimo.post_comments) = (SELECT count(*) FROM kept_comments),
          'post likes and comments of the kept months are all there');
SELECT set_eq('SELECT * FROM jimo.journeys', 'SELECT * FROM journeys_before', 'journeys (funnels) are not changed by an expiry');
SELECT set_eq('SELECT * FROM jimo.jimers', 'SELECT * FROM jimers_before', 'latest states are not changed by an expiry');
SELECT set_eq('SELECT * FROM jimo.survey_step_journeys', 'SELECT * FROM steps_before', 'per-step journeys are not changed by an expiry');
SELECT is((SELECT max(upper_bound) FROM jimo.expired_months), (SELECT t FROM cutoff),
          'jimo.expired_months records the horizon');

-- after the expiry: an expired event is rejected, kept with its error
SELECT results_eq(
    $$SELECT status, error ~ 'before the retention horizon' FROM jimo.receive_batch(ARRAY[
        (SELECT body::text FROM ev WHERE m = -20 ORDER BY i LIMIT 1),
        (SELECT body::text FROM ev WHERE m = -1 ORDER BY i LIMIT 1),
        '{"event": "tour.started", "time": 946684800000, "experience": {"uid": "c1c1c1c1-0000-4000-8000-000000000001"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-000000000009"}}'])$$,
    $$VALUES ('rejected', true), ('duplicate', NULL::boolean), ('rejected', true)$$,
    'a redelivery of an expired event and a new event of an expired month are rejected; a kept event is a duplicate');
SELECT is((SELECT count(*) FROM jimo.rejected WHERE error ~ 'retention horizon'), 2::bigint,
          'the two rejected bodies are kept in jimo.rejected');
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events'), 5::bigint,
          'no expired month was created again');
SELECT is((SELECT count(*) FROM jimo.expire('1 year')), 0::bigint, 'a second jimo.expire() has nothing to do');

SELECT * FROM finish();
ROLLBACK;
