-------------------------------------------------------------------------------
-- Cohorts, time to complete and the jimer dimension: what a product team asks
-- first. Built on jimo.journey_conversions (one row per jimer x experience),
-- so the conversion rule is the funnels' own. Each row carries the
-- experience's project and tag names, so a dashboard filters or groups by
-- them without a join.
-------------------------------------------------------------------------------

-- Medians cannot be summed from daily rows, so each grain is computed from
-- the journeys themselves. Cohorts are UTC days, weeks and months, each the
-- very expression an index of jimo.journeys holds (12_rollups.sql), per
-- experience: a filter on cohort_start is a range of that index, not a read
-- of every journey. (For started journeys coalesce(first_started_at, ...) is
-- first_started_at; it is written so to share tour_funnel_daily's index.)
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
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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
               jimo.funnel_window_end(max(c.first_started_at), max(c.funnel_window)) AS window_closes_at
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

-- Each converted journey is put in its bucket once (width_bucket over the
-- buckets' lower bounds), and the buckets are counted per experience in the
-- same pass; the experiences listed are those counted.  Only journeys with a
-- start and a completion can have converted, so the others are left out
-- before the conversion rule is worked out (0.6 worked it out for every
-- journey and read the converted ones twice: 112-123 against 91 ms at 1M
-- events).  Citus keeps the 0.6 form (55_citus_views.sql).
CREATE VIEW jimo.time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket_index,
           count(*) AS jimers
    FROM jimo.journey_conversions c
    WHERE c.converted AND c.starts > 0 AND c.completions > 0
    GROUP BY 1, 2
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0) AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT DISTINCT experience_uid FROM counts) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
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
    coalesce(j.experiences, 0) AS experiences,
    coalesce(j.started, 0) AS experiences_started,
    coalesce(j.completed, 0) AS experiences_completed
FROM jimo.jimers jm
LEFT JOIN (
    SELECT jimer_uid,
           count(*) AS experiences,
           count(*) FILTER (WHERE starts > 0) AS started,
           count(*) FILTER (WHERE completions > 0) AS completed
    FROM jimo.journeys
    GROUP BY jimer_uid
) j ON j.jimer_uid = jm.uid;

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
