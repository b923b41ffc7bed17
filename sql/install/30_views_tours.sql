-------------------------------------------------------------------------------
-- BI views. They read jimo.journeys (one row per jimer x experience, kept at
-- ingest) and the fact tables, never every row of jimo.events: the only reads
-- of jimo.events are
--   * lookups for a single (jimer, experience) where journeys alone cannot
--     answer: a journey whose 3+ completions bracket its first start (see
--     journey_conversions), a rare data-quality case; an index on
--     jimo.events (experience_uid, jimer_uid) would make them index probes.
-- (The type of an experience whose snapshots carry none is kept at ingest,
-- jimo.experiences.event_type, since 0.10; before, it was looked up in
-- jimo.events and lost once they expired.)
-- The funnels of one type (tour_funnel, survey_funnel, checklist_funnel) read
-- only that type's journeys, one index range of jimo.journeys' primary key per
-- experience, instead of the whole table.
--
-- Per-day views (tour_funnel_daily, funnel_cohorts, experience_reach_daily,
-- delivery_health) count UTC days whatever the session's TimeZone: their days
-- are fixed where they are kept (a rollup, an index), which is what lets a
-- filter on day read only those days. survey_nps_trend and
-- survey_ratings_trend follow the session's TimeZone.
-- Rates are rounded to 4 decimals and are NULL when their denominator is 0.
-------------------------------------------------------------------------------

-------------------------------------------------------------------------------
-- all_experiences: every experience, from jimo.experiences and from
-- jimo.journeys (a journey whose experience has no row, which ingest never
-- leaves behind, still gets counted). The distinct experiences of journeys
-- come from a loose scan of its primary key: one index probe per experience.
-------------------------------------------------------------------------------

CREATE VIEW jimo.all_experiences AS
WITH RECURSIVE journey_experiences(uid) AS (
    SELECT (SELECT experience_uid FROM jimo.journeys ORDER BY experience_uid LIMIT 1)
    UNION ALL
    SELECT (SELECT j.experience_uid FROM jimo.journeys j WHERE j.experience_uid > je.uid
            ORDER BY j.experience_uid LIMIT 1)
    FROM journey_experiences je
    WHERE je.uid IS NOT NULL
)
SELECT
    coalesce(x.uid, je.uid) AS experience_uid,
    coalesce(upper(x.type), upper(x.event_type COLLATE "default")) AS type,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    x.uid IS NOT NULL AS has_row,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.experiences x
FULL JOIN (SELECT uid FROM journey_experiences WHERE uid IS NOT NULL) je ON je.uid = x.uid;

COMMENT ON VIEW jimo.all_experiences IS 'Every experience known from jimo.experiences or from jimo.journeys, with its type; the funnels start from here so that no journey is dropped';
COMMENT ON COLUMN jimo.all_experiences.experience_uid IS 'The experience';
COMMENT ON COLUMN jimo.all_experiences.type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST: jimo.experiences.type in upper case, or the first part of its event names (jimo.experiences.event_type) when its latest snapshot has no type';
COMMENT ON COLUMN jimo.all_experiences.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.all_experiences.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.all_experiences.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.all_experiences.has_row IS 'False when the experience is known only from journeys (no row in jimo.experiences)';

-------------------------------------------------------------------------------
-- journey_conversions: per jimer x experience, did they convert?
--
-- "Completed within the conversion window after their first start" means:
-- some completion event c of that jimer and experience has
--     first_started_at <= c and c - first_started_at <= jimo.funnel_window.
-- The window is an elapsed duration (a day is 24 hours, a month 30 days), so
-- the answer does not depend on the session's TimeZone and its DST changes;
-- comparing a difference with it also avoids calendar arithmetic per row,
-- which was the largest cost of the tour funnel.
-- journeys keeps only the first and last completion time and their count, so
-- the first completion at or after the first start is:
--   * first_completed_at when that is not before the first start;
--   * none when last_completed_at is before the first start (completion
--     before start only: not a conversion);
--   * last_completed_at when there are only 2 completions (first before the
--     start, so the other one is the answer);
--   * otherwise (3+ completions around the first start) a lookup in
--     jimo.events for that one jimer and experience, so the answer is exact.
-- Repeated runs (restart after completing) do not move the first start: only
-- the first start counts, and a completion of a later run that falls outside
-- the window after the first start is not a conversion.
-------------------------------------------------------------------------------

-- Once jimo.expire() drops the months holding such a journey's completions,
-- the lookup would find another answer: expire() keeps the earliest dropped
-- completion at or after the first start in journeys.expired_completion_at,
-- and the lookup takes the earlier of that and what jimo.events still holds.
-- The first start cannot move after that: an earlier start would be older
-- than the dropped completion, so older than the retention horizon, and is
-- rejected.
--
-- The probe is a function rather than a subquery in the view: the planner
-- would cost the subquery as if it ran for every journey (it runs for almost
-- none), and such estimates switch on JIT compilation that costs more than
-- the whole query.
-- A completion is what journeys count as one (classify() in src/event.c): a
-- name ending in .completed that is not a step's or a task's.  Until 0.16 the
-- lookup left out every name of three parts, so a jimer whom a completion
-- such as tour.v2.completed converted lost it here once a later one arrived.
CREATE FUNCTION jimo.completion_at_or_after(experience uuid, jimer uuid, since timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT least(
        (SELECT min(e.occurred_at)
           FROM jimo.events e
          WHERE e.jimer_uid = $2 AND e.experience_uid = $1 AND e.occurred_at >= $3
            AND e.name LIKE '%.completed' AND e.name !~ '^[^.]*\.(step|task)\.completed$'),
        (SELECT j.expired_completion_at
           FROM jimo.journeys j
          WHERE j.experience_uid = $1 AND j.jimer_uid = $2 AND j.expired_completion_at >= $3))
$$;
COMMENT ON FUNCTION jimo.completion_at_or_after(uuid, uuid, timestamptz) IS
'Time of the first *.completed event of that jimer and experience at or after since (NULL if none): a lookup in jimo.events and in what jimo.expire() kept of the events it dropped (journeys.expired_completion_at), used by jimo.journey_conversions only when journeys alone cannot tell';

-- The rule above as one expression, shared by journey_conversions and
-- tour_funnel. A plain SQL function of columns (not SECURITY DEFINER, no SET)
-- is inlined by the planner, so it costs nothing per row.
CREATE FUNCTION jimo.first_completion_after_start(
    experience uuid, jimer uuid, first_started_at timestamptz,
    first_completed_at timestamptz, last_completed_at timestamptz, completions integer)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN first_started_at IS NULL OR last_completed_at IS NULL
             OR last_completed_at < first_started_at THEN NULL
        WHEN first_completed_at >= first_started_at THEN first_completed_at
        WHEN completions <= 2 THEN last_completed_at
        ELSE jimo.completion_at_or_after(experience, jimer, first_started_at)
    END
$$;
COMMENT ON FUNCTION jimo.first_completion_after_start(uuid, uuid, timestamptz, timestamptz, timestamptz, integer) IS
'The first completion at or after the first start of a journey (NULL if none), from its first/last completion and count; looks up jimo.events only when 3+ completions bracket the first start';

CREATE VIEW jimo.journey_conversions AS
SELECT
    j.experience_uid,
    j.jimer_uid,
    coalesce(upper(x.type), upper(x.event_type COLLATE "default")) AS experience_type,
    j.starts,
    j.first_started_at,
    j.last_started_at,
    j.completions,
    j.first_completed_at,
    j.last_completed_at,
    c.completed_after_start_at,
    w.funnel_window,
    coalesce(c.completed_after_start_at - j.first_started_at <= w.funnel_window, false) AS converted,
    CASE WHEN c.completed_after_start_at - j.first_started_at <= w.funnel_window
         THEN date_part('epoch', c.completed_after_start_at - j.first_started_at)
    END AS seconds_to_complete,
    (j.completions > 0 AND j.starts = 0) AS completed_without_start,
    j.progress_events,
    j.dismissals,
    j.first_dismissed_at,
    j.last_dismissed_at,
    j.views,
    j.first_seen_at,
    j.last_seen_at,
    j.likes,
    j.comments,
    least(j.first_started_at, j.first_progress_at, j.first_completed_at, j.first_dismissed_at,
          j.first_seen_at, j.first_liked_at, j.first_commented_at) AS first_activity_at,
    greatest(j.last_started_at, j.last_progress_at, j.last_completed_at, j.last_dismissed_at,
             j.last_seen_at, j.last_liked_at, j.last_commented_at) AS last_activity_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.journeys j
LEFT JOIN jimo.experiences x ON x.uid = j.experience_uid
CROSS JOIN (SELECT coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                            '14 days')::interval AS funnel_window
            OFFSET 0) w
CROSS JOIN LATERAL (
    SELECT jimo.first_completion_after_start(j.experience_uid, j.jimer_uid, j.first_started_at,
               j.first_completed_at, j.last_completed_at, j.completions)
           AS completed_after_start_at
) c;

COMMENT ON VIEW jimo.journey_conversions IS
'One row per jimer x experience (from jimo.journeys): whether the jimer completed within the conversion window (setting jimo.funnel_window, default 14 days) after their first start, i.e. some completion at a time c with first_started_at <= c <= first_started_at + window. Completions before the first start never count; a later run only counts if its completion falls inside the window after the first start. Exact: when journeys'' first/last completion cannot tell (3+ completions around the first start) one lookup in jimo.events decides (the lookups for that rare case are cheap only if jimo.events is indexed on (experience_uid, jimer_uid)).';
COMMENT ON COLUMN jimo.journey_conversions.experience_uid IS 'The experience (tour, survey, checklist, hint, banner or post)';
COMMENT ON COLUMN jimo.journey_conversions.jimer_uid IS 'The jimer (end user)';
COMMENT ON COLUMN jimo.journey_conversions.experience_type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST, as jimo.all_experiences tells it: jimo.experiences.type in upper case, or the first part of its event names when its latest snapshot has none (0.9: NULL then)';
COMMENT ON COLUMN jimo.journey_conversions.starts IS 'Number of distinct *.started events';
COMMENT ON COLUMN jimo.journey_conversions.first_started_at IS 'Time of the first start: the window runs from here';
COMMENT ON COLUMN jimo.journey_conversions.last_started_at IS 'Time of the latest start';
COMMENT ON COLUMN jimo.journey_conversions.completions IS 'Number of distinct *.completed events';
COMMENT ON COLUMN jimo.journey_conversions.first_completed_at IS 'Time of the first completion (may be before the first start)';
COMMENT ON COLUMN jimo.journey_conversions.last_completed_at IS 'Time of the latest completion';
COMMENT ON COLUMN jimo.journey_conversions.completed_after_start_at IS 'Time of the first completion at or after the first start, whether inside the window or not; NULL without a start or without such a completion';
COMMENT ON COLUMN jimo.journey_conversions.funnel_window IS 'The conversion window in force: setting jimo.funnel_window, 14 days when unset';
COMMENT ON COLUMN jimo.journey_conversions.converted IS 'True when the jimer started and completed within the window after their first start (both ends inclusive)';
COMMENT ON COLUMN jimo.journey_conversions.seconds_to_complete IS 'For converted jimers: seconds from the first start to the first completion after it';
COMMENT ON COLUMN jimo.journey_conversions.completed_without_start IS 'A completion but no start at all (a data-quality signal: a lost or unsent start event)';
COMMENT ON COLUMN jimo.journey_conversions.progress_events IS 'Number of distinct survey.step.answered / checklist.task.* events';
COMMENT ON COLUMN jimo.journey_conversions.dismissals IS 'Number of distinct checklist.dismissed events';
COMMENT ON COLUMN jimo.journey_conversions.first_dismissed_at IS 'Time of the first dismissal';
COMMENT ON COLUMN jimo.journey_conversions.last_dismissed_at IS 'Time of the latest dismissal';
COMMENT ON COLUMN jimo.journey_conversions.views IS 'Number of distinct *.seen events';
COMMENT ON COLUMN jimo.journey_conversions.first_seen_at IS 'Time of the first *.seen event';
COMMENT ON COLUMN jimo.journey_conversions.last_seen_at IS 'Time of the latest *.seen event';
COMMENT ON COLUMN jimo.journey_conversions.likes IS 'Number of distinct post.liked events';
COMMENT ON COLUMN jimo.journey_conversions.comments IS 'Number of distinct post.commented events';
COMMENT ON COLUMN jimo.journey_conversions.first_activity_at IS 'Earliest interaction of any kind';
COMMENT ON COLUMN jimo.journey_conversions.last_activity_at IS 'Latest interaction of any kind';

-------------------------------------------------------------------------------
-- Tours
-------------------------------------------------------------------------------

-- Straight over journeys rather than through journey_conversions: a tour
-- has only started and completed stages, so reading just those columns (and
-- computing each expression once) makes this the cheapest funnel per row.
CREATE VIEW jimo.tour_funnel AS
SELECT
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
    a.completed_before_start_only,
    a.completed_after_window,
    a.first_activity_at,
    a.last_activity_at,
    k.project_uid,
    k.tags
FROM jimo.all_experiences k
CROSS JOIN (SELECT coalesce(nullif(current_setting('jimo.funnel_window', true), ''),
                            '14 days')::interval AS funnel_window
            OFFSET 0) w
CROSS JOIN LATERAL (
    SELECT
        count(*) FILTER (WHERE j.starts > 0) AS started_jimers,
        count(*) FILTER (WHERE c.time_to_complete <= w.funnel_window) AS completed_jimers,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY CASE WHEN c.time_to_complete <= w.funnel_window
            THEN date_part('epoch', c.time_to_complete) END) AS median_seconds_to_complete,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN c.time_to_complete <= w.funnel_window
            THEN date_part('epoch', c.time_to_complete) END) AS p90_seconds_to_complete,
        count(*) FILTER (WHERE j.completions > 0 AND j.starts = 0) AS completed_without_start,
        count(*) FILTER (WHERE j.starts > 0 AND j.completions > 0
                           AND c.time_to_complete IS NULL) AS completed_before_start_only,
        count(*) FILTER (WHERE c.time_to_complete > w.funnel_window) AS completed_after_window,
        least(min(j.first_started_at), min(j.first_completed_at)) AS first_activity_at,
        greatest(max(j.last_started_at), max(j.last_completed_at)) AS last_activity_at
    FROM jimo.journeys j
    CROSS JOIN LATERAL (
        SELECT jimo.first_completion_after_start(j.experience_uid, j.jimer_uid, j.first_started_at,
                   j.first_completed_at, j.last_completed_at, j.completions)
               - j.first_started_at AS time_to_complete
    ) c
    WHERE j.experience_uid = k.experience_uid
) a
WHERE k.type = 'TOUR';

COMMENT ON VIEW jimo.tour_funnel IS
'One row per tour (deleted ones too, with is_deleted): started -> completed funnel. A jimer converts when they complete within the conversion window (setting jimo.funnel_window, default 14 days) after their first start, both ends inclusive; completions before the first start never count. See jimo.journey_conversions for the exact rule. No per-step drop-off: Jimo sends no tour step events, only tour.started and tour.completed.';
COMMENT ON COLUMN jimo.tour_funnel.experience_uid IS 'The tour';
COMMENT ON COLUMN jimo.tour_funnel.title IS 'Title of the tour (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel.is_deleted IS 'True once the tour was deleted; its history stays';
COMMENT ON COLUMN jimo.tour_funnel.started_jimers IS 'Jimers with at least one tour.started';
COMMENT ON COLUMN jimo.tour_funnel.completed_jimers IS 'Started jimers who completed within the conversion window after their first start';
COMMENT ON COLUMN jimo.tour_funnel.conversion_rate IS 'completed_jimers / started_jimers (0..1, 4 decimals; NULL without starts)';
COMMENT ON COLUMN jimo.tour_funnel.drop_off_jimers IS 'started_jimers - completed_jimers';
COMMENT ON COLUMN jimo.tour_funnel.median_seconds_to_complete IS 'Median over converted jimers of the seconds from first start to first completion after it';
COMMENT ON COLUMN jimo.tour_funnel.p90_seconds_to_complete IS '90th percentile (interpolated) of the same';
COMMENT ON COLUMN jimo.tour_funnel.completed_without_start IS 'Jimers with a tour.completed and no tour.started at all: a data-quality signal';
COMMENT ON COLUMN jimo.tour_funnel.completed_before_start_only IS 'Started jimers whose every completion is before their first start (counted as drop-off)';
COMMENT ON COLUMN jimo.tour_funnel.completed_after_window IS 'Started jimers who completed after their first start but only after the window closed (counted as drop-off)';
COMMENT ON COLUMN jimo.tour_funnel.first_activity_at IS 'Earliest tour.started or tour.completed of any jimer';
COMMENT ON COLUMN jimo.tour_funnel.last_activity_at IS 'Latest tour.started or tour.completed of any jimer';

-- Every per-experience view carries its project and tags, to filter or group
-- by them without a join.
COMMENT ON COLUMN jimo.all_experiences.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.all_experiences.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.journey_conversions.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.journey_conversions.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.tour_funnel.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
