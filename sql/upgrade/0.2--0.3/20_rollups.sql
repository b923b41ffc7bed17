-------------------------------------------------------------------------------
-- Issue 8, part 2: every per-day view reads rollups or journeys by a range of
-- days, never all of jimo.events (see README.md, Performance).
--   * delivery_health reads the new rollups jimo.delivery_days and
--     jimo.delivery_lags, filled here from the events and rejected bodies
--     already stored (the same counts src/health.c keeps at ingest), in UTC
--     days;
--   * tour_funnel_daily and funnel_cohorts count UTC days, weeks and months of
--     the first start, which new indexes of jimo.journeys hold, so that a
--     filter on the day is an index range.
-- Ingest is held off while the rollups are filled (rebuild_delivery_rollup
-- locks jimo.events and jimo.rejected), so that no event is counted twice or
-- missed: the library, already the new one, counts into the rollups only once
-- they exist, i.e. once this commits.
-------------------------------------------------------------------------------

-------------------------------------------------------------------------------
-- Delivery health, kept current at ingest (src/health.c): per UTC day of first
-- arrival, the sums and maxima jimo.delivery_health shows, and the lags of the
-- day's events (to the second under an hour), so that its median needs no scan of
-- jimo.events. Each session writes its own slot of a day (backend id modulo
-- 16), so that concurrent sessions do not queue on one row per day; the view
-- sums the slots. Every column is a sum or a maximum: arrival order and the
-- split into calls change nothing.
-------------------------------------------------------------------------------

CREATE TABLE jimo.delivery_days (
    day                  date NOT NULL,
    slot                 smallint NOT NULL,
    stored               bigint NOT NULL,
    deliveries           bigint NOT NULL,
    rejected             bigint NOT NULL,
    rejected_deliveries  bigint NOT NULL,
    max_lag              interval,
    max_redelivery_lag   interval,
    PRIMARY KEY (day, slot)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.delivery_days IS 'Deliveries per UTC day of first arrival (and writer slot): what jimo.delivery_health shows, maintained at ingest';
COMMENT ON COLUMN jimo.delivery_days.day IS 'UTC day of the first arrival (received_at) of the events and rejected bodies counted here';
COMMENT ON COLUMN jimo.delivery_days.slot IS 'Writer slot (backend id modulo 16): the same day has one row per slot, to be summed';
COMMENT ON COLUMN jimo.delivery_days.stored IS 'Distinct events that first arrived that day';
COMMENT ON COLUMN jimo.delivery_days.deliveries IS 'Every delivery of those events, whenever it came';
COMMENT ON COLUMN jimo.delivery_days.rejected IS 'Distinct rejected bodies that first arrived that day';
COMMENT ON COLUMN jimo.delivery_days.rejected_deliveries IS 'Every delivery of those rejected bodies';
COMMENT ON COLUMN jimo.delivery_days.max_lag IS 'Largest received_at - occurred_at of those events';
COMMENT ON COLUMN jimo.delivery_days.max_redelivery_lag IS 'Largest arrival of any delivery of those events minus its event time';

-- A lag's bucket: rounded down to the second under an hour (either way), to
-- the minute under a day, to the hour beyond. The buckets keep the order of
-- the lags, and a day has at most 9 960 of them under a day of lag. One
-- expression (extract gives the exact numeric seconds), and not STRICT (a CASE
-- is not), so that the planner inlines it into a query over every event
-- instead of calling it per row; NULL still gives NULL.
CREATE FUNCTION jimo.delivery_lag_bucket(lag interval) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN extract(epoch FROM lag) >= -3600 AND extract(epoch FROM lag) < 3600
                THEN floor(extract(epoch FROM lag))::bigint
                WHEN extract(epoch FROM lag) >= -86400 AND extract(epoch FROM lag) < 86400
                THEN floor(extract(epoch FROM lag) / 60)::bigint * 60
                ELSE floor(extract(epoch FROM lag) / 3600)::bigint * 3600
           END
$$;
COMMENT ON FUNCTION jimo.delivery_lag_bucket(interval) IS
'The bucket of a delivery lag in seconds, as jimo.delivery_lags keeps it: rounded down to the second under an hour, to the minute under a day, to the hour beyond';

CREATE TABLE jimo.delivery_lags (
    day                  date NOT NULL,
    lag_seconds          bigint NOT NULL,
    slot                 smallint NOT NULL,
    events               bigint NOT NULL,
    PRIMARY KEY (day, lag_seconds, slot)
) WITH (fillfactor = 90);
COMMENT ON TABLE jimo.delivery_lags IS 'How many events that first arrived on a UTC day had each lag (received_at - occurred_at, see jimo.delivery_lag_bucket): the median of jimo.delivery_health, maintained at ingest';
COMMENT ON COLUMN jimo.delivery_lags.day IS 'UTC day of first arrival';
COMMENT ON COLUMN jimo.delivery_lags.lag_seconds IS 'jimo.delivery_lag_bucket(received_at - occurred_at): seconds, rounded down to the second under an hour, the minute under a day, the hour beyond (negative when the sender''s clock is ahead)';
COMMENT ON COLUMN jimo.delivery_lags.slot IS 'Writer slot (backend id modulo 16), to be summed';
COMMENT ON COLUMN jimo.delivery_lags.events IS 'Distinct events with that day and lag';

-- The same counts from the rows stored: what the 0.2 -> 0.3 upgrade fills the
-- rollup with, and a way back to it after arrival times were edited by hand.
-- Ingest is held off meanwhile (the rows it counts are locked against writes).
CREATE FUNCTION jimo.rebuild_delivery_rollup() RETURNS void
    LANGUAGE sql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
    LOCK TABLE jimo.events, jimo.rejected, jimo.delivery_days, jimo.delivery_lags IN SHARE ROW EXCLUSIVE MODE;
    DELETE FROM jimo.delivery_days;
    DELETE FROM jimo.delivery_lags;
    INSERT INTO jimo.delivery_days (day, slot, stored, deliveries, rejected, rejected_deliveries,
                                    max_lag, max_redelivery_lag)
    SELECT day, 0, sum(stored), sum(deliveries), sum(rejected), sum(rejected_deliveries),
           max(max_lag), max(max_redelivery_lag)
    FROM (
        SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS stored,
               sum(deliveries) AS deliveries, 0 AS rejected, 0 AS rejected_deliveries,
               max(received_at - occurred_at) AS max_lag,
               max(last_received_at - occurred_at) AS max_redelivery_lag
        FROM jimo.events
        GROUP BY 1
        UNION ALL
        SELECT (received_at AT TIME ZONE 'UTC')::date, 0, 0, count(*), sum(deliveries), NULL, NULL
        FROM jimo.rejected
        GROUP BY 1
    ) s
    GROUP BY day;
    INSERT INTO jimo.delivery_lags (day, lag_seconds, slot, events)
    SELECT (received_at AT TIME ZONE 'UTC')::date, jimo.delivery_lag_bucket(received_at - occurred_at), 0, count(*)
    FROM jimo.events
    GROUP BY 1, 2;
$$;
COMMENT ON FUNCTION jimo.rebuild_delivery_rollup() IS
'Refill jimo.delivery_days and jimo.delivery_lags from jimo.events and jimo.rejected (reads them all; ingest waits meanwhile). Ingest keeps them current: needed only after arrival times were edited by hand';

SELECT jimo.rebuild_delivery_rollup();

SELECT pg_catalog.pg_extension_config_dump('jimo.delivery_days', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.delivery_lags', '');
GRANT SELECT ON jimo.delivery_days, jimo.delivery_lags TO jimo_reader;
REVOKE ALL ON FUNCTION jimo.delivery_lag_bucket(interval), jimo.rebuild_delivery_rollup() FROM PUBLIC;

-- A retried body is counted at its original arrival (see 20_ingest.sql).
CREATE OR REPLACE FUNCTION jimo.retry_rejected(OUT retried integer, OUT stored integer, OUT still_rejected integer)
    RETURNS record
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    x record;
    e record;
    rollup text;
BEGIN
    retried := 0; stored := 0; still_rejected := 0;
    PERFORM jimo.event_rank('');  -- loads the library, which defines the setting
    rollup := current_setting('jimo.delivery_rollup');
    PERFORM set_config('jimo.delivery_rollup', 'off', true);
    FOR r IN SELECT * FROM jimo.rejected ORDER BY id LOOP
        SELECT * INTO x FROM jimo.receive_batch(ARRAY[coalesce(
            convert_to(r.body, current_setting('server_encoding')), r.body_bytes)]);
        retried := retried + 1;
        IF x.status = 'rejected' THEN
            still_rejected := still_rejected + 1;
            UPDATE jimo.rejected
               SET deliveries = r.deliveries, last_received_at = r.last_received_at
             WHERE id = r.id;
        ELSE
            stored := stored + 1;
            DELETE FROM jimo.rejected WHERE id = r.id;
            INSERT INTO jimo.delivery_days AS t
                (day, slot, stored, deliveries, rejected, rejected_deliveries)
            VALUES ((r.received_at AT TIME ZONE 'UTC')::date, 0, 0, 0, -1, -r.deliveries)
            ON CONFLICT (day, slot) DO UPDATE
               SET rejected = t.rejected + excluded.rejected,
                   rejected_deliveries = t.rejected_deliveries + excluded.rejected_deliveries;
            IF x.status = 'stored' THEN
                UPDATE jimo.events
                   SET received_at = r.received_at,
                       last_received_at = r.last_received_at,
                       deliveries = r.deliveries
                 WHERE id = x.event_id
                RETURNING received_at, last_received_at, occurred_at, 1 AS stored INTO e;
            ELSE
                UPDATE jimo.events
                   SET deliveries = deliveries - 1 + r.deliveries
                 WHERE id = x.event_id
                RETURNING received_at, last_received_at, occurred_at, 0 AS stored INTO e;
            END IF;
            INSERT INTO jimo.delivery_days AS t
                (day, slot, stored, deliveries, rejected, rejected_deliveries, max_lag, max_redelivery_lag)
            VALUES ((e.received_at AT TIME ZONE 'UTC')::date, 0, e.stored, r.deliveries, 0, 0,
                    CASE WHEN e.stored = 1 THEN e.received_at - e.occurred_at END,
                    e.last_received_at - e.occurred_at)
            ON CONFLICT (day, slot) DO UPDATE
               SET stored = t.stored + excluded.stored,
                   deliveries = t.deliveries + excluded.deliveries,
                   max_lag = greatest(t.max_lag, excluded.max_lag),
                   max_redelivery_lag = greatest(t.max_redelivery_lag, excluded.max_redelivery_lag);
            IF e.stored = 1 THEN
                INSERT INTO jimo.delivery_lags AS t (day, lag_seconds, slot, events)
                VALUES ((e.received_at AT TIME ZONE 'UTC')::date,
                        jimo.delivery_lag_bucket(e.received_at - e.occurred_at), 0, 1)
                ON CONFLICT (day, lag_seconds, slot) DO UPDATE SET events = t.events + 1;
            END IF;
        END IF;
    END LOOP;
    -- a local setting would last until the transaction ends
    PERFORM set_config('jimo.delivery_rollup', rollup, true);
END
$$;

-- The pos-th smallest lag bucket (1-based) among the events that first arrived
-- on a day.
CREATE FUNCTION jimo.delivery_lag_at(day date, pos bigint) RETURNS bigint
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT lag_seconds
    FROM (SELECT l.lag_seconds, sum(sum(l.events)) OVER (ORDER BY l.lag_seconds) AS upto
          FROM jimo.delivery_lags l
          WHERE l.day = $1
          GROUP BY l.lag_seconds) c
    WHERE upto >= $2
    ORDER BY lag_seconds
    LIMIT 1
$$;
COMMENT ON FUNCTION jimo.delivery_lag_at(date, bigint) IS
'The pos-th smallest lag (jimo.delivery_lag_bucket, in seconds) among the events that first arrived on that UTC day, from jimo.delivery_lags; NULL when there are fewer';
REVOKE ALL ON FUNCTION jimo.delivery_lag_at(date, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.delivery_lag_at(date, bigint) TO jimo_reader;

CREATE OR REPLACE VIEW jimo.delivery_health AS
SELECT
    d.day,
    d.stored,
    d.deliveries - d.stored AS duplicate_deliveries,
    d.rejected,
    d.rejected_deliveries,
    d.deliveries + d.rejected_deliveries AS deliveries,
    -- percentile_cont(0.5) of the lag buckets: the mean of the two middle
    -- ones when their number is even
    CASE WHEN d.stored > 0 THEN
        m.lo + (m.hi - m.lo) * 0.5
    END AS median_lag_seconds,
    date_part('epoch', d.max_lag) AS max_lag_seconds,
    date_part('epoch', d.max_redelivery_lag) AS max_redelivery_lag_seconds
FROM (
    SELECT day,
           sum(stored)::bigint AS stored,
           sum(deliveries)::bigint AS deliveries,
           sum(rejected)::bigint AS rejected,
           sum(rejected_deliveries)::bigint AS rejected_deliveries,
           max(max_lag) AS max_lag,
           max(max_redelivery_lag) AS max_redelivery_lag
    FROM jimo.delivery_days
    GROUP BY day
    HAVING sum(stored) > 0 OR sum(rejected) > 0
) d
CROSS JOIN LATERAL (
    SELECT jimo.delivery_lag_at(d.day, (d.stored - 1) / 2 + 1)::double precision AS lo,
           jimo.delivery_lag_at(d.day, d.stored / 2 + 1)::double precision AS hi
) m;

COMMENT ON VIEW jimo.delivery_health IS 'Per UTC day of first arrival: events stored, redeliveries, rejected bodies and delivery lag. Redeliveries are counted on the day the event first arrived, whenever they came. Reads the rollups jimo.delivery_days and jimo.delivery_lags (kept at ingest), so WHERE day BETWEEN ... reads only those days. Days are UTC days whatever the session''s TimeZone, and the median lag is taken over lags rounded down to the second under an hour, to the minute under a day, to the hour beyond (0.2 used the session''s zone and unrounded lags, reading all of jimo.events and jimo.rejected). What it cannot tell: when each redelivery came (only the latest arrival of an event is kept), and deliveries Jimo gave up on.';
COMMENT ON COLUMN jimo.delivery_health.day IS 'UTC day of first arrival';
COMMENT ON COLUMN jimo.delivery_health.stored IS 'Distinct events that first arrived that day';
COMMENT ON COLUMN jimo.delivery_health.duplicate_deliveries IS 'Further deliveries of those events, whenever they came: sum(deliveries - 1)';
COMMENT ON COLUMN jimo.delivery_health.rejected IS 'Distinct rejected bodies that first arrived that day (see jimo.rejected)';
COMMENT ON COLUMN jimo.delivery_health.rejected_deliveries IS 'All deliveries of those rejected bodies, first one included';
COMMENT ON COLUMN jimo.delivery_health.deliveries IS 'All deliveries of the day''s events and rejected bodies: stored + duplicate_deliveries + rejected_deliveries';
COMMENT ON COLUMN jimo.delivery_health.median_lag_seconds IS 'Median of first arrival minus event time, in seconds, over lags rounded down to the second under an hour, to the minute under a day, to the hour beyond (jimo.delivery_lag_bucket): to the second whenever it is under an hour. Negative when the sender''s clock is ahead';
COMMENT ON COLUMN jimo.delivery_health.max_lag_seconds IS 'Largest first arrival minus event time, in seconds (Jimo retries for up to ~11 days)';
COMMENT ON COLUMN jimo.delivery_health.max_redelivery_lag_seconds IS 'Largest latest arrival minus event time, in seconds';

-------------------------------------------------------------------------------
-- Journeys by UTC day, week and month of their first start, per experience:
-- the cohorts of tour_funnel_daily and funnel_cohorts are these very
-- expressions, so a filter on their day or cohort_start is a range of one of
-- these indexes instead of a read of every journey. They hold only
-- first_started_at and first_completed_at, which a journey sets once and
-- rarely moves, so most journey updates stay HOT and touch none of them.
-------------------------------------------------------------------------------

CREATE INDEX journeys_first_day_idx ON jimo.journeys
    (experience_uid, ((coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date));
CREATE INDEX journeys_first_week_idx ON jimo.journeys
    (experience_uid, (date_trunc('week', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date));
CREATE INDEX journeys_first_month_idx ON jimo.journeys
    (experience_uid, (date_trunc('month', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date));

CREATE OR REPLACE VIEW jimo.tour_funnel_daily AS
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
        max(c.first_started_at + c.funnel_window) AS window_closes_at
    FROM jimo.journey_conversions c
    WHERE c.experience_uid = k.experience_uid
      AND (c.starts > 0 OR c.completed_without_start)
    GROUP BY 1
) a
WHERE k.type = 'TOUR';

COMMENT ON VIEW jimo.tour_funnel_daily IS
'jimo.tour_funnel by day of each jimer''s first start (one cohort per day and tour): conversion over time, same conversion rule. A day''s numbers are final once window_closes_at has passed. Days are UTC days whatever the session''s TimeZone (0.2: the session''s zone), and a filter on day reads only the journeys of those days (an index range of jimo.journeys per tour). Jimers who completed without any start are counted on the day of their first completion, in completed_without_start only. Summed over days, started_jimers, completed_jimers and completed_without_start give tour_funnel''s.';
COMMENT ON COLUMN jimo.tour_funnel_daily.day IS 'UTC day of the jimers'' first tour.started (for completed_without_start: of their first tour.completed)';

-- cohort_start becomes a date (a UTC day): the view is made again.
DROP VIEW jimo.funnel_cohorts;
CREATE VIEW jimo.funnel_cohorts AS
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
               max(c.first_started_at + c.funnel_window) AS window_closes_at
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
               max(c.first_started_at + c.funnel_window) AS window_closes_at
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
               max(c.first_started_at + c.funnel_window) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST');

COMMENT ON VIEW jimo.funnel_cohorts IS
'Started -> completed funnel of every tour, survey and checklist by cohort: the UTC day, week (from Monday) or month of each jimer''s first start, whatever the session''s TimeZone (0.2: the session''s zone, and cohort_start a timestamptz); filter on grain. A filter on cohort_start reads only the journeys of those cohorts (an index range per experience). Same conversion rule as jimo.tour_funnel (completion within jimo.funnel_window after the first start); medians and percentiles are computed per cohort, never from smaller cohorts. A cohort''s numbers are final once window_closes_at has passed.';
COMMENT ON COLUMN jimo.funnel_cohorts.experience_uid IS 'The tour, survey or checklist';
COMMENT ON COLUMN jimo.funnel_cohorts.type IS 'TOUR, SURVEY or CHECKLIST';
COMMENT ON COLUMN jimo.funnel_cohorts.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.funnel_cohorts.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.funnel_cohorts.project_uid IS 'The experience''s Jimo project (latest snapshot), to filter or group by project';
COMMENT ON COLUMN jimo.funnel_cohorts.tags IS 'Tag names of the experience (latest snapshot); filter with e.g. ''release-3'' = ANY(tags)';
COMMENT ON COLUMN jimo.funnel_cohorts.grain IS 'day, week or month';
COMMENT ON COLUMN jimo.funnel_cohorts.cohort_start IS 'First UTC day of the day, week (Monday) or month of the cohort''s first starts';
COMMENT ON COLUMN jimo.funnel_cohorts.started_jimers IS 'Jimers whose first start falls in the cohort';
COMMENT ON COLUMN jimo.funnel_cohorts.completed_jimers IS 'Of those, jimers who completed within the conversion window after their first start';
COMMENT ON COLUMN jimo.funnel_cohorts.conversion_rate IS 'completed_jimers / started_jimers (4 decimals)';
COMMENT ON COLUMN jimo.funnel_cohorts.median_seconds_to_complete IS 'Median seconds from first start to completion over the cohort''s converted jimers';
COMMENT ON COLUMN jimo.funnel_cohorts.p90_seconds_to_complete IS '90th percentile (interpolated) of the same';
COMMENT ON COLUMN jimo.funnel_cohorts.window_closes_at IS 'When the conversion window of the cohort''s last starter closes: until then completed_jimers may still grow';
GRANT SELECT ON jimo.funnel_cohorts TO jimo_reader;
