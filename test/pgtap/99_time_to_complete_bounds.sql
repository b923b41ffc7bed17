-- jimo.time_to_complete puts each converted jimer in the bucket whose lower
-- bound it reaches: a completion exactly 10 s, 1 min, 5 min, 30 min, 1 h or
-- 1 d after the first start is in the bucket that starts there, read from
-- the journeys before a refresh of the funnel cohort cache and from the
-- cache after it.  The counts are a function of their own (0.14): planned
-- with the view, their estimates switched JIT on at 10M events.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE FUNCTION pg_temp.body(name text, jimer integer, at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "%s", "version": "0", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "TOUR", "title": "T"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  name, (extract(epoch FROM at) * 1000)::bigint, lpad(jimer::text, 12, '0'))
$$;

-- jimer k starts at 2025-02-03 10:00 and completes secs[k] later
SELECT is((SELECT count(*)::int FROM jimo.receive_batch((
              SELECT array_agg(b)
              FROM unnest(ARRAY[0, 9.999, 10, 59.999, 60, 300, 1800, 3600, 86399.999, 86400, 864000]::numeric[])
                   WITH ORDINALITY AS s(secs, k),
                   LATERAL (VALUES (pg_temp.body('tour.started', k::int, timestamptz '2025-02-03 10:00Z')),
                                   (pg_temp.body('tour.completed', k::int,
                                                 timestamptz '2025-02-03 10:00Z' + s.secs * interval '1 second'))) v(b)))
            WHERE status = 'stored'), 22, 'eleven journeys stored');

SET jimo.funnel_window = '30 days';
SELECT results_eq(
    $$SELECT bucket_index, bucket, completed_jimers FROM jimo.time_to_complete ORDER BY bucket_index$$,
    $$VALUES (1, '< 10 s', 2::bigint), (2, '10 s - 1 min', 2), (3, '1 - 5 min', 1), (4, '5 - 30 min', 1),
             (5, '30 min - 1 h', 1), (6, '1 h - 1 d', 2), (7, '1 d or more', 2)$$,
    'each bound belongs to the bucket it starts: 0 and 9.999 s; 10 and 59.999 s; 60 s; 300 s; 1800 s; 3600 and 86399.999 s; 86400 s and 10 days');

SELECT * FROM finish();

SELECT ok((SELECT count(*) FROM jimo.refresh_funnel_cohorts() WHERE full_refresh) = 1,
          'a refresh stores the cohorts for the 30-day window');
SELECT results_eq(
    $$SELECT bucket_index, bucket, completed_jimers FROM jimo.time_to_complete ORDER BY bucket_index$$,
    $$VALUES (1, '< 10 s', 2::bigint), (2, '10 s - 1 min', 2), (3, '1 - 5 min', 1), (4, '5 - 30 min', 1),
             (5, '30 min - 1 h', 1), (6, '1 h - 1 d', 2), (7, '1 d or more', 2)$$,
    'the same buckets read from the cached day cohorts');
CREATE FUNCTION pg_temp.plan_text(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE p text;
BEGIN
    EXECUTE 'EXPLAIN (FORMAT JSON, COSTS OFF) ' || q INTO p;
    RETURN p;
END
$$;
SELECT ok(pg_temp.plan_text('SELECT * FROM jimo.time_to_complete') LIKE '%"Function Name": "time_to_complete_counts"%'
          AND pg_temp.plan_text('SELECT * FROM jimo.time_to_complete') NOT LIKE '%"Relation Name": "funnel_cohort_cache"%'
          AND pg_temp.plan_text('SELECT * FROM jimo.time_to_complete') NOT LIKE '%"Index Name": "journeys_first_day_idx"%',
          'the counts are a function scan: neither the cache nor the cohorts'' journeys are in the view''s own plan');
