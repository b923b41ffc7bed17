-- 0.13: the funnel cohort cache (sql/install/13_funnel_cohort_cache.sql).
-- Ingest marks the cohorts its journey changes touch once the marks table
-- exists (src/cohort_marks.c asks after writing the journeys).  Writers of
-- jimo.journeys that are in flight now, with a library that found no table,
-- are waited for here: their journeys are then in what the first refresh
-- reads, which computes every cohort (the cache has no state yet).  A
-- distributed database marks nothing (its views read the journeys).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        LOCK TABLE jimo.journeys IN SHARE MODE;
    ELSIF NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'jimo.journeys'::regclass) THEN
        LOCK TABLE jimo.journeys IN SHARE MODE;
    END IF;
END
$$;

-------------------------------------------------------------------------------
-- Funnel cohorts kept between reads (0.13).  tour_funnel_daily and
-- funnel_cohorts show per cohort (UTC day, week or month of a jimer's first
-- start) counts, medians and percentiles of time to complete that depend on
-- the session's jimo.funnel_window, so they cannot be summed from rows kept
-- at ingest: every read computed them from each journey of the cohorts read
-- (a quarter of a second for 30 days at 1M events, seconds at 10M).  The
-- day cohorts also count converted jimers per time-to-complete bucket, which
-- time_to_complete sums per experience.
--
-- jimo.refresh_funnel_cohorts() stores each cohort's row, computed for one
-- window, in jimo.funnel_cohort_cache.  Ingest marks, in the same transaction
-- as the journeys it changes, the range of cohort days each change can move
-- a journey into or out of (jimo.funnel_cohort_marks, src/cohort_marks.c).
-- The views read a cached cohort only while no mark covers it and the
-- session's window is the one it was computed for; every other cohort they
-- compute from the journeys, as before.  So a view is exact whatever runs
-- when: a refresh only decides how much of it is a read of stored rows.
--
-- A refresh deletes only the marks it read, each at the version it read
-- (xact: the transaction that last wrote it): a mark a concurrent ingest
-- writes or rewrites meanwhile stays, and so does the staleness it stands
-- for.  Marks carry the writer's slot (backend id modulo 16, as
-- jimo.delivery_days does) so that concurrent writers to one experience and
-- day do not queue on one row.
-------------------------------------------------------------------------------

CREATE TABLE jimo.funnel_cohort_marks (
    experience_uid  uuid NOT NULL,
    from_day        date NOT NULL,
    to_day          date NOT NULL,
    slot            smallint NOT NULL,
    xact            xid8 NOT NULL,
    PRIMARY KEY (experience_uid, from_day, to_day, slot)
);
COMMENT ON TABLE jimo.funnel_cohort_marks IS 'Cohort days whose journeys changed since jimo.refresh_funnel_cohorts() last read them, maintained at ingest: the views compute those cohorts from the journeys instead of reading jimo.funnel_cohort_cache';
COMMENT ON COLUMN jimo.funnel_cohort_marks.from_day IS 'First UTC cohort day (of a first start, or of a first completion without a start) that may have changed';
COMMENT ON COLUMN jimo.funnel_cohort_marks.to_day IS 'Last such day (inclusive)';
COMMENT ON COLUMN jimo.funnel_cohort_marks.slot IS 'Writer slot (backend id modulo 16), so that concurrent writers do not wait on one row';
COMMENT ON COLUMN jimo.funnel_cohort_marks.xact IS 'The transaction that last wrote the mark: a refresh deletes a mark only at the version it read';

CREATE TABLE jimo.funnel_cohort_cache (
    experience_uid              uuid NOT NULL,
    grain                       text NOT NULL CHECK (grain IN ('day', 'week', 'month')),
    cohort_start                date NOT NULL,
    cohort_end                  date NOT NULL,
    started_jimers              bigint NOT NULL,
    completed_jimers            bigint NOT NULL,
    median_seconds_to_complete  double precision,
    p90_seconds_to_complete     double precision,
    completed_without_start     bigint NOT NULL,
    first_activity_at           timestamptz,
    last_activity_at            timestamptz,
    window_closes_at            timestamptz,
    completed_by_bucket         bigint[] NOT NULL,
    PRIMARY KEY (experience_uid, grain, cohort_start)
);
COMMENT ON TABLE jimo.funnel_cohort_cache IS 'One row per experience, grain and cohort as jimo.refresh_funnel_cohorts() last computed it from the journeys, for the window in jimo.funnel_cohort_state; read by tour_funnel_daily and funnel_cohorts for the cohorts no mark covers';
COMMENT ON COLUMN jimo.funnel_cohort_cache.cohort_end IS 'First day after the cohort';
COMMENT ON COLUMN jimo.funnel_cohort_cache.completed_by_bucket IS 'Converted jimers per time-to-complete bucket of jimo.time_to_complete (7 counts, fastest first)';

CREATE TABLE jimo.funnel_cohort_state (
    single          boolean PRIMARY KEY DEFAULT true CHECK (single),
    funnel_window   interval NOT NULL,
    refreshed_at    timestamptz NOT NULL
);
COMMENT ON TABLE jimo.funnel_cohort_state IS 'The conversion window jimo.funnel_cohort_cache was computed for, and when: no row until the first jimo.refresh_funnel_cohorts(), and the views then read no cached cohort';

SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_marks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_cache', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_state', '');
