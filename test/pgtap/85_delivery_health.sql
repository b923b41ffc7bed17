-- delivery_health reads the rollups jimo.delivery_days and jimo.delivery_lags,
-- kept at ingest: it must give exactly what counting jimo.events and
-- jimo.rejected gives (UTC days of first arrival, lags bucketed as
-- jimo.delivery_lag_bucket says), whatever the arrival order, the split into
-- calls and the redeliveries, also when redeliveries come days after the
-- first arrival and when jimo.retry_rejected() moves bodies back to their
-- original arrival. And every per-day view must read only the days a filter
-- asks for: an index range, not a scan with a filter.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'America/Los_Angeles';  -- UTC days whatever the session's zone
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(22);

-- 1500 events: most of 2025 (lags of months: hour buckets), some within the
-- last two hours (second buckets), some within the last day (minute
-- buckets), a few ahead of the clock (negative lags); one in five delivered
-- two or three times, some re-serialized; plus bodies that are rejected, some
-- more than once.
SELECT setseed(0.85);
CREATE TEMP TABLE ev AS
SELECT i,
       jsonb_build_object(
           'event', (ARRAY['tour.started', 'tour.completed', 'hint.seen', 'survey.started'])[1 + i % 4],
           'time', CASE WHEN i % 10 < 6 THEN 1735689600000 + i::bigint * 7919 * 1000 + i % 1000
                        WHEN i % 10 < 8 THEN (extract(epoch FROM now()) * 1000)::bigint - i::bigint * 4001
                        WHEN i % 10 < 9 THEN (extract(epoch FROM now()) * 1000)::bigint - i::bigint * 57601
                        ELSE (extract(epoch FROM now()) * 1000)::bigint + i * 13 END,
           'experience', jsonb_build_object('uid', format('c1c1c1c1-0000-4000-8000-%s', lpad((i % 7)::text, 12, '0')),
                                            'type', CASE WHEN i % 4 = 2 THEN 'HINT' WHEN i % 4 = 3 THEN 'SURVEY' ELSE 'TOUR' END),
           'jimer', jsonb_build_object('uid', format('d2d2d2d2-0000-4000-8000-%s', lpad((i * 37 % 300)::text, 12, '0')))
       ) AS body
FROM generate_series(1, 1500) i;
CREATE TEMP TABLE deliveries AS
SELECT i, body::text AS body FROM ev
UNION ALL SELECT i, jsonb_pretty(body) FROM ev WHERE i % 5 = 0
UNION ALL SELECT i, body::text FROM ev WHERE i % 15 = 0
UNION ALL SELECT 2000 + k, CASE k % 3 WHEN 0 THEN 'not json ' || k
                                      WHEN 1 THEN format('{"event": "tour.started", "time": "day %s"}', k)
                                      ELSE '[]' END
          FROM generate_series(1, 30) k, generate_series(1, 1 + (k % 2)) r;

-- Deliver the rows of deliveries with i in [lo, hi), shuffled, in calls of 1 to
-- max_len bodies; returns the number of bodies delivered.
CREATE FUNCTION pg_temp.deliver(lo int, hi int, max_len int) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    bodies text[] := (SELECT array_agg(body ORDER BY random()) FROM deliveries
                      WHERE (i >= lo AND i < hi) OR (i >= 2000 AND i - 2000 >= lo / 50 AND i - 2000 < hi / 50));
    pos int := 1;
    len int;
    n bigint := 0;
BEGIN
    WHILE pos <= coalesce(cardinality(bodies), 0) LOOP
        len := 1 + (random() * (max_len - 1))::int;
        n := n + (SELECT count(*) FROM jimo.receive_batch(bodies[pos:pos + len - 1]));
        pos := pos + len;
    END LOOP;
    RETURN n;
END
$$;

-- The definition the rollup must keep, counted from the stored rows.
CREATE TEMP VIEW from_rows AS
WITH e AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS stored,
           sum(deliveries - 1) AS duplicate_deliveries, sum(deliveries) AS deliveries,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.delivery_lag_bucket(received_at - occurred_at)) AS median_lag_seconds,
           max(date_part('epoch', received_at - occurred_at)) AS max_lag_seconds,
           max(date_part('epoch', last_received_at - occurred_at)) AS max_redelivery_lag_seconds
    FROM jimo.events GROUP BY 1),
r AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS rejected, sum(deliveries) AS rejected_deliveries
    FROM jimo.rejected GROUP BY 1)
SELECT coalesce(e.day, r.day) AS day, coalesce(e.stored, 0) AS stored,
       coalesce(e.duplicate_deliveries, 0) AS duplicate_deliveries, coalesce(r.rejected, 0) AS rejected,
       coalesce(r.rejected_deliveries, 0) AS rejected_deliveries,
       coalesce(e.deliveries, 0) + coalesce(r.rejected_deliveries, 0) AS deliveries,
       e.median_lag_seconds, e.max_lag_seconds, e.max_redelivery_lag_seconds
FROM e FULL JOIN r ON r.day = e.day;

CREATE FUNCTION pg_temp.same(what text) RETURNS text LANGUAGE sql AS $$
    SELECT results_eq('SELECT * FROM jimo.delivery_health ORDER BY day',
                      'SELECT * FROM from_rows ORDER BY day', what)
$$;

-- Everything the rollup holds moves back by d days, as if it had arrived then:
-- arrival times edited by hand, and the rollup counted again from them.
CREATE FUNCTION pg_temp.age(d int) RETURNS void LANGUAGE sql AS $$
    UPDATE jimo.events SET received_at = received_at - d * interval '1 day',
                           last_received_at = last_received_at - d * interval '1 day';
    UPDATE jimo.rejected SET received_at = received_at - d * interval '1 day',
                             last_received_at = last_received_at - d * interval '1 day';
    SELECT jimo.rebuild_delivery_rollup();
$$;

-- First arrivals on three days: the first third 3 days ago, the second
-- yesterday, the rest today; each later part also redelivers some of the
-- earlier ones, which must count on the day those first arrived.
SELECT cmp_ok(pg_temp.deliver(0, 500, 300), '>', 500::bigint, 'first part delivered (calls of 1 to 300 bodies)');
SELECT pg_temp.same('after the first part, delivery_health equals the count over the stored rows');
SELECT pg_temp.age(2);
SELECT pg_temp.same('after aging, the rebuilt rollup too');
SELECT cmp_ok(pg_temp.deliver(300, 1000, 40), '>', 700::bigint, 'second part delivered, with redeliveries of the first (calls of 1 to 40)');
SELECT pg_temp.same('redeliveries count on the day their event first arrived');
SELECT pg_temp.age(1);

CREATE TEMP TABLE three_days_ago AS
SELECT * FROM jimo.delivery_health WHERE day = (now() AT TIME ZONE 'UTC')::date - 3;
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM deliveries WHERE i = 3))), 1::bigint,
          'a redelivery of an event that first arrived 3 days ago');
SELECT results_eq(
    $$SELECT stored, duplicate_deliveries + 1, deliveries + 1 FROM three_days_ago$$,
    $$SELECT stored, duplicate_deliveries, deliveries FROM jimo.delivery_health
      WHERE day = (now() AT TIME ZONE 'UTC')::date - 3$$,
    'adds one duplicate delivery to that day');
SELECT is(max_redelivery_lag_seconds,
          date_part('epoch', now() - (timestamptz 'epoch' + (1735689600000 + 3 * 7919 * 1000 + 3) * interval '1 millisecond')),
          'and raises its largest redelivery lag to now minus that event''s time')
FROM jimo.delivery_health WHERE day = (now() AT TIME ZONE 'UTC')::date - 3;

SELECT cmp_ok(pg_temp.deliver(700, 1600, 500), '>', 900::bigint, 'the rest delivered, again with redeliveries (calls of 1 to 500)');
SELECT pg_temp.same('three days of first arrivals: delivery_health equals the count over the stored rows');
SELECT cmp_ok((SELECT count(*) FROM jimo.delivery_health), '>=', 3::bigint, 'on at least three days');
SELECT cmp_ok((SELECT count(DISTINCT lag_seconds % 60 <> 0) FROM jimo.delivery_lags), '=', 2::bigint,
              'lags under an hour are kept to the second, and longer ones rounded');

-- jimo.retry_rejected(): bodies an older version rejected 5 days ago and
-- delivered 3 times, one now a new event, one an event stored already, one
-- still rejected, all counted back where their rows end up.
INSERT INTO jimo.rejected (digest, error, sqlstate, received_at, last_received_at, deliveries, body)
VALUES (sha256(convert_to('{"event": "tour.started", "time": 1740000000123, "experience": {"uid": "c1c1c1c1-0000-4000-8000-000000000001"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-000000000001"}}', 'UTF8')), 'old', '22023', now() - interval '5 days', now() - interval '4 days', 3,
        '{"event": "tour.started", "time": 1740000000123, "experience": {"uid": "c1c1c1c1-0000-4000-8000-000000000001"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-000000000001"}}'),
       (sha256(convert_to((SELECT body FROM deliveries WHERE i = 10 LIMIT 1), 'UTF8')), 'old', '22023', now() - interval '5 days', now() - interval '5 days', 2,
        (SELECT body FROM deliveries WHERE i = 10 LIMIT 1)),
       (sha256(convert_to('still not json', 'UTF8')), 'old', '22023', now() - interval '5 days', now() - interval '5 days', 4, 'still not json');
SELECT jimo.rebuild_delivery_rollup();
CREATE TEMP TABLE retry AS SELECT * FROM jimo.retry_rejected();
SELECT is((SELECT (stored, still_rejected) FROM retry)::text,
          (SELECT (2, count(*)) FROM jimo.rejected)::text,
          'retry_rejected: two bodies stored (one new event, one stored already), the rest still rejected');
SELECT pg_temp.same('after retry_rejected, delivery_health still equals the count over the stored rows');
SELECT is(current_setting('jimo.delivery_rollup'), 'on', 'and ingest keeps the rollup again');

-- The same deliveries in another order and other calls end the same.
TRUNCATE jimo.events, jimo.rejected, jimo.journeys, jimo.experiences, jimo.jimers, jimo.users, jimo.projects,
         jimo.seen_days, jimo.seen_day_totals, jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys,
         jimo.delivery_days, jimo.delivery_lags CASCADE;
SELECT cmp_ok(pg_temp.deliver(0, 1600, 7), '>', 1900::bigint, 'everything again, in another order, calls of 1 to 7');
SELECT pg_temp.same('delivery_health equals the count over the stored rows');

-- A filter on day reads only those days: an index range of each rollup or
-- of jimo.journeys, never a scan with a filter.
CREATE FUNCTION pg_temp.plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text; p text := '';
BEGIN
    FOR r IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP p := p || r || E'\n'; END LOOP;
    RETURN p;
END $$;
ANALYZE jimo.delivery_days, jimo.journeys;
-- tiny tables would rightly be scanned; ask for the plan they get at size
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT matches(pg_temp.plan($$SELECT * FROM jimo.delivery_health WHERE day >= '2025-03-10' AND day < '2025-03-17'$$),
               '(?s)Index (Only )?Scan using delivery_days_pkey on delivery_days[^\n]*\n\s+Index Cond: \(\(day >= .*day < ',
               'delivery_health WHERE day ...: an index range of jimo.delivery_days');
SELECT matches(pg_temp.plan($$SELECT * FROM jimo.tour_funnel_daily WHERE day >= '2025-03-10' AND day < '2025-03-17'$$),
               '(?s)Index (Only )?Scan using journeys_first_day_idx on journeys[^\n]*\n\s+Index Cond: \(\(experience_uid = [^\n]*AT TIME ZONE ''UTC''::text\)\)::date >= ',
               'tour_funnel_daily WHERE day ...: an index range of jimo.journeys per tour');
SELECT matches(pg_temp.plan($$SELECT * FROM jimo.funnel_cohorts WHERE grain = 'week' AND cohort_start >= '2025-03-10' AND cohort_start < '2025-04-07'$$),
               '(?s)Index (Only )?Scan using journeys_first_week_idx on journeys[^\n]*\n\s+Index Cond: \(\(experience_uid = [^\n]*date_trunc\(''week''',
               'funnel_cohorts WHERE grain = ''week'' AND cohort_start ...: an index range of jimo.journeys per experience');
-- (0.7) the three cohort indexes hold only journeys in a cohort: a banner's
-- or hint's seen-only journey has no first start nor completion to index
SELECT is((SELECT count(*)::int FROM pg_index
            WHERE indrelid = 'jimo.journeys'::regclass
              AND indexrelid::regclass::text ~ '^jimo\.journeys_first_(day|week|month)_idx$'
              AND pg_get_expr(indpred, indrelid) = '(COALESCE(first_started_at, first_completed_at) IS NOT NULL)'),
          3, 'the day, week and month cohort indexes leave out journeys without a start or completion');
SELECT doesnt_match(pg_temp.plan($$SELECT * FROM jimo.delivery_health$$),
                    'on (events|rejected)\M', 'delivery_health reads neither jimo.events nor jimo.rejected');

SELECT * FROM finish();
ROLLBACK;
