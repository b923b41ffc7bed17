-- jimo_webhooks 0.2 -> 0.3 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.3').
-- Assembled by the Makefile from sql/upgrade/0.2--0.3/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.3 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.2 (and a 0.1) database
-- holding data and upgraded with it equals a fresh 0.3 install fed the same
-- events.  Nothing here drops what users stored.

\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.3'" to load this file. \quit
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
-------------------------------------------------------------------------------
-- 0.3: jimo.events and the four fact tables become partitioned by month of
-- event time (16_partitions.sql of the install script).  A table cannot be
-- turned into a partitioned one in place, so each is renamed, created anew,
-- and its rows are moved over with their ids; then the views that read it
-- are pointed at the new table (with their definitions as they stand, so
-- this also holds for views an earlier part of this script changed), and the
-- old table is dropped.  The move rewrites every event once: it needs about
-- the space of jimo.events again, free, and takes as long as copying it.
-- Facts no longer have a foreign key to jimo.events: both are written
-- together by ingest, and expire together, by whole months.
-------------------------------------------------------------------------------

-- The views that read the tables being replaced, as they are now.
CREATE TABLE jimo.upgrade_0_3_views AS
SELECT DISTINCT v.oid::regclass::text AS view_name, pg_get_viewdef(v.oid) AS definition
FROM pg_depend d
JOIN pg_rewrite r ON r.oid = d.objid
JOIN pg_class v ON v.oid = r.ev_class
WHERE d.classid = 'pg_rewrite'::regclass
  AND d.refclassid = 'pg_class'::regclass
  AND d.refobjid IN ('jimo.events'::regclass, 'jimo.survey_answers'::regclass,
                     'jimo.checklist_tasks'::regclass, 'jimo.post_comments'::regclass,
                     'jimo.post_likes'::regclass)
  AND v.oid <> d.refobjid;

-- The old tables, their indexes and the events id sequence get out of the way.
DO $$
DECLARE
    tbl text;
    idx record;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['events', 'survey_answers', 'checklist_tasks',
                               'post_comments', 'post_likes'] LOOP
        FOR idx IN SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                   WHERE i.indrelid = ('jimo.' || tbl)::regclass LOOP
            EXECUTE format('ALTER INDEX jimo.%I RENAME TO %I', idx.relname, 'old_' || idx.relname);
        END LOOP;
        FOR idx IN SELECT conname FROM pg_constraint
                   WHERE conrelid = ('jimo.' || tbl)::regclass AND contype = 'c' LOOP
            EXECUTE format('ALTER TABLE jimo.%I RENAME CONSTRAINT %I TO %I',
                           tbl, idx.conname, 'old_' || idx.conname);
        END LOOP;
        EXECUTE format('ALTER TABLE jimo.%I RENAME TO %I', tbl, 'old_' || tbl);
    END LOOP;
    ALTER SEQUENCE jimo.events_id_seq RENAME TO old_events_id_seq;
END
$$;

CREATE TABLE jimo.events (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    digest           bytea NOT NULL,
    name             text NOT NULL,
    version          text,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    last_received_at timestamptz NOT NULL DEFAULT now(),
    deliveries       integer NOT NULL DEFAULT 1,
    experience_uid   uuid,
    jimer_uid        uuid,
    user_uid         uuid,
    project_uid      uuid,
    payload          jsonb NOT NULL
) PARTITION BY RANGE (occurred_at);
-- Partitioned by month of event time: months are created when an event
-- first needs them, with their keys, PRIMARY KEY (id) and UNIQUE (digest),
-- and old ones can be expired (16_partitions.sql).  The digest covers the
-- whole payload, time included, so equal digests always land in the same
-- month: a unique digest per month is a unique digest, dedup stays exact,
-- and a redelivery is looked up in its own month only.  The keys belong to
-- the partitions, not to this table, because pg_dump cannot restore
-- partitions of an extension's table that has indexes of its own (it would
-- create each partition's index twice).
-- Only the keys are indexed: each index on this append-mostly table costs
-- ingest throughput, and the views read journeys and facts instead.  Add
-- indexes for your own ad-hoc queries (see README.md).

COMMENT ON TABLE jimo.events IS 'One row per distinct Jimo event (deduplicated on the SHA-256 of the canonical jsonb payload); redeliveries only bump deliveries. Partitioned by month of event time (UTC): see jimo.partitions and jimo.expire()';
COMMENT ON COLUMN jimo.events.id IS 'Surrogate id, in order of first arrival';
COMMENT ON COLUMN jimo.events.digest IS 'SHA-256 of the payload in jsonb normal form: whitespace and key order do not change it';
COMMENT ON COLUMN jimo.events.name IS 'Jimo event name as sent, e.g. tour.completed (unknown names are kept too)';
COMMENT ON COLUMN jimo.events.version IS 'Webhook API version from the envelope';
COMMENT ON COLUMN jimo.events.occurred_at IS 'Event time from the envelope key "time" (seconds or milliseconds)';
COMMENT ON COLUMN jimo.events.received_at IS 'Arrival of the first delivery';
COMMENT ON COLUMN jimo.events.last_received_at IS 'Arrival of the latest delivery';
COMMENT ON COLUMN jimo.events.deliveries IS 'How many times this exact event was delivered';
COMMENT ON COLUMN jimo.events.payload IS 'The whole payload, so that later versions can re-derive typed rows';

CREATE TABLE jimo.survey_answers (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    answered_at      timestamptz NOT NULL,
    step_uid         text,
    step_title       text,
    step_type        text,
    step_position    integer,
    answer_text      text,
    answer_number    numeric,
    answer_choices   text[],
    step             jsonb,
    answer           jsonb
) PARTITION BY RANGE (answered_at);
COMMENT ON TABLE jimo.survey_answers IS 'One row per survey.step.answered event';
COMMENT ON COLUMN jimo.survey_answers.answer_text IS 'The answer as text: a string answer, a number, or the text/value of an answer object; choices joined with ", "';
COMMENT ON COLUMN jimo.survey_answers.answer_number IS 'The answer as a number when it is one (NPS, rating, numeric string)';
COMMENT ON COLUMN jimo.survey_answers.answer_choices IS 'The chosen options when the answer is a list';
CREATE TABLE jimo.checklist_tasks (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    occurred_at      timestamptz NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('completed', 'skipped')),
    task_uid         text,
    task_title       text,
    task             jsonb
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE jimo.checklist_tasks IS 'One row per checklist.task.completed or checklist.task.skipped event';
CREATE TABLE jimo.post_comments (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    commented_at     timestamptz NOT NULL,
    comment_uid      text,
    content          text,
    comment          jsonb
) PARTITION BY RANGE (commented_at);
COMMENT ON TABLE jimo.post_comments IS 'One row per post.commented event';
CREATE TABLE jimo.post_likes (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    liked_at         timestamptz NOT NULL
) PARTITION BY RANGE (liked_at);
COMMENT ON TABLE jimo.post_likes IS 'One row per post.liked event';

-------------------------------------------------------------------------------
-- Time partitions and retention.
--
-- jimo.events and the fact tables (one row per event) are partitioned by
-- month of event time, in UTC, with the same bounds, so that a month of
-- history can be expired by dropping its partitions: no mass DELETE, no
-- dead rows, no long lock.  A month is created the first time an event of
-- that month is stored (ingest calls jimo.ensure_partitions before it
-- writes), whatever the event time: Jimo retries for 11 days, clocks are
-- wrong, and backfills reach years back.  Months before 2015 (before Jimo)
-- share one partition, and so do months from 2100 on, so that a sender with
-- a broken clock cannot create thousands of tables.
--
-- Partitions are created by ingest, not by CREATE EXTENSION, so they are
-- ordinary tables attached to the extension's tables: pg_dump writes them
-- and their rows like any other table, and DROP EXTENSION drops them with
-- their parent.
-------------------------------------------------------------------------------

-- The tables partitioned together, the column each is partitioned on, and
-- the keys and indexes each partition gets (see 10_tables.sql for why they
-- are the partitions' own).
CREATE FUNCTION jimo.partitioned_tables(OUT table_name name, OUT time_column name,
                                        OUT keys text[], OUT indexes text[])
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    VALUES ('events'::name, 'occurred_at'::name, ARRAY['PRIMARY KEY (id)', 'UNIQUE (digest)'], ARRAY[]::text[]),
           ('survey_answers', 'answered_at', ARRAY['PRIMARY KEY (event_id)'], ARRAY['experience_uid, step_uid']),
           ('checklist_tasks', 'occurred_at', ARRAY['PRIMARY KEY (event_id)'], ARRAY['experience_uid, task_uid']),
           ('post_comments', 'commented_at', ARRAY['PRIMARY KEY (event_id)'], ARRAY['experience_uid']),
           ('post_likes', 'liked_at', ARRAY['PRIMARY KEY (event_id)'], ARRAY['experience_uid'])
$$;
COMMENT ON FUNCTION jimo.partitioned_tables() IS 'The tables partitioned by month of event time, their time column, and the keys and indexes of each partition';

-- What retention removed, one row per expired partition range.  Events older
-- than the newest upper bound here are rejected from then on (a redelivery
-- of an expired event must not come back as a new one).
CREATE TABLE jimo.expired_months (
    lower_bound      timestamptz NOT NULL PRIMARY KEY,
    upper_bound      timestamptz NOT NULL,
    expired_at       timestamptz NOT NULL DEFAULT now(),
    retention        interval NOT NULL,
    events_estimate  bigint NOT NULL
);
COMMENT ON TABLE jimo.expired_months IS 'Partitions removed by jimo.expire(): events with an earlier time are rejected from then on';
COMMENT ON COLUMN jimo.expired_months.lower_bound IS 'Start of the expired range (-infinity for the partition of events before 2015)';
COMMENT ON COLUMN jimo.expired_months.upper_bound IS 'End of the expired range (exclusive)';
COMMENT ON COLUMN jimo.expired_months.expired_at IS 'When jimo.expire() removed it';
COMMENT ON COLUMN jimo.expired_months.retention IS 'The retention that jimo.expire() applied';
COMMENT ON COLUMN jimo.expired_months.events_estimate IS 'Events the partition held, as estimated by the last VACUUM or ANALYZE (counting them exactly would read the partition)';

-- The partition of a table that holds an event time: its name and bounds.
CREATE FUNCTION jimo.partition_for(table_name name, event_time timestamptz,
                                   OUT partition_name name,
                                   OUT lower_bound timestamptz,
                                   OUT upper_bound timestamptz)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    utc timestamp := event_time AT TIME ZONE 'UTC';
BEGIN
    IF utc < timestamp '2015-01-01' THEN
        partition_name := table_name || '_before_2015';
        lower_bound := '-infinity';
        upper_bound := timestamp '2015-01-01' AT TIME ZONE 'UTC';
    ELSIF utc >= timestamp '2100-01-01' THEN
        partition_name := table_name || '_from_2100';
        lower_bound := timestamp '2100-01-01' AT TIME ZONE 'UTC';
        upper_bound := 'infinity';
    ELSE
        partition_name := table_name || '_p' || to_char(utc, 'YYYY_MM');
        lower_bound := date_trunc('month', utc) AT TIME ZONE 'UTC';
        upper_bound := (date_trunc('month', utc) + interval '1 month') AT TIME ZONE 'UTC';
    END IF;
END
$$;
COMMENT ON FUNCTION jimo.partition_for(name, timestamptz) IS 'Name and bounds of the partition of a partitioned jimo table that holds an event time (months in UTC)';

-- Create the partitions for these event times (any time in a month will do),
-- and return the retention horizon: ingest rejects events before it.
-- Partitions are created apart and then attached, because ATTACH PARTITION
-- takes a lock on the parent that concurrent inserts do not wait for (CREATE
-- TABLE ... PARTITION OF would stop every ingest until it commits).  Two
-- sessions that need the same new month create it once: the second waits
-- for the first's lock, then finds it.
CREATE FUNCTION jimo.ensure_partitions(event_times timestamptz[])
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE STRICT SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    horizon timestamptz;
    t timestamptz;
    p record;
    tbl record;
    k text;
BEGIN
    SELECT max(upper_bound) INTO horizon FROM jimo.expired_months;
    FOR t IN SELECT DISTINCT u FROM unnest(event_times) AS u
             WHERE u IS NOT NULL AND u >= coalesce(horizon, '-infinity') LOOP
        p := jimo.partition_for('events', t);
        CONTINUE WHEN to_regclass('jimo.' || quote_ident(p.partition_name)) IS NOT NULL;
        -- One creator at a time: SHARE UPDATE EXCLUSIVE on jimo.events
        -- conflicts with itself (and with ATTACH), not with inserts.  Taken
        -- before any month's work, it orders every creator the same way; a
        -- lock per month let two sessions that each needed two new months
        -- deadlock, each holding what the other's ATTACH waited for.
        LOCK TABLE jimo.events IN SHARE UPDATE EXCLUSIVE MODE;
        -- Another session may have created it while we waited.  Read
        -- pg_class itself: this statement's snapshot sees that session's
        -- commit.
        CONTINUE WHEN EXISTS (SELECT FROM pg_class
                              WHERE relname = p.partition_name
                                AND relnamespace = 'jimo'::regnamespace);
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            p := jimo.partition_for(tbl.table_name, t);
            EXECUTE format('CREATE TABLE jimo.%I (LIKE jimo.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMPRESSION)',
                           p.partition_name, tbl.table_name);
            FOR k IN SELECT unnest(tbl.keys) LOOP
                EXECUTE format('ALTER TABLE jimo.%I ADD %s', p.partition_name, k);
            END LOOP;
            FOR k IN SELECT unnest(tbl.indexes) LOOP
                EXECUTE format('CREATE INDEX ON jimo.%I (%s)', p.partition_name, k);
            END LOOP;
            EXECUTE format('ALTER TABLE jimo.%I ATTACH PARTITION jimo.%I FOR VALUES FROM (%s) TO (%s)',
                           tbl.table_name, p.partition_name,
                           CASE WHEN p.lower_bound = '-infinity' THEN 'MINVALUE' ELSE quote_literal(p.lower_bound) END,
                           CASE WHEN p.upper_bound = 'infinity' THEN 'MAXVALUE' ELSE quote_literal(p.upper_bound) END);
        END LOOP;
    END LOOP;
    RETURN horizon;
END
$$;
COMMENT ON FUNCTION jimo.ensure_partitions(timestamptz[]) IS 'Create the monthly partitions that events of these times need (ingest calls it; call it to create months ahead); returns the retention horizon';

-- Drop every month that ended more than the retention ago.
CREATE FUNCTION jimo.expire(retention interval DEFAULT NULL)
    RETURNS SETOF jimo.expired_months
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    keep interval := coalesce(retention,
                              nullif(current_setting('jimo.retention', true), '')::interval);
    cutoff timestamptz;
    part record;
    tbl record;
    row jimo.expired_months;
BEGIN
    IF keep IS NULL THEN
        RAISE EXCEPTION 'jimo: no retention given'
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass one, as in jimo.expire(''400 days''), or set jimo.retention.';
    END IF;
    -- A redelivery of an event whose month is gone is rejected, not stored
    -- again; Jimo retries for about 11 days, so keep well beyond that.
    IF keep < interval '30 days' THEN
        RAISE EXCEPTION 'jimo: a retention of % is too short', keep
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'Jimo redelivers events for about 11 days; a month must outlive that with a margin.',
                  HINT = 'Use at least 30 days.';
    END IF;
    cutoff := date_trunc('month', (now() - keep) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    FOR part IN
        SELECT c.relname AS partition_name,
               greatest(c.reltuples, 0)::bigint AS estimate,
               pg_get_expr(c.relpartbound, c.oid) AS bound
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'jimo.events'::regclass
        ORDER BY 1
    LOOP
        row := NULL;
        row.upper_bound := CASE WHEN part.bound LIKE '%TO (MAXVALUE)' THEN 'infinity'
                                ELSE substring(part.bound FROM 'TO \(''([^'']*)''\)')::timestamptz END;
        CONTINUE WHEN row.upper_bound > cutoff;
        row.lower_bound := CASE WHEN part.bound LIKE 'FOR VALUES FROM (MINVALUE)%' THEN '-infinity'
                                ELSE substring(part.bound FROM 'FROM \(''([^'']*)''\)')::timestamptz END;
        row.expired_at := now();
        row.retention := keep;
        row.events_estimate := part.estimate;
        FOR tbl IN SELECT * FROM jimo.partitioned_tables() LOOP
            EXECUTE format('DROP TABLE IF EXISTS jimo.%I',
                           tbl.table_name || substring(part.partition_name FROM length('events') + 1));
        END LOOP;
        INSERT INTO jimo.expired_months VALUES (row.*)
            ON CONFLICT (lower_bound) DO NOTHING;
        RETURN NEXT row;
    END LOOP;
END
$$;
COMMENT ON FUNCTION jimo.expire(interval) IS 'Drop the months of events (and their survey answers, checklist tasks, post comments and likes) that ended more than the retention ago (default: the jimo.retention setting, at least 30 days); journeys, rollups and latest states are kept. Returns what it removed.';

CREATE VIEW jimo.partitions AS
SELECT p.relname AS table_name,
       c.relname AS partition_name,
       pg_get_expr(c.relpartbound, c.oid) AS bounds,
       greatest(c.reltuples, 0)::bigint AS rows_estimate,
       pg_total_relation_size(c.oid) AS total_bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
JOIN pg_class p ON p.oid = i.inhparent
WHERE p.relnamespace = 'jimo'::regnamespace AND p.relkind = 'p';
COMMENT ON VIEW jimo.partitions IS 'Every monthly partition of the jimo tables, with its bounds and size';
COMMENT ON COLUMN jimo.partitions.table_name IS 'The partitioned table (events, survey_answers, checklist_tasks, post_comments, post_likes)';
COMMENT ON COLUMN jimo.partitions.partition_name IS 'The partition: <table>_pYYYY_MM, <table>_before_2015 or <table>_from_2100';
COMMENT ON COLUMN jimo.partitions.bounds IS 'Its range of event time';
COMMENT ON COLUMN jimo.partitions.rows_estimate IS 'Rows, as estimated by the last VACUUM or ANALYZE';
COMMENT ON COLUMN jimo.partitions.total_bytes IS 'Bytes on disk, indexes and TOAST included';

-- The months the stored events need, then the rows, with their ids.
SELECT jimo.ensure_partitions(ARRAY(
    SELECT DISTINCT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    FROM jimo.old_events));
INSERT INTO jimo.events (id, digest, name, version, occurred_at, received_at,
                         last_received_at, deliveries, experience_uid, jimer_uid,
                         user_uid, project_uid, payload)
    OVERRIDING SYSTEM VALUE
SELECT id, digest, name, version, occurred_at, received_at, last_received_at,
       deliveries, experience_uid, jimer_uid, user_uid, project_uid, payload
FROM jimo.old_events;
SELECT setval('jimo.events_id_seq', last_value, is_called) FROM jimo.old_events_id_seq;
INSERT INTO jimo.survey_answers SELECT * FROM jimo.old_survey_answers;
INSERT INTO jimo.checklist_tasks SELECT * FROM jimo.old_checklist_tasks;
INSERT INTO jimo.post_comments SELECT * FROM jimo.old_post_comments;
INSERT INTO jimo.post_likes SELECT * FROM jimo.old_post_likes;

-- The views now read the new tables (same definitions, same columns, so
-- their comments, grants and the views built on them stay as they are).
DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT * FROM jimo.upgrade_0_3_views LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.view_name, v.definition);
    END LOOP;
END
$$;
DROP TABLE jimo.upgrade_0_3_views;

-- Re-reading a definition from pg_get_viewdef() is not always the text the
-- install script parses: "x BETWEEN 0 AND 10 AND y" is stored as nested ANDs
-- but comes back flattened.  These views are defined again from their source,
-- so that an upgraded database is the same as a fresh one, text included.
CREATE OR REPLACE VIEW jimo.survey_step_scales AS
SELECT
    experience_uid,
    step_uid,
    step_type,
    nps_typed,
    answers,
    numeric_answers,
    scale_min_seen,
    scale_max_seen,
    nps_typed OR (step_type IS NULL AND all_scores AND scale_max_seen > 7) AS is_nps,
    NOT (nps_typed OR (step_type IS NULL AND all_scores AND scale_max_seen > 7))
        AND numeric_answers = answers AS is_rating,
    coalesce(step_type ~* 'choice|select|multiple|single|checkbox|radio|poll', false)
        OR with_choices AS is_choice
FROM (
    SELECT
        a.experience_uid,
        a.step_uid,
        (array_agg(a.step_type ORDER BY a.answered_at DESC, a.step_type)
             FILTER (WHERE a.step_type IS NOT NULL))[1] AS step_type,
        coalesce(bool_or(a.step_type ~* 'nps|net.?promoter'), false) AS nps_typed,
        count(*) AS answers,
        count(a.answer_number) AS numeric_answers,
        bool_and(coalesce(a.answer_number BETWEEN 0 AND 10
                          AND a.answer_number = trunc(a.answer_number), false)) AS all_scores,
        min(a.answer_number) AS scale_min_seen,
        max(a.answer_number) AS scale_max_seen,
        bool_or(a.answer_choices IS NOT NULL) AS with_choices
    FROM jimo.survey_answers a
    GROUP BY a.experience_uid, a.step_uid
) g;
CREATE OR REPLACE VIEW jimo.survey_nps AS
SELECT
    experience_uid,
    title,
    is_deleted,
    step_uid,
    step_title,
    nps_typed,
    responses,
    respondents,
    promoters,
    passives,
    detractors,
    round(100.0 * (promoters - detractors) / responses, 1) AS nps,
    round((1.96 * 100 * sqrt((promoters::numeric / responses + detractors::numeric / responses
                              - ((promoters - detractors)::numeric / responses) ^ 2)
                             / responses))::numeric, 1) AS nps_margin_95,
    project_uid,
    jimo.tag_names(tags) AS tags
FROM (
    SELECT
        a.experience_uid,
        x.title,
        coalesce(x.is_deleted, false) AS is_deleted,
        a.step_uid,
        (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
             FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
        k.nps_typed,
        count(*) FILTER (WHERE s.is_score) AS responses,
        count(DISTINCT a.jimer_uid) FILTER (WHERE s.is_score) AS respondents,
        count(*) FILTER (WHERE s.is_score AND a.answer_number >= 9) AS promoters,
        count(*) FILTER (WHERE s.is_score AND a.answer_number IN (7, 8)) AS passives,
        count(*) FILTER (WHERE s.is_score AND a.answer_number <= 6) AS detractors,
        x.project_uid,
        x.tags
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_nps
     AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM a.step_uid
    CROSS JOIN LATERAL (
        SELECT coalesce(a.answer_number BETWEEN 0 AND 10
                        AND a.answer_number = trunc(a.answer_number), false) AS is_score
    ) s
    LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
    GROUP BY a.experience_uid, x.title, x.is_deleted, a.step_uid, k.nps_typed, x.project_uid, x.tags
) g
WHERE responses > 0;
CREATE OR REPLACE VIEW jimo.survey_nps_trend AS
SELECT
    experience_uid,
    step_uid,
    grain,
    period_start,
    responses,
    promoters,
    passives,
    detractors,
    round(100.0 * (promoters - detractors) / responses, 1) AS nps,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT
        a.experience_uid,
        a.step_uid,
        g.grain,
        date_trunc(g.grain, a.answered_at) AS period_start,
        count(*) AS responses,
        count(*) FILTER (WHERE a.answer_number >= 9) AS promoters,
        count(*) FILTER (WHERE a.answer_number IN (7, 8)) AS passives,
        count(*) FILTER (WHERE a.answer_number <= 6) AS detractors
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_nps
     AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM a.step_uid
    CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
    WHERE a.answer_number BETWEEN 0 AND 10 AND a.answer_number = trunc(a.answer_number)
    GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at)
) t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid;
-- Leaving the extension first takes each old table (and the old sequence) out
-- of the list pg_dump copies rows from; a plain DROP would leave its oid there.
ALTER EXTENSION jimo_webhooks DROP SEQUENCE jimo.old_events_id_seq;
ALTER EXTENSION jimo_webhooks DROP TABLE jimo.old_events;
ALTER EXTENSION jimo_webhooks DROP TABLE jimo.old_survey_answers;
ALTER EXTENSION jimo_webhooks DROP TABLE jimo.old_checklist_tasks;
ALTER EXTENSION jimo_webhooks DROP TABLE jimo.old_post_comments;
ALTER EXTENSION jimo_webhooks DROP TABLE jimo.old_post_likes;
DROP TABLE jimo.old_survey_answers, jimo.old_checklist_tasks, jimo.old_post_comments,
    jimo.old_post_likes, jimo.old_events;

-- Partitions are ordinary tables attached to the extension's (as ingest
-- creates them in a fresh install), not extension members: pg_dump writes
-- them and their rows.
DO $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT c.oid::regclass AS rel
                FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent IN (SELECT ('jimo.' || table_name)::regclass
                                      FROM jimo.partitioned_tables()) LOOP
        EXECUTE format('ALTER EXTENSION jimo_webhooks DROP TABLE %s', part.rel);
    END LOOP;
END
$$;

SELECT pg_catalog.pg_extension_config_dump('jimo.events', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_answers', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.checklist_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_comments', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_likes', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.expired_months', '');

REVOKE ALL ON jimo.events, jimo.survey_answers, jimo.checklist_tasks, jimo.post_comments,
    jimo.post_likes, jimo.expired_months, jimo.partitions FROM PUBLIC;
GRANT SELECT ON jimo.events, jimo.survey_answers, jimo.checklist_tasks, jimo.post_comments,
    jimo.post_likes, jimo.expired_months, jimo.partitions TO jimo_reader;
REVOKE ALL ON FUNCTION jimo.partitioned_tables(), jimo.partition_for(name, timestamptz),
    jimo.ensure_partitions(timestamptz[]), jimo.expire(interval) FROM PUBLIC;
