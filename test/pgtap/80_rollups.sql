-- experience_reach_daily reads the daily rollup jimo.seen_days, kept at
-- ingest: it must give exactly what counting the *.seen events of
-- jimo.events gives (UTC days), whatever the arrival order, batching and
-- redeliveries, whatever the session's time zone, and a filter on day must be
-- an index range, not a scan.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(9);

-- 3000 *.seen events of 6 hints and banners by 150 jimers over 40 days (every
-- fifth time lands within a minute of midnight UTC), one in ten delivered
-- twice, some re-serialized, all shuffled; a few other events around them.
SELECT setseed(0.42);
CREATE TEMP TABLE deliveries AS
WITH ev AS (
    SELECT i,
           jsonb_build_object(
               'event', CASE WHEN i % 2 = 0 THEN 'hint.seen' ELSE 'banner.seen' END,
               'time', (extract(epoch FROM timestamptz '2025-03-01 00:00+00'
                        + (i % 40) * interval '1 day'
                        + CASE WHEN i % 5 = 0 THEN interval '23 hours 59 minutes 30 seconds' + (i % 60) * interval '1 second'
                               ELSE (i * 7919 % 86400) * interval '1 second' END) * 1000)::bigint + i % 1000,
               'experience', jsonb_build_object(
                   'uid', format('a1a1a1a1-0000-4000-8000-%s', lpad((i % 6)::text, 12, '0')),
                   'type', CASE WHEN i % 6 = 5 THEN NULL WHEN i % 2 = 0 THEN 'HINT' ELSE 'BANNER' END),
               'jimer', jsonb_build_object('uid', format('b2b2b2b2-0000-4000-8000-%s', lpad((i * 31 % 150)::text, 12, '0')))
           ) AS body
    FROM generate_series(1, 3000) i
)
SELECT body::text AS body, random() AS r FROM ev
UNION ALL SELECT jsonb_pretty(body), random() FROM ev WHERE i % 10 = 0
UNION ALL SELECT format('{"event": "tour.started", "time": %s, "experience": {"uid": "a1a1a1a1-0000-4000-8000-000000000001"}, "jimer": {"uid": "b2b2b2b2-0000-4000-8000-000000000001"}}',
                        1740000000000 + i), random() FROM generate_series(1, 20) i
UNION ALL SELECT '{"event": "survey.step.seen", "time": 1741000000000, "experience": {"uid": "a1a1a1a1-0000-4000-8000-000000000002"}, "jimer": {"uid": "b2b2b2b2-0000-4000-8000-000000000002"}}', random();

-- in batches of 1 to 500 bodies
CREATE FUNCTION pg_temp.ingest_shuffled() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bodies text[] := (SELECT array_agg(body ORDER BY r) FROM deliveries);
    pos int := 1;
    len int;
    stored bigint := 0;
BEGIN
    WHILE pos <= cardinality(bodies) LOOP
        len := 1 + (random() * 499)::int;
        stored := stored + (SELECT count(*) FROM jimo.receive_batch(bodies[pos:pos + len - 1]) WHERE status = 'stored');
        pos := pos + len;
    END LOOP;
    RETURN stored;
END
$$;
SELECT is(pg_temp.ingest_shuffled(), 3021::bigint, 'every distinct event stored once');

-- The same numbers counted from jimo.events: the definition the rollup must keep.
CREATE TEMP VIEW from_events AS
SELECT (e.occurred_at AT TIME ZONE 'UTC')::date AS day, e.experience_uid,
       coalesce(upper(x.type), upper(min(split_part(e.name, '.', 1)))) AS type,
       count(DISTINCT e.jimer_uid) AS unique_jimers, count(*) AS views,
       count(DISTINCT e.jimer_uid) FILTER (WHERE (j.first_seen_at AT TIME ZONE 'UTC')::date
                                                 = (e.occurred_at AT TIME ZONE 'UTC')::date) AS new_jimers,
       min(e.occurred_at) AS first_seen_at, max(e.occurred_at) AS last_seen_at
FROM jimo.events e
JOIN jimo.journeys j ON j.experience_uid = e.experience_uid AND j.jimer_uid = e.jimer_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
WHERE e.name LIKE '%.seen' AND e.name !~ '^[^.]*\.(step|task)\.seen$'
GROUP BY 1, 2, x.type;

SELECT cmp_ok((SELECT count(*) FROM from_events), '>=', 120::bigint, 'at least 120 experience-days to compare');
SELECT results_eq(
    $$SELECT day, experience_uid, type, unique_jimers, views, new_jimers, first_seen_at, last_seen_at
      FROM jimo.experience_reach_daily ORDER BY day, experience_uid$$,
    $$SELECT day, experience_uid, type, unique_jimers, views, new_jimers, first_seen_at, last_seen_at
      FROM from_events ORDER BY day, experience_uid$$,
    'experience_reach_daily equals the count over jimo.events, row for row');
SELECT results_eq(
    $$SELECT experience_uid, sum(new_jimers)::bigint, sum(views)::bigint FROM jimo.experience_reach_daily GROUP BY 1 ORDER BY 1$$,
    $$SELECT experience_uid, unique_jimers, views::bigint FROM jimo.experience_reach ORDER BY 1$$,
    'summed over days it gives experience_reach (new jimers, views)');

SET LOCAL timezone = 'Asia/Kathmandu';
SELECT results_eq(
    $$SELECT day, experience_uid, unique_jimers, views FROM jimo.experience_reach_daily ORDER BY day, experience_uid$$,
    $$SELECT day, experience_uid, unique_jimers, views FROM from_events ORDER BY day, experience_uid$$,
    'UTC days whatever the session''s time zone');
SET LOCAL timezone = 'UTC';

-- A second, in-order delivery of everything changes nothing.
CREATE TEMP TABLE before AS SELECT * FROM jimo.seen_days;
CREATE TEMP TABLE before_totals AS SELECT * FROM jimo.seen_day_totals;
SELECT is((SELECT count(*) FROM jimo.receive_batch((SELECT array_agg(body ORDER BY body) FROM deliveries)) WHERE status <> 'duplicate'),
          0::bigint, 'redelivering everything gives only duplicates');
SELECT set_eq('SELECT * FROM jimo.seen_days', 'SELECT * FROM before', 'and leaves the rollup as it was');
SELECT set_eq('SELECT * FROM jimo.seen_day_totals', 'SELECT * FROM before_totals', 'and its daily totals');

-- A filter on day is an index range on the rollup, not a scan of jimo.events.
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || r || E'\n'; END LOOP;
    RETURN p;
END $$;
SET LOCAL enable_seqscan = off; -- a tiny table would rightly be scanned; ask for the plan it has at size
SELECT matches(pg_temp.plan($$SELECT * FROM jimo.experience_reach_daily WHERE day BETWEEN '2025-03-10' AND '2025-03-16'$$),
               '(?s)Index[^\n]*on seen_day_totals.*Index Cond: \(\(day >= .*day <= ',
               'WHERE day BETWEEN reads an index range of jimo.seen_day_totals');

SELECT * FROM finish();
ROLLBACK;
