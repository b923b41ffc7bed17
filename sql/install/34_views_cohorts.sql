-------------------------------------------------------------------------------
-- Cohorts, time to complete and the jimer dimension: what a product team asks
-- first. Built on jimo.journey_conversions (one row per jimer x experience),
-- so the conversion rule is the funnels' own. Each row carries the
-- experience's project and tag names, so a dashboard filters or groups by
-- them without a join.
-------------------------------------------------------------------------------

-- The cohorts of one experience at one grain, computed from its journeys:
-- the cohorts whose first day is in [since, until).  Cohorts are UTC days,
-- weeks (from Monday) and months of each journey's first start, or of its
-- first completion when it has none (completed_without_start); each is the
-- very expression an index of jimo.journeys holds (12_rollups.sql), so a
-- range of cohorts is a range of that index.  One branch per grain, only one
-- of which runs.  Medians cannot be summed from smaller cohorts: each grain
-- is computed from the journeys themselves.  Inlined (a SQL function of its
-- arguments): a filter on cohort_start in the view narrows the range read.
-- completed_by_bucket counts the converted jimers per bucket of
-- time_to_complete (seconds_to_complete is NULL unless converted).
CREATE FUNCTION jimo.cohorts_from_journeys(experience uuid, grain text,
                                           since date DEFAULT '-infinity',
                                           until date DEFAULT 'infinity')
    RETURNS TABLE (cohort_start date, cohort_end date,
                   started_jimers bigint, completed_jimers bigint,
                   median_seconds_to_complete double precision,
                   p90_seconds_to_complete double precision,
                   completed_without_start bigint,
                   first_activity_at timestamptz, last_activity_at timestamptz,
                   window_closes_at timestamptz, completed_by_bucket bigint[])
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT a.cohort_start,
           CASE cohorts_from_journeys.grain
               WHEN 'day' THEN a.cohort_start + 1
               WHEN 'week' THEN a.cohort_start + 7
               ELSE (a.cohort_start + interval '1 month')::date
           END,
           count(*) FILTER (WHERE a.starts > 0),
           count(*) FILTER (WHERE a.converted),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.seconds_to_complete),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY a.seconds_to_complete),
           count(*) FILTER (WHERE a.completed_without_start),
           min(a.first_activity_at),
           max(a.last_activity_at),
           jimo.funnel_window_end(max(a.first_started_at), max(a.funnel_window)),
           ARRAY[count(*) FILTER (WHERE a.bucket = 1), count(*) FILTER (WHERE a.bucket = 2),
                 count(*) FILTER (WHERE a.bucket = 3), count(*) FILTER (WHERE a.bucket = 4),
                 count(*) FILTER (WHERE a.bucket = 5), count(*) FILTER (WHERE a.bucket = 6),
                 count(*) FILTER (WHERE a.bucket = 7)]
    FROM (
        SELECT (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date AS cohort_start,
               c.starts, c.converted, c.seconds_to_complete, c.completed_without_start,
               c.first_activity_at, c.last_activity_at, c.first_started_at, c.funnel_window,
               width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket
          FROM jimo.journey_conversions c
         WHERE cohorts_from_journeys.grain = 'day'
           AND c.experience_uid = cohorts_from_journeys.experience
           AND (c.starts > 0 OR c.completed_without_start)
           AND (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date >= cohorts_from_journeys.since
           AND (coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date < cohorts_from_journeys.until
        UNION ALL
        SELECT date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               c.starts, c.converted, c.seconds_to_complete, c.completed_without_start,
               c.first_activity_at, c.last_activity_at, c.first_started_at, c.funnel_window,
               width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket
          FROM jimo.journey_conversions c
         WHERE cohorts_from_journeys.grain = 'week'
           AND c.experience_uid = cohorts_from_journeys.experience
           AND (c.starts > 0 OR c.completed_without_start)
           AND date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date >= cohorts_from_journeys.since
           AND date_trunc('week', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date < cohorts_from_journeys.until
        UNION ALL
        SELECT date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date,
               c.starts, c.converted, c.seconds_to_complete, c.completed_without_start,
               c.first_activity_at, c.last_activity_at, c.first_started_at, c.funnel_window,
               width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket
          FROM jimo.journey_conversions c
         WHERE cohorts_from_journeys.grain = 'month'
           AND c.experience_uid = cohorts_from_journeys.experience
           AND (c.starts > 0 OR c.completed_without_start)
           AND date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date >= cohorts_from_journeys.since
           AND date_trunc('month', coalesce(c.first_started_at, c.first_completed_at) AT TIME ZONE 'UTC')::date < cohorts_from_journeys.until
    ) a
    GROUP BY a.cohort_start
$$;
COMMENT ON FUNCTION jimo.cohorts_from_journeys(uuid, text, date, date) IS
'Internal: the funnel cohorts (grain day, week or month) of one experience whose first day is in [since, until), computed from its journeys with the session''s jimo.funnel_window; what tour_funnel_daily and funnel_cohorts show, and what jimo.refresh_funnel_cohorts() stores';

-- The cached cohorts can be read while the session's window is the one they
-- were computed for.
CREATE FUNCTION jimo.funnel_cohort_cache_usable() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT EXISTS (SELECT FROM jimo.funnel_cohort_state s
                    WHERE s.funnel_window = coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                                                     '14 days')::interval)
$$;
COMMENT ON FUNCTION jimo.funnel_cohort_cache_usable() IS
'Internal: whether jimo.funnel_cohort_cache was computed for the session''s jimo.funnel_window';

-- The whole cohorts of a grain that the days [from_day, to_day] fall in.
CREATE FUNCTION jimo.cohort_days(grain text, from_day date, to_day date)
    RETURNS daterange
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE grain
               WHEN 'day' THEN daterange(from_day, to_day, '[]')
               WHEN 'week' THEN daterange(date_trunc('week', from_day::timestamp)::date,
                                          date_trunc('week', to_day::timestamp)::date + 7)
               ELSE daterange(date_trunc('month', from_day::timestamp)::date,
                              (date_trunc('month', to_day::timestamp) + interval '1 month')::date)
           END
$$;
COMMENT ON FUNCTION jimo.cohort_days(text, date, date) IS
'Internal: the first days of the cohorts of a grain (day, week, month) that cover the days from_day .. to_day';

-- The ranges of a multirange, as unnest() gives them, but estimated at two
-- rows rather than unnest's default of 100: the planner multiplied the cost
-- of computing a cohort range from the journeys by 100 per experience and
-- grain, enough at 10M events to switch JIT on for a read of milliseconds.
-- STRICT, so not inlined (and not called at all for an experience without
-- marks, whose range_agg is NULL).
CREATE FUNCTION jimo.date_ranges(ranges datemultirange) RETURNS SETOF daterange
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 2
AS $$
    SELECT unnest(ranges)
$$;
COMMENT ON FUNCTION jimo.date_ranges(datemultirange) IS
'Internal: the ranges of a multirange, as unnest(), estimated at two rows';

-- The first days of a grain's cohorts that a view must compute from the
-- journeys, as disjoint [since, until) ranges: every day when the cache
-- cannot be read, else the days of the marks, widened to whole cohorts of
-- the grain and merged (range_agg), so that no journey is read twice.
CREATE FUNCTION jimo.stale_cohort_ranges(experience uuid, grain text)
    RETURNS TABLE (since date, until date)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT '-infinity'::date, 'infinity'::date
     WHERE NOT jimo.funnel_cohort_cache_usable()
    UNION ALL
    SELECT lower(r), upper(r)
      FROM jimo.date_ranges((SELECT range_agg(jimo.cohort_days(stale_cohort_ranges.grain, m.from_day, m.to_day))
                               FROM jimo.funnel_cohort_marks m
                              WHERE m.experience_uid = stale_cohort_ranges.experience)) r
     WHERE jimo.funnel_cohort_cache_usable()
$$;
COMMENT ON FUNCTION jimo.stale_cohort_ranges(uuid, text) IS
'Internal: the ranges of cohort first days of one experience and grain that tour_funnel_daily and funnel_cohorts compute from the journeys rather than read from jimo.funnel_cohort_cache';

-- One experience's cohorts at one grain, as the views show them: cached
-- cohorts that no mark covers, and the rest computed from the journeys.
-- The two branches are disjoint: a cohort [start, end) is covered by a mark
-- [from, to] exactly when from < end and to >= start, which is when its
-- start is in the mark's widened range.
CREATE FUNCTION jimo.funnel_cohort_rows(experience uuid, grain text)
    RETURNS TABLE (cohort_start date, cohort_end date,
                   started_jimers bigint, completed_jimers bigint,
                   median_seconds_to_complete double precision,
                   p90_seconds_to_complete double precision,
                   completed_without_start bigint,
                   first_activity_at timestamptz, last_activity_at timestamptz,
                   window_closes_at timestamptz, completed_by_bucket bigint[])
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT d.cohort_start, d.cohort_end, d.started_jimers, d.completed_jimers,
           d.median_seconds_to_complete, d.p90_seconds_to_complete,
           d.completed_without_start, d.first_activity_at, d.last_activity_at,
           d.window_closes_at, d.completed_by_bucket
      FROM jimo.funnel_cohort_cache d
     WHERE d.experience_uid = funnel_cohort_rows.experience
       AND d.grain = funnel_cohort_rows.grain
       AND jimo.funnel_cohort_cache_usable()
       AND NOT EXISTS (SELECT FROM jimo.funnel_cohort_marks m
                        WHERE m.experience_uid = funnel_cohort_rows.experience
                          AND m.from_day < d.cohort_end AND m.to_day >= d.cohort_start)
    UNION ALL
    SELECT c.*
      FROM jimo.stale_cohort_ranges(funnel_cohort_rows.experience, funnel_cohort_rows.grain) r
     CROSS JOIN LATERAL jimo.cohorts_from_journeys(funnel_cohort_rows.experience,
                                                   funnel_cohort_rows.grain, r.since, r.until) c
$$;
COMMENT ON FUNCTION jimo.funnel_cohort_rows(uuid, text) IS
'Internal: the funnel cohorts of one experience at one grain (day, week, month), read from jimo.funnel_cohort_cache where no journey changed since the last jimo.refresh_funnel_cohorts(), computed from the journeys elsewhere';

-- The cohorts a set of marks covers, per experience and grain, as disjoint
-- ranges of first days.
CREATE FUNCTION jimo.marked_cohort_ranges(marks jimo.funnel_cohort_marks[])
    RETURNS TABLE (experience_uid uuid, grain text, days daterange)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT m.experience_uid, g.grain,
           unnest(range_agg(jimo.cohort_days(g.grain, m.from_day, m.to_day)))
      FROM unnest(marks) m
     CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
     GROUP BY m.experience_uid, g.grain
$$;
COMMENT ON FUNCTION jimo.marked_cohort_ranges(jimo.funnel_cohort_marks[]) IS
'Internal: the first days of the cohorts that a set of marks covers, per experience and grain, as disjoint ranges';

-- Store every cohort the marks cover (every cohort, the first time or when
-- the session's window differs from the cache's), then delete the marks
-- read, each only at the version read: a mark an ingest rewrote meanwhile
-- (its xact differs) stays, and so does the staleness it stands for.  A
-- mark an ingest in flight holds is skipped, not waited for (SKIP LOCKED):
-- that ingest is rewriting it.  Waiting made a cycle: the DELETE, in the
-- order of its join, waited for a mark an ingest had rewritten, while that
-- ingest, in key order, waited to insert a mark the DELETE had removed
-- (test/integration/refresh_during_ingest.sh lost a call to the deadlock).
-- The marks are read first; the journeys are read by later statements of
-- this transaction (READ COMMITTED), so they hold every change whose mark
-- was read, and possibly more.  One refresh at a time; the views do not
-- wait for it, ingest only to insert a mark the refresh is deleting.
CREATE FUNCTION jimo.refresh_funnel_cohorts(OUT cohorts bigint, OUT marks bigint,
                                            OUT full_refresh boolean)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
    -- the marks' ranges are unnested from an array the planner cannot see
    -- into: its estimates switched JIT on, which then spent 1.7 s compiling
    -- a refresh of a few milliseconds
    SET jit = off
AS $$
DECLARE
    w interval := coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                           '14 days')::interval;
    seen jimo.funnel_cohort_marks[];
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        IF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'jimo.journeys'::regclass) THEN
            RAISE EXCEPTION 'jimo.refresh_funnel_cohorts() is not used on a distributed database'
                USING ERRCODE = 'feature_not_supported',
                      HINT = 'On Citus, tour_funnel_daily and funnel_cohorts read the journeys on the workers on every read.';
        END IF;
    END IF;
    LOCK TABLE jimo.funnel_cohort_cache IN SHARE ROW EXCLUSIVE MODE;
    SELECT coalesce(array_agg(m), '{}') INTO seen FROM jimo.funnel_cohort_marks m;
    marks := cardinality(seen);
    full_refresh := NOT EXISTS (SELECT FROM jimo.funnel_cohort_state s WHERE s.funnel_window = w);
    IF full_refresh THEN
        DELETE FROM jimo.funnel_cohort_cache;
        INSERT INTO jimo.funnel_cohort_cache
        SELECT x.experience_uid, g.grain, c.*
          FROM (SELECT DISTINCT j.experience_uid FROM jimo.journeys j
                 WHERE coalesce(j.first_started_at, j.first_completed_at) IS NOT NULL) x
         CROSS JOIN (VALUES ('day'), ('week'), ('month')) g(grain)
         CROSS JOIN LATERAL jimo.cohorts_from_journeys(x.experience_uid, g.grain) c;
        GET DIAGNOSTICS cohorts = ROW_COUNT;
    ELSE
        DELETE FROM jimo.funnel_cohort_cache d
         USING jimo.marked_cohort_ranges(seen) r
         WHERE d.experience_uid = r.experience_uid AND d.grain = r.grain
           AND d.cohort_start <@ r.days;
        INSERT INTO jimo.funnel_cohort_cache
        SELECT r.experience_uid, r.grain, c.*
          FROM jimo.marked_cohort_ranges(seen) r
         CROSS JOIN LATERAL jimo.cohorts_from_journeys(r.experience_uid, r.grain,
                                                       lower(r.days), upper(r.days)) c;
        GET DIAGNOSTICS cohorts = ROW_COUNT;
    END IF;
    INSERT INTO jimo.funnel_cohort_state (single, funnel_window, refreshed_at)
    VALUES (true, w, clock_timestamp())
    ON CONFLICT (single) DO UPDATE SET funnel_window = excluded.funnel_window,
                                       refreshed_at = excluded.refreshed_at;
    DELETE FROM jimo.funnel_cohort_marks
     WHERE ctid = ANY (ARRAY(
           SELECT m.ctid
             FROM jimo.funnel_cohort_marks m
             JOIN unnest(seen) s
               ON m.experience_uid = s.experience_uid AND m.from_day = s.from_day
              AND m.to_day = s.to_day AND m.slot = s.slot AND m.xact = s.xact
              FOR UPDATE OF m SKIP LOCKED));
END
$$;
COMMENT ON FUNCTION jimo.refresh_funnel_cohorts() IS
'Store in jimo.funnel_cohort_cache the funnel cohorts whose journeys changed since the last refresh (all of them the first time, or when the session''s jimo.funnel_window differs from the cache''s), for tour_funnel_daily and funnel_cohorts to read instead of computing them; jimo-receiver runs it every --refresh-cohorts seconds (300), else run it from cron or pg_cron, and after a bulk load. The views are exact without it, only slower. Returns the cohorts stored, the marks consumed and whether every cohort was computed';

-- One cohort per UTC day of first starts and tour.  A filter on day is
-- pushed into both branches of jimo.funnel_cohort_rows(): a range of the
-- cache's key, and of the journeys' day index for the days computed.
CREATE VIEW jimo.tour_funnel_daily AS
SELECT
    a.cohort_start AS day,
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
CROSS JOIN LATERAL jimo.funnel_cohort_rows(k.experience_uid, 'day') a
WHERE k.type = 'TOUR';

COMMENT ON VIEW jimo.tour_funnel_daily IS
'jimo.tour_funnel by day of each jimer''s first start (one cohort per day and tour): conversion over time, same conversion rule. A day''s numbers are final once window_closes_at has passed. Days that no journey change has touched since jimo.refresh_funnel_cohorts() last ran are read from jimo.funnel_cohort_cache (0.13), the others computed from the journeys: the same numbers either way. Days are UTC days whatever the session''s TimeZone (0.2: the session''s zone), and a filter on day reads only the journeys of those days (an index range of jimo.journeys per tour). Jimers who completed without any start are counted on the day of their first completion, in completed_without_start only. Summed over days, started_jimers, completed_jimers and completed_without_start give tour_funnel''s.';
COMMENT ON COLUMN jimo.tour_funnel_daily.day IS 'UTC day of the jimers'' first tour.started (for completed_without_start: of their first tour.completed)';
COMMENT ON COLUMN jimo.tour_funnel_daily.experience_uid IS 'The tour';
COMMENT ON COLUMN jimo.tour_funnel_daily.title IS 'Title of the tour (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel_daily.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel_daily.is_deleted IS 'True once the tour was deleted';
COMMENT ON COLUMN jimo.tour_funnel_daily.started_jimers IS 'Jimers whose first start was on this day';
COMMENT ON COLUMN jimo.tour_funnel_daily.completed_jimers IS 'Of those, jimers who completed within the conversion window after their first start';
COMMENT ON COLUMN jimo.tour_funnel_daily.conversion_rate IS 'completed_jimers / started_jimers (0..1, 4 decimals; NULL without starts)';
COMMENT ON COLUMN jimo.tour_funnel_daily.drop_off_jimers IS 'started_jimers - completed_jimers';
COMMENT ON COLUMN jimo.tour_funnel_daily.median_seconds_to_complete IS 'Median seconds from first start to completion, over the converted jimers of the day';
COMMENT ON COLUMN jimo.tour_funnel_daily.p90_seconds_to_complete IS '90th percentile (interpolated) of the same';
COMMENT ON COLUMN jimo.tour_funnel_daily.completed_without_start IS 'Jimers whose first tour.completed was on this day and who have no tour.started at all';
COMMENT ON COLUMN jimo.tour_funnel_daily.first_activity_at IS 'Earliest interaction of the day''s jimers with the tour (any day)';
COMMENT ON COLUMN jimo.tour_funnel_daily.last_activity_at IS 'Latest interaction of the day''s jimers with the tour (any day)';
COMMENT ON COLUMN jimo.tour_funnel_daily.window_closes_at IS 'When the conversion window of the day''s last starter closes: until then completed_jimers may still grow';
COMMENT ON COLUMN jimo.tour_funnel_daily.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel_daily.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';

-- Started cohorts only (a cohort of jimers who only completed is left out),
-- each grain from jimo.funnel_cohort_rows(); a filter on grain leaves the
-- other two branches out, one on cohort_start narrows each range read.
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
        SELECT 'day'::text AS grain, r.* FROM jimo.funnel_cohort_rows(k.experience_uid, 'day') r
    UNION ALL
        SELECT 'week'::text, r.* FROM jimo.funnel_cohort_rows(k.experience_uid, 'week') r
    UNION ALL
        SELECT 'month'::text, r.* FROM jimo.funnel_cohort_rows(k.experience_uid, 'month') r
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST') AND a.started_jimers > 0;

COMMENT ON VIEW jimo.funnel_cohorts IS
'Started -> completed funnel of every tour, survey and checklist by cohort: the UTC day, week (from Monday) or month of each jimer''s first start, whatever the session''s TimeZone (0.2: the session''s zone, and cohort_start a timestamptz); filter on grain. A filter on cohort_start reads only the journeys of those cohorts (an index range per experience). Same conversion rule as jimo.tour_funnel (completion within jimo.funnel_window after the first start); medians and percentiles are computed per cohort, never from smaller cohorts. A cohort''s numbers are final once window_closes_at has passed. Cohorts that no journey change has touched since jimo.refresh_funnel_cohorts() last ran are read from jimo.funnel_cohort_cache (0.13), the others computed from the journeys: the same numbers either way.';
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

-- The buckets are counted per day cohort, with the cohorts' other numbers
-- (cohorts_from_journeys), and summed here per experience: counts add up
-- over cohorts, unlike medians.  So once the cache can be read,
-- time_to_complete reads the cached day cohorts where no journey changed
-- since the last refresh, and computes the others from the journeys, as
-- tour_funnel_daily does (0.13: 40 against 150 ms at 1M events).  Until
-- then it puts each converted journey in its bucket, as 0.12 did: computing
-- every day cohort whole for that was 2.6 times slower.  The experiences
-- listed are those with a conversion.  Citus keeps the 0.6 form
-- (55_citus_views.sql).  The counts are a function of their own, not
-- inlined (SET): written in the view, the estimates of both forms (the one
-- without the cache reads every journey, 3M at 10M events) were part of the
-- view's plan whichever form runs, enough to switch JIT on, which then spent
-- 1.8 s compiling a read of 56 ms (0.14).  The function is planned when it
-- runs, each form only when it is the one that runs.
CREATE FUNCTION jimo.time_to_complete_counts()
    RETURNS TABLE (experience_uid uuid, bucket_index integer, jimers bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET jit = off
AS $$
    SELECT k.experience_uid, n.bucket_index::integer, sum(n.jimers)::bigint
    FROM jimo.all_experiences k
    CROSS JOIN LATERAL jimo.funnel_cohort_rows(k.experience_uid, 'day') r
    CROSS JOIN LATERAL unnest(r.completed_by_bucket) WITH ORDINALITY AS n(jimers, bucket_index)
    WHERE jimo.funnel_cohort_cache_usable() AND r.completed_jimers > 0
    GROUP BY 1, 2
    UNION ALL
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1,
           count(*)
    FROM jimo.journey_conversions c
    WHERE NOT jimo.funnel_cohort_cache_usable() AND c.converted AND c.starts > 0 AND c.completions > 0
    GROUP BY 1, 2
$$;
COMMENT ON FUNCTION jimo.time_to_complete_counts() IS
'Internal: the converted jimers of each experience per bucket of jimo.time_to_complete, summed over the day cohorts (cached where no journey changed since the last jimo.refresh_funnel_cohorts()) when the cache can be read, else counted from the journeys';

CREATE VIEW jimo.time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT * FROM jimo.time_to_complete_counts()
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    k.project_uid,
    k.tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0)::bigint AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT experience_uid FROM counts GROUP BY 1 HAVING sum(jimers) > 0) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;

COMMENT ON VIEW jimo.time_to_complete IS
'How long converted jimers took from their first start to completion, per experience (tours, surveys, checklists with at least one conversion) in fixed buckets: < 10 s, 10 s - 1 min, 1 - 5 min, 5 - 30 min, 30 min - 1 h, 1 h - 1 d, 1 d or more (each includes its lower bound). Every bucket has a row, empty ones with 0. Same conversion rule as the funnels.';
COMMENT ON COLUMN jimo.time_to_complete.experience_uid IS 'The tour, survey or checklist';
COMMENT ON COLUMN jimo.time_to_complete.type IS 'TOUR, SURVEY or CHECKLIST';
COMMENT ON COLUMN jimo.time_to_complete.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.time_to_complete.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.time_to_complete.tags IS 'Tag names of the experience (latest snapshot)';
COMMENT ON COLUMN jimo.time_to_complete.bucket_index IS 'Order of the bucket, 1 (fastest) to 7';
COMMENT ON COLUMN jimo.time_to_complete.bucket IS 'The bucket, e.g. ''1 - 5 min''';
COMMENT ON COLUMN jimo.time_to_complete.completed_jimers IS 'Converted jimers whose time to complete falls in the bucket';
COMMENT ON COLUMN jimo.time_to_complete.share IS 'completed_jimers / all converted jimers of the experience (4 decimals)';

-- The counts of journeys are kept at ingest (14_jimer_journey_counts.sql,
-- 0.14): before, a GROUP BY over every journey on each read.  Citus counts
-- the journeys (55_citus_views.sql).
CREATE VIEW jimo.jimer_dimension AS
SELECT
    jm.uid AS jimer_uid,
    jm.identify_token,
    jm.email,
    jm.username,
    jm.project_uid,
    jm.created_at,
    jm.last_activity_at,
    jm.first_event_at,
    jm.state_at AS last_event_at,
    coalesce(j.experiences, 0)::bigint AS experiences,
    coalesce(j.started, 0)::bigint AS experiences_started,
    coalesce(j.completed, 0)::bigint AS experiences_completed
FROM jimo.jimers jm
LEFT JOIN jimo.jimer_journey_counts j ON j.jimer_uid = jm.uid;

COMMENT ON VIEW jimo.jimer_dimension IS
'One row per jimer, to segment any view by the customer''s own user id (identify_token, hash-indexed for joins) or email: join it on jimer_uid, then to your own user table on identify_token, e.g. SELECT u.plan, count(*) FROM jimo.journey_conversions c JOIN jimo.jimer_dimension d USING (jimer_uid) JOIN app.users u ON u.id::text = d.identify_token WHERE c.converted GROUP BY u.plan. Anonymous jimers have no identify_token.';
COMMENT ON COLUMN jimo.jimer_dimension.jimer_uid IS 'The jimer (join key of every jimo view)';
COMMENT ON COLUMN jimo.jimer_dimension.identify_token IS 'The customer''s own user id as passed to Jimo''s identify call (NULL when anonymous)';
COMMENT ON COLUMN jimo.jimer_dimension.email IS 'Email as sent (latest state)';
COMMENT ON COLUMN jimo.jimer_dimension.username IS 'Username as sent (latest state)';
COMMENT ON COLUMN jimo.jimer_dimension.project_uid IS 'Jimo project (latest state)';
COMMENT ON COLUMN jimo.jimer_dimension.created_at IS 'When Jimo first saw the jimer (createdAt as sent)';
COMMENT ON COLUMN jimo.jimer_dimension.last_activity_at IS 'lastActivityAt as sent with the newest event';
COMMENT ON COLUMN jimo.jimer_dimension.first_event_at IS 'Time of the earliest event about the jimer';
COMMENT ON COLUMN jimo.jimer_dimension.last_event_at IS 'Time of the newest event about the jimer';
COMMENT ON COLUMN jimo.jimer_dimension.experiences IS 'Experiences the jimer interacted with';
COMMENT ON COLUMN jimo.jimer_dimension.experiences_started IS 'Of those, started (tours, surveys, checklists)';
COMMENT ON COLUMN jimo.jimer_dimension.experiences_completed IS 'Of those, completed';
