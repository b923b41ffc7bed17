-- window_closes_at (tour_funnel_daily, funnel_cohorts) closes the window as
-- elapsed time, as the conversion rule counts it (a day 24 hours, a month 30
-- days), not in the session's calendar and TimeZone: with '1 mon' a cohort of
-- Jan 31 was said final on Feb 28 while completions until Mar 2 still
-- converted (QA round 9, test/pgtap/99_window_closes_elapsed.sql).
-- When the conversion window of a first start closes: the start plus
-- jimo.funnel_window as an elapsed duration, a day 24 hours and a month 30
-- days, as interval comparison counts them (journey_conversions compares
-- completed - started with the window). timestamptz + interval adds days and
-- months in the session's TimeZone and calendar instead, so a window of
-- '1 mon' from Jan 31 closed on Feb 28 (conversions counted until Mar 2) and
-- a '1 day' window closed an hour off across a DST change (0.7). A plain SQL
-- function of its arguments: inlined.
CREATE FUNCTION jimo.funnel_window_end(started timestamptz, funnel_window interval)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT started
           + ((extract(year FROM funnel_window) * 12 + extract(month FROM funnel_window)) * 30
              + extract(day FROM funnel_window))::double precision * interval '24 hours'
           + (funnel_window - date_trunc('day', funnel_window))
$$;
COMMENT ON FUNCTION jimo.funnel_window_end(timestamptz, interval) IS
'The moment a conversion window opened at started closes: started plus the window as elapsed time (a day 24 hours, a month 30 days, whatever the session''s TimeZone), the last moment a completion still converts';
REVOKE ALL ON FUNCTION jimo.funnel_window_end(timestamptz, interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.funnel_window_end(timestamptz, interval) TO jimo_reader;

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
        max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
    FROM jimo.journey_conversions c
    WHERE c.experience_uid = k.experience_uid
      AND (c.starts > 0 OR c.completed_without_start)
    GROUP BY 1
) a
WHERE k.type = 'TOUR';

CREATE OR REPLACE VIEW jimo.funnel_cohorts AS
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
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
               max(jimo.funnel_window_end(c.first_started_at, c.funnel_window)) AS window_closes_at
        FROM jimo.journey_conversions c
        WHERE c.experience_uid = k.experience_uid AND c.starts > 0
        GROUP BY 2
) a
WHERE k.type IN ('TOUR', 'SURVEY', 'CHECKLIST');
-- (their Citus forms: 90_citus_views.sql)
