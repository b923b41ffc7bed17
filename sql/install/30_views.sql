-------------------------------------------------------------------------------
-- BI views. They read jimo.journeys (one row per jimer x experience, kept at
-- ingest) and the fact tables, never every row of jimo.events: the only reads
-- of jimo.events are
--   * delivery_health, which is about deliveries and so reads them all (by
--     received_at);
--   * experience_reach_daily, whose per-day counts need every *.seen event;
--   * lookups for a single (jimer, experience) where journeys alone cannot
--     answer: an experience row without a type, or a journey whose 3+
--     completions bracket its first start (see journey_conversions). Both are
--     rare data-quality cases; an index on jimo.events (experience_uid,
--     jimer_uid) would make them index probes.
-- The funnels of one type (tour_funnel, survey_funnel, checklist_funnel) read
-- only that type's journeys, one index range of jimo.journeys' primary key per
-- experience, instead of the whole table.
--
-- Days are calendar days in the session's TimeZone (timestamptz::date), so a
-- dashboard sees its own days; SET timezone = 'UTC' for UTC days.
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
    coalesce(upper(x.type),
             (SELECT upper(split_part(e.name, '.', 1))
                FROM jimo.events e
               WHERE e.experience_uid = coalesce(x.uid, je.uid)
               LIMIT 1)) AS type,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    x.uid IS NOT NULL AS has_row
FROM jimo.experiences x
FULL JOIN (SELECT uid FROM journey_experiences WHERE uid IS NOT NULL) je ON je.uid = x.uid;

COMMENT ON VIEW jimo.all_experiences IS 'Every experience known from jimo.experiences or from jimo.journeys, with its type; the funnels start from here so that no journey is dropped';
COMMENT ON COLUMN jimo.all_experiences.experience_uid IS 'The experience';
COMMENT ON COLUMN jimo.all_experiences.type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST: jimo.experiences.type in upper case, or the prefix of its event names when no type was sent';
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

-- The probe is a function rather than a subquery in the view: the planner
-- would cost the subquery as if it ran for every journey (it runs for almost
-- none), and such estimates switch on JIT compilation that costs more than
-- the whole query.
CREATE FUNCTION jimo.completion_at_or_after(experience uuid, jimer uuid, since timestamptz)
    RETURNS timestamptz
    LANGUAGE sql STABLE STRICT PARALLEL SAFE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT min(e.occurred_at)
    FROM jimo.events e
    WHERE e.jimer_uid = $2 AND e.experience_uid = $1 AND e.occurred_at >= $3
      AND e.name LIKE '%.completed' AND e.name NOT LIKE '%.%.%'
$$;
COMMENT ON FUNCTION jimo.completion_at_or_after(uuid, uuid, timestamptz) IS
'Time of the first *.completed event of that jimer and experience at or after since (NULL if none): a lookup in jimo.events, used by jimo.journey_conversions only when journeys alone cannot tell';

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
    upper(x.type) AS experience_type,
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
             j.last_seen_at, j.last_liked_at, j.last_commented_at) AS last_activity_at
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
COMMENT ON COLUMN jimo.journey_conversions.experience_type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST: jimo.experiences.type in upper case (NULL when none was sent; jimo.all_experiences then tells it from the event names)';
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
    a.last_activity_at
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
'One row per tour (deleted ones too, with is_deleted): started -> completed funnel. A jimer converts when they complete within the conversion window (setting jimo.funnel_window, default 14 days) after their first start, both ends inclusive; completions before the first start never count. See jimo.journey_conversions for the exact rule.';
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

CREATE VIEW jimo.tour_funnel_daily AS
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
    a.window_closes_at
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
    SELECT
        coalesce(c.first_started_at, c.first_completed_at)::date AS day,
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
'jimo.tour_funnel by day of each jimer''s first start (one cohort per day and tour): conversion over time, same conversion rule. A day''s numbers are final once window_closes_at has passed. Jimers who completed without any start are counted on the day of their first completion, in completed_without_start only. Summed over days, started_jimers, completed_jimers and completed_without_start give tour_funnel''s.';
COMMENT ON COLUMN jimo.tour_funnel_daily.day IS 'Day of the jimers'' first tour.started (for completed_without_start: of their first tour.completed), session TimeZone';
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

-------------------------------------------------------------------------------
-- Surveys
-------------------------------------------------------------------------------

CREATE VIEW jimo.survey_responses AS
SELECT
    a.experience_uid,
    x.title AS survey_title,
    a.jimer_uid,
    jm.identify_token,
    jm.email,
    a.step_uid,
    a.step_title,
    a.step_type,
    a.step_position,
    a.answer,
    a.answer_text,
    a.answer_number,
    a.answer_choices,
    a.answered_at,
    coalesce(x.is_deleted, false) AS is_deleted,
    a.event_id
FROM jimo.survey_answers a
LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
LEFT JOIN jimo.jimers jm ON jm.uid = a.jimer_uid;

COMMENT ON VIEW jimo.survey_responses IS 'One row per answered survey step (each distinct survey.step.answered event), with the survey and the jimer''s latest identity';
COMMENT ON COLUMN jimo.survey_responses.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_responses.survey_title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_responses.jimer_uid IS 'The jimer who answered';
COMMENT ON COLUMN jimo.survey_responses.identify_token IS 'The customer''s own id for the jimer (latest known; NULL when anonymous)';
COMMENT ON COLUMN jimo.survey_responses.email IS 'The jimer''s email (latest known)';
COMMENT ON COLUMN jimo.survey_responses.step_uid IS 'The step''s uid as sent';
COMMENT ON COLUMN jimo.survey_responses.step_title IS 'The step''s title/question as sent with this answer, when known';
COMMENT ON COLUMN jimo.survey_responses.step_type IS 'The step''s type as sent, when known';
COMMENT ON COLUMN jimo.survey_responses.step_position IS 'The step''s position in the survey, when known';
COMMENT ON COLUMN jimo.survey_responses.answer IS 'The answer as sent (any JSON shape)';
COMMENT ON COLUMN jimo.survey_responses.answer_text IS 'The answer as text (choices joined with ", ")';
COMMENT ON COLUMN jimo.survey_responses.answer_number IS 'The answer as a number when it is one (NPS, rating)';
COMMENT ON COLUMN jimo.survey_responses.answer_choices IS 'The chosen options when the answer is a list';
COMMENT ON COLUMN jimo.survey_responses.answered_at IS 'Event time of the answer';
COMMENT ON COLUMN jimo.survey_responses.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_responses.event_id IS 'The survey.step.answered event in jimo.events';

-- Step attributes can differ between answers (an edited survey): each step
-- takes the values sent with its latest answer, ties broken by the value,
-- so the result does not depend on arrival order.
CREATE VIEW jimo.survey_funnel AS
WITH surveys AS (
    SELECT k.experience_uid, k.title, k.is_deleted, j.started_jimers, j.completed_jimers
    FROM jimo.all_experiences k
    CROSS JOIN LATERAL (
        SELECT count(*) FILTER (WHERE jj.starts > 0) AS started_jimers,
               count(*) FILTER (WHERE jj.completions > 0) AS completed_jimers
        FROM jimo.journeys jj
        WHERE jj.experience_uid = k.experience_uid
    ) j
    WHERE k.type = 'SURVEY'
),
-- one row per step from jimo.survey_steps (kept at ingest); reached jimers
-- are counted from jimo.survey_step_journeys, one index range per step
steps AS (
    SELECT s.experience_uid,
           nullif(s.step_uid, '') AS step_uid,
           s.step_title,
           s.step_type,
           s.step_position,
           (SELECT count(*) FROM jimo.survey_step_journeys sj
             WHERE sj.experience_uid = s.experience_uid
               AND sj.step_uid = s.step_uid) AS reached_jimers
    FROM jimo.survey_steps s
),
stages AS (
    SELECT experience_uid, 0 AS stage_index, 'started' AS stage,
           NULL::text AS step_uid, NULL::text AS step_title, NULL::text AS step_type,
           NULL::integer AS step_position, started_jimers AS reached_jimers
    FROM surveys
    UNION ALL
    SELECT experience_uid,
           row_number() OVER (PARTITION BY experience_uid
                              ORDER BY step_position NULLS LAST, reached_jimers DESC, step_uid)::integer,
           'step', step_uid, step_title, step_type, step_position, reached_jimers
    FROM steps
    UNION ALL
    SELECT s.experience_uid,
           (SELECT count(*) FROM steps st WHERE st.experience_uid = s.experience_uid)::integer + 1,
           'completed', NULL, NULL, NULL, NULL, s.completed_jimers
    FROM surveys s
)
SELECT
    st.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    st.stage_index,
    st.stage,
    st.step_uid,
    st.step_title,
    st.step_type,
    st.step_position,
    st.reached_jimers,
    round(st.reached_jimers::numeric
          / nullif(first_value(st.reached_jimers) OVER w, 0), 4) AS conversion_from_start,
    round(st.reached_jimers::numeric / nullif(lag(st.reached_jimers) OVER w, 0), 4) AS conversion_from_previous,
    lag(st.reached_jimers) OVER w - st.reached_jimers AS drop_off_jimers
FROM stages st
LEFT JOIN jimo.experiences x ON x.uid = st.experience_uid
WINDOW w AS (PARTITION BY st.experience_uid ORDER BY st.stage_index);

COMMENT ON VIEW jimo.survey_funnel IS
'Per survey, one row per stage in order (stage_index): "started" (jimers with a survey.started), one "step" row per answered step (ordered by step_position, then by reached_jimers descending when positions are unknown), then "completed" (jimers with a survey.completed, at any time: unlike tour_funnel no conversion window applies here). Counts of distinct jimers per stage; conversion and drop-off compare those counts. Deleted surveys stay, with is_deleted.';
COMMENT ON COLUMN jimo.survey_funnel.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_funnel.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_funnel.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_funnel.stage_index IS 'Order of the stage in the funnel: 0 started, 1..n steps, n+1 completed';
COMMENT ON COLUMN jimo.survey_funnel.stage IS 'started, step or completed';
COMMENT ON COLUMN jimo.survey_funnel.step_uid IS 'The step (NULL on the started and completed rows)';
COMMENT ON COLUMN jimo.survey_funnel.step_title IS 'The step''s title as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_funnel.step_type IS 'The step''s type as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_funnel.step_position IS 'The step''s position as sent with its latest answer, when known';
COMMENT ON COLUMN jimo.survey_funnel.reached_jimers IS 'Distinct jimers who reached the stage: started, answered the step, or completed';
COMMENT ON COLUMN jimo.survey_funnel.conversion_from_start IS 'reached_jimers / reached_jimers of the started row (4 decimals; NULL when nobody started; may exceed 1 when answers arrive without starts)';
COMMENT ON COLUMN jimo.survey_funnel.conversion_from_previous IS 'reached_jimers / reached_jimers of the previous stage (4 decimals; NULL on the started row)';
COMMENT ON COLUMN jimo.survey_funnel.drop_off_jimers IS 'reached_jimers of the previous stage minus this one''s: how many fewer jimers got this far (NULL on the started row; negative when more jimers reach a stage than the one before, e.g. an optional step or answers without a start)';

-- A score is an integer 0..10. A step is an NPS step when its type says so
-- (contains "nps" or "net promoter", any case) or when every answer is a score.
CREATE VIEW jimo.survey_nps AS
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
                             / responses))::numeric, 1) AS nps_margin_95
FROM (
    SELECT
        a.experience_uid,
        x.title,
        coalesce(x.is_deleted, false) AS is_deleted,
        a.step_uid,
        (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
             FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
        coalesce(bool_or(a.step_type ~* 'nps|net.?promoter'), false) AS nps_typed,
        bool_and(s.is_score) AS all_scores,
        count(*) FILTER (WHERE s.is_score) AS responses,
        count(DISTINCT a.jimer_uid) FILTER (WHERE s.is_score) AS respondents,
        count(*) FILTER (WHERE s.is_score AND a.answer_number >= 9) AS promoters,
        count(*) FILTER (WHERE s.is_score AND a.answer_number IN (7, 8)) AS passives,
        count(*) FILTER (WHERE s.is_score AND a.answer_number <= 6) AS detractors
    FROM jimo.survey_answers a
    CROSS JOIN LATERAL (
        SELECT coalesce(a.answer_number BETWEEN 0 AND 10
                        AND a.answer_number = trunc(a.answer_number), false) AS is_score
    ) s
    LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
    GROUP BY a.experience_uid, x.title, x.is_deleted, a.step_uid
) g
WHERE (nps_typed OR all_scores) AND responses > 0;

COMMENT ON VIEW jimo.survey_nps IS
'Net Promoter Score per survey step whose answers are 0-10 scores: a step typed NPS (step_type contains "nps" or "net promoter"), or whose answers all are integers 0..10 (so a 1-5 rating step also qualifies: filter on nps_typed when the type is sent). Every answer counts (a recurring survey gives several per jimer); non-score answers of an NPS-typed step are left out.';
COMMENT ON COLUMN jimo.survey_nps.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_nps.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_nps.step_uid IS 'The NPS step';
COMMENT ON COLUMN jimo.survey_nps.step_title IS 'The step''s title as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_nps.nps_typed IS 'True when the step''s type says NPS; false when the step was recognised only by its 0..10 integer answers';
COMMENT ON COLUMN jimo.survey_nps.responses IS 'Score answers (integers 0..10)';
COMMENT ON COLUMN jimo.survey_nps.respondents IS 'Distinct jimers among them';
COMMENT ON COLUMN jimo.survey_nps.promoters IS 'Answers of 9 or 10';
COMMENT ON COLUMN jimo.survey_nps.passives IS 'Answers of 7 or 8';
COMMENT ON COLUMN jimo.survey_nps.detractors IS 'Answers of 0 to 6';
COMMENT ON COLUMN jimo.survey_nps.nps IS '100 * (promoters - detractors) / responses, -100..100, 1 decimal';
COMMENT ON COLUMN jimo.survey_nps.nps_margin_95 IS '95% margin of error of nps in points: 1.96 * 100 * sqrt((p + d - (p - d)^2) / n) with p, d the promoter and detractor shares and n = responses (1 decimal)';

-------------------------------------------------------------------------------
-- Checklists
-------------------------------------------------------------------------------

CREATE VIEW jimo.checklist_funnel AS
SELECT
    k.experience_uid,
    k.title,
    k.state,
    k.is_deleted,
    a.started_jimers,
    a.progressed_jimers,
    a.completed_jimers,
    a.dismissed_jimers,
    round(a.completed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS completion_rate,
    round(a.dismissed_jimers::numeric / nullif(a.started_jimers, 0), 4) AS dismiss_rate,
    a.median_seconds_to_complete,
    a.completed_without_start,
    a.first_activity_at,
    a.last_activity_at
FROM jimo.all_experiences k
CROSS JOIN LATERAL (
    SELECT
        count(*) FILTER (WHERE c.starts > 0) AS started_jimers,
        count(*) FILTER (WHERE c.starts > 0 AND c.progress_events > 0) AS progressed_jimers,
        count(*) FILTER (WHERE c.converted) AS completed_jimers,
        count(*) FILTER (WHERE c.last_dismissed_at >= c.first_started_at) AS dismissed_jimers,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
        count(*) FILTER (WHERE c.completed_without_start) AS completed_without_start,
        min(c.first_activity_at) AS first_activity_at,
        max(c.last_activity_at) AS last_activity_at
    FROM jimo.journey_conversions c
    WHERE c.experience_uid = k.experience_uid
) a
WHERE k.type = 'CHECKLIST';

COMMENT ON VIEW jimo.checklist_funnel IS
'One row per checklist (deleted ones too): started -> completed or dismissed. completed_jimers uses the same conversion rule as tour_funnel (a checklist.completed within jimo.funnel_window after the first checklist.started); dismissed_jimers counts started jimers who dismissed it at or after their first start, at any time. A jimer may be both.';
COMMENT ON COLUMN jimo.checklist_funnel.experience_uid IS 'The checklist';
COMMENT ON COLUMN jimo.checklist_funnel.title IS 'Title of the checklist (latest snapshot)';
COMMENT ON COLUMN jimo.checklist_funnel.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.checklist_funnel.is_deleted IS 'True once the checklist was deleted';
COMMENT ON COLUMN jimo.checklist_funnel.started_jimers IS 'Jimers with at least one checklist.started';
COMMENT ON COLUMN jimo.checklist_funnel.progressed_jimers IS 'Started jimers with at least one task completed or skipped';
COMMENT ON COLUMN jimo.checklist_funnel.completed_jimers IS 'Started jimers who completed within the conversion window after their first start';
COMMENT ON COLUMN jimo.checklist_funnel.dismissed_jimers IS 'Started jimers who dismissed the checklist at or after their first start';
COMMENT ON COLUMN jimo.checklist_funnel.completion_rate IS 'completed_jimers / started_jimers (0..1, 4 decimals; NULL without starts)';
COMMENT ON COLUMN jimo.checklist_funnel.dismiss_rate IS 'dismissed_jimers / started_jimers (0..1, 4 decimals; NULL without starts)';
COMMENT ON COLUMN jimo.checklist_funnel.median_seconds_to_complete IS 'Median over converted jimers of the seconds from first start to first completion after it';
COMMENT ON COLUMN jimo.checklist_funnel.completed_without_start IS 'Jimers with a checklist.completed and no checklist.started: a data-quality signal';
COMMENT ON COLUMN jimo.checklist_funnel.first_activity_at IS 'Earliest jimer interaction with the checklist';
COMMENT ON COLUMN jimo.checklist_funnel.last_activity_at IS 'Latest jimer interaction with the checklist';

CREATE VIEW jimo.checklist_tasks_summary AS
SELECT
    t.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    t.task_uid,
    (array_agg(t.task_title ORDER BY t.occurred_at DESC, t.task_title)
         FILTER (WHERE t.task_title IS NOT NULL))[1] AS task_title,
    count(DISTINCT t.jimer_uid) FILTER (WHERE t.outcome = 'completed') AS completed_jimers,
    count(DISTINCT t.jimer_uid) FILTER (WHERE t.outcome = 'skipped') AS skipped_jimers,
    count(*) FILTER (WHERE t.outcome = 'completed') AS completions,
    count(*) FILTER (WHERE t.outcome = 'skipped') AS skips,
    min(t.occurred_at) AS first_activity_at,
    max(t.occurred_at) AS last_activity_at
FROM jimo.checklist_tasks t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid
GROUP BY t.experience_uid, x.title, x.is_deleted, t.task_uid;

COMMENT ON VIEW jimo.checklist_tasks_summary IS 'One row per checklist task that was completed or skipped at least once';
COMMENT ON COLUMN jimo.checklist_tasks_summary.experience_uid IS 'The checklist';
COMMENT ON COLUMN jimo.checklist_tasks_summary.title IS 'Title of the checklist (latest snapshot)';
COMMENT ON COLUMN jimo.checklist_tasks_summary.is_deleted IS 'True once the checklist was deleted';
COMMENT ON COLUMN jimo.checklist_tasks_summary.task_uid IS 'The task''s uid as sent';
COMMENT ON COLUMN jimo.checklist_tasks_summary.task_title IS 'The task''s title as sent with its latest event';
COMMENT ON COLUMN jimo.checklist_tasks_summary.completed_jimers IS 'Distinct jimers who completed the task';
COMMENT ON COLUMN jimo.checklist_tasks_summary.skipped_jimers IS 'Distinct jimers who skipped the task (a jimer may have done both)';
COMMENT ON COLUMN jimo.checklist_tasks_summary.completions IS 'Distinct checklist.task.completed events';
COMMENT ON COLUMN jimo.checklist_tasks_summary.skips IS 'Distinct checklist.task.skipped events';
COMMENT ON COLUMN jimo.checklist_tasks_summary.first_activity_at IS 'First completion or skip of the task';
COMMENT ON COLUMN jimo.checklist_tasks_summary.last_activity_at IS 'Latest completion or skip of the task';

-------------------------------------------------------------------------------
-- Reach of hints, banners and anything else that is "seen"
-------------------------------------------------------------------------------

CREATE VIEW jimo.experience_reach AS
SELECT
    k.experience_uid,
    k.type,
    k.title,
    k.state,
    k.is_deleted,
    coalesce(a.unique_jimers, 0) AS unique_jimers,
    coalesce(a.views, 0) AS views,
    a.first_seen_at,
    a.last_seen_at
FROM jimo.all_experiences k
LEFT JOIN (
    SELECT experience_uid,
           count(*) AS unique_jimers,
           sum(views) AS views,
           min(first_seen_at) AS first_seen_at,
           max(last_seen_at) AS last_seen_at
    FROM jimo.journeys
    WHERE views > 0
    GROUP BY experience_uid
) a ON a.experience_uid = k.experience_uid
WHERE k.type IN ('HINT', 'BANNER') OR a.views > 0;

COMMENT ON VIEW jimo.experience_reach IS 'One row per hint and banner (deleted ones too), and per any other experience with a *.seen event: how many jimers saw it, how often';
COMMENT ON COLUMN jimo.experience_reach.experience_uid IS 'The hint, banner or other seen experience';
COMMENT ON COLUMN jimo.experience_reach.type IS 'HINT, BANNER, ... (upper case)';
COMMENT ON COLUMN jimo.experience_reach.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.experience_reach.unique_jimers IS 'Distinct jimers who saw it';
COMMENT ON COLUMN jimo.experience_reach.views IS 'Distinct *.seen events (redeliveries of one event count once)';
COMMENT ON COLUMN jimo.experience_reach.first_seen_at IS 'First time anyone saw it';
COMMENT ON COLUMN jimo.experience_reach.last_seen_at IS 'Latest time anyone saw it';

-- Per-day counts need each *.seen event's time, which journeys do not keep:
-- this view reads jimo.events (keeping only its *.seen rows).
CREATE VIEW jimo.experience_reach_daily AS
WITH seen AS (
    SELECT e.experience_uid,
           e.occurred_at::date AS day,
           count(DISTINCT e.jimer_uid) AS unique_jimers,
           count(*) AS views,
           min(e.occurred_at) AS first_seen_at,
           max(e.occurred_at) AS last_seen_at,
           min(split_part(e.name, '.', 1)) AS prefix
    FROM jimo.events e
    WHERE e.name LIKE '%.seen' AND e.name NOT LIKE '%.%.%' AND e.jimer_uid IS NOT NULL
    GROUP BY 1, 2
),
newcomers AS (
    SELECT experience_uid, first_seen_at::date AS day, count(*) AS new_jimers
    FROM jimo.journeys
    WHERE first_seen_at IS NOT NULL
    GROUP BY 1, 2
)
SELECT
    coalesce(s.day, nc.day) AS day,
    coalesce(s.experience_uid, nc.experience_uid) AS experience_uid,
    coalesce(upper(x.type), upper(s.prefix)) AS type,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    coalesce(s.unique_jimers, 0) AS unique_jimers,
    coalesce(s.views, 0) AS views,
    coalesce(nc.new_jimers, 0) AS new_jimers,
    s.first_seen_at,
    s.last_seen_at
FROM seen s
FULL JOIN newcomers nc ON nc.experience_uid = s.experience_uid AND nc.day = s.day
LEFT JOIN jimo.experiences x ON x.uid = coalesce(s.experience_uid, nc.experience_uid);

COMMENT ON VIEW jimo.experience_reach_daily IS 'jimo.experience_reach per day on which the experience was seen (session TimeZone), counted like jimo.journeys counts them (distinct *.seen events of a jimer). Journeys keep no per-day detail, so this view reads jimo.events: slower than the others on a large table';
COMMENT ON COLUMN jimo.experience_reach_daily.day IS 'Day of the *.seen events (session TimeZone)';
COMMENT ON COLUMN jimo.experience_reach_daily.experience_uid IS 'The hint, banner or other seen experience';
COMMENT ON COLUMN jimo.experience_reach_daily.type IS 'HINT, BANNER, ... (upper case)';
COMMENT ON COLUMN jimo.experience_reach_daily.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach_daily.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.experience_reach_daily.unique_jimers IS 'Distinct jimers who saw it that day';
COMMENT ON COLUMN jimo.experience_reach_daily.views IS 'Distinct *.seen events that day';
COMMENT ON COLUMN jimo.experience_reach_daily.new_jimers IS 'Jimers who saw it for the first time ever that day (summed over days: unique_jimers of experience_reach)';
COMMENT ON COLUMN jimo.experience_reach_daily.first_seen_at IS 'First view of the day';
COMMENT ON COLUMN jimo.experience_reach_daily.last_seen_at IS 'Latest view of the day';

-------------------------------------------------------------------------------
-- Changelog posts
-------------------------------------------------------------------------------

CREATE VIEW jimo.post_engagement AS
SELECT
    coalesce(x.uid, a.experience_uid) AS experience_uid,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    coalesce(a.likes, 0) AS likes,
    coalesce(a.comments, 0) AS comments,
    coalesce(a.engaged_jimers, 0) AS engaged_jimers,
    coalesce(a.liking_jimers, 0) AS liking_jimers,
    coalesce(a.commenting_jimers, 0) AS commenting_jimers,
    a.first_engaged_at,
    a.last_engaged_at
FROM (SELECT * FROM jimo.experiences WHERE upper(type) = 'POST') x
FULL JOIN (
    SELECT experience_uid,
           sum(likes) AS likes,
           sum(comments) AS comments,
           count(*) AS engaged_jimers,
           count(*) FILTER (WHERE likes > 0) AS liking_jimers,
           count(*) FILTER (WHERE comments > 0) AS commenting_jimers,
           min(least(first_liked_at, first_commented_at)) AS first_engaged_at,
           max(greatest(last_liked_at, last_commented_at)) AS last_engaged_at
    FROM jimo.journeys
    WHERE likes > 0 OR comments > 0
    GROUP BY experience_uid
) a ON a.experience_uid = x.uid;

COMMENT ON VIEW jimo.post_engagement IS 'One row per changelog post (deleted ones too), and per any other experience with likes or comments: likes, comments and engaged jimers';
COMMENT ON COLUMN jimo.post_engagement.experience_uid IS 'The post';
COMMENT ON COLUMN jimo.post_engagement.title IS 'Title of the post (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.is_deleted IS 'True once the post was deleted';
COMMENT ON COLUMN jimo.post_engagement.likes IS 'Distinct post.liked events';
COMMENT ON COLUMN jimo.post_engagement.comments IS 'Distinct post.commented events';
COMMENT ON COLUMN jimo.post_engagement.engaged_jimers IS 'Distinct jimers who liked or commented';
COMMENT ON COLUMN jimo.post_engagement.liking_jimers IS 'Distinct jimers who liked';
COMMENT ON COLUMN jimo.post_engagement.commenting_jimers IS 'Distinct jimers who commented';
COMMENT ON COLUMN jimo.post_engagement.first_engaged_at IS 'First like or comment';
COMMENT ON COLUMN jimo.post_engagement.last_engaged_at IS 'Latest like or comment';

-------------------------------------------------------------------------------
-- Delivery health: this one is about deliveries, so it reads every event
-- (and every rejected body), grouped by day of first arrival.
-------------------------------------------------------------------------------

CREATE VIEW jimo.delivery_health AS
WITH ev AS (
    SELECT received_at::date AS day,
           count(*) AS stored,
           sum(deliveries - 1) AS duplicate_deliveries,
           sum(deliveries) AS deliveries,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY date_part('epoch', received_at - occurred_at)) AS median_lag_seconds,
           max(date_part('epoch', received_at - occurred_at)) AS max_lag_seconds,
           max(date_part('epoch', last_received_at - occurred_at)) AS max_redelivery_lag_seconds
    FROM jimo.events
    GROUP BY 1
),
rj AS (
    SELECT received_at::date AS day,
           count(*) AS rejected,
           sum(deliveries) AS rejected_deliveries
    FROM jimo.rejected
    GROUP BY 1
)
SELECT
    coalesce(ev.day, rj.day) AS day,
    coalesce(ev.stored, 0) AS stored,
    coalesce(ev.duplicate_deliveries, 0) AS duplicate_deliveries,
    coalesce(rj.rejected, 0) AS rejected,
    coalesce(rj.rejected_deliveries, 0) AS rejected_deliveries,
    coalesce(ev.deliveries, 0) + coalesce(rj.rejected_deliveries, 0) AS deliveries,
    ev.median_lag_seconds,
    ev.max_lag_seconds,
    ev.max_redelivery_lag_seconds
FROM ev
FULL JOIN rj ON rj.day = ev.day;

COMMENT ON VIEW jimo.delivery_health IS 'Per day of first arrival (session TimeZone): events stored, redeliveries, rejected bodies and delivery lag. Redeliveries are counted on the day the event first arrived (only the first and latest arrival times are kept). Reads all of jimo.events and jimo.rejected (by received_at).';
COMMENT ON COLUMN jimo.delivery_health.day IS 'Day of first arrival (session TimeZone)';
COMMENT ON COLUMN jimo.delivery_health.stored IS 'Distinct events that first arrived that day';
COMMENT ON COLUMN jimo.delivery_health.duplicate_deliveries IS 'Further deliveries of those events, whenever they came: sum(deliveries - 1)';
COMMENT ON COLUMN jimo.delivery_health.rejected IS 'Distinct rejected bodies that first arrived that day (see jimo.rejected)';
COMMENT ON COLUMN jimo.delivery_health.rejected_deliveries IS 'All deliveries of those rejected bodies, first one included';
COMMENT ON COLUMN jimo.delivery_health.deliveries IS 'All deliveries of the day''s events and rejected bodies: stored + duplicate_deliveries + rejected_deliveries';
COMMENT ON COLUMN jimo.delivery_health.median_lag_seconds IS 'Median of first arrival minus event time, in seconds (negative when the sender''s clock is ahead)';
COMMENT ON COLUMN jimo.delivery_health.max_lag_seconds IS 'Largest first arrival minus event time, in seconds (Jimo retries for up to ~11 days)';
COMMENT ON COLUMN jimo.delivery_health.max_redelivery_lag_seconds IS 'Largest latest arrival minus event time, in seconds';
