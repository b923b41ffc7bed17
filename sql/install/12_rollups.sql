-------------------------------------------------------------------------------
-- Daily rollups, kept current at ingest (src/rollups.c) like journeys: every
-- column is a min, max or count over stored events, so redeliveries and
-- arrival order change nothing. Per-day views read these by a range of days
-- instead of reading every row of jimo.events. Days are UTC days: a rollup
-- fixes its day boundaries when it is written, and a fixed zone is what lets
-- a date filter become a range of the primary key (which starts with day).
-------------------------------------------------------------------------------

CREATE TABLE jimo.seen_days (
    day              date NOT NULL,
    experience_uid   uuid NOT NULL,
    jimer_uid        uuid NOT NULL,
    views            integer NOT NULL,
    first_seen_at    timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    event_prefix     text COLLATE "C" NOT NULL,
    PRIMARY KEY (day, experience_uid, jimer_uid)
) WITH (fillfactor = 90);
-- "Did this jimer see it on an earlier day?" (new jimers per day) is one probe.
CREATE INDEX seen_days_jimer_idx ON jimo.seen_days (experience_uid, jimer_uid, day);
COMMENT ON TABLE jimo.seen_days IS 'One row per UTC day, experience and jimer with *.seen events (the events jimo.journeys counts as views), maintained at ingest';
COMMENT ON COLUMN jimo.seen_days.day IS 'UTC day of the events';
COMMENT ON COLUMN jimo.seen_days.views IS 'Distinct *.seen events of the jimer that day';
COMMENT ON COLUMN jimo.seen_days.first_seen_at IS 'First of them';
COMMENT ON COLUMN jimo.seen_days.last_seen_at IS 'Latest of them';
COMMENT ON COLUMN jimo.seen_days.event_prefix IS 'Event name prefix (hint, banner, ...): the type when the experience object carries none';

CREATE TABLE jimo.seen_day_totals (
    day              date NOT NULL,
    experience_uid   uuid NOT NULL,
    unique_jimers    integer NOT NULL,
    views            integer NOT NULL,
    new_jimers       integer NOT NULL,
    first_seen_at    timestamptz,
    last_seen_at     timestamptz,
    event_prefix     text COLLATE "C",
    PRIMARY KEY (day, experience_uid)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.seen_day_totals IS 'One row per UTC day and experience with *.seen events: what experience_reach_daily shows, maintained at ingest from jimo.seen_days';
COMMENT ON COLUMN jimo.seen_day_totals.unique_jimers IS 'Jimers who saw it that day (rows of jimo.seen_days)';
COMMENT ON COLUMN jimo.seen_day_totals.views IS 'Distinct *.seen events that day';
COMMENT ON COLUMN jimo.seen_day_totals.new_jimers IS 'Jimers whose first day of seeing it is this day';
COMMENT ON COLUMN jimo.seen_day_totals.first_seen_at IS 'First view of the day';
COMMENT ON COLUMN jimo.seen_day_totals.last_seen_at IS 'Latest view of the day';
COMMENT ON COLUMN jimo.seen_day_totals.event_prefix IS 'Smallest event name prefix (hint, banner, ...): the type when the experience object carries none';

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

-------------------------------------------------------------------------------
-- Journeys by UTC day, week and month of their first start, per experience:
-- the cohorts of tour_funnel_daily and funnel_cohorts are these very
-- expressions, so a filter on their day or cohort_start is a range of one of
-- these indexes instead of a read of every journey. They hold only
-- first_started_at and first_completed_at, which a journey sets once and
-- rarely moves, so most journey updates stay HOT and touch none of them.
-- Only journeys in a cohort (started, or completed without a start) are in
-- them (0.7): those only seen, liked or commented (banners, hints, posts)
-- were most of their entries, written at ingest and read by nobody. A filter
-- on the cohort's day, week or month implies the predicate (the expression
-- is strict in it), so it still reads a range of these.
-------------------------------------------------------------------------------

CREATE INDEX journeys_first_day_idx ON jimo.journeys
    (experience_uid, ((coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
    WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
CREATE INDEX journeys_first_week_idx ON jimo.journeys
    (experience_uid, (date_trunc('week', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
    WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
CREATE INDEX journeys_first_month_idx ON jimo.journeys
    (experience_uid, (date_trunc('month', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
    WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
