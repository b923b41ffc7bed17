-- jimo_webhooks 0.1 -> 0.2 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.2').
-- Released install scripts are frozen; everything 0.2 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.1 database holding data
-- and upgraded with this script equals a fresh 0.2 install fed the same events.
-- Nothing here drops or rewrites stored rows.

\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.2'" to load this file. \quit

-------------------------------------------------------------------------------
-- Backups.  Objects created by CREATE EXTENSION are extension members, and
-- pg_dump writes only "CREATE EXTENSION" for those: without this, a dump held
-- none of the ingested rows.  Registering every table makes pg_dump (custom,
-- plain, pg_dumpall) copy its rows, and registering each identity sequence
-- makes it restore the sequence's position, so that ids given after a restore
-- never collide with restored ones.  The empty filter means "every row".
-------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('jimo.events', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.rejected', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.rejected_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.projects', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.experiences', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.jimers', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.users', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_answers', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_step_journeys', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_steps', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.checklist_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_comments', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_likes', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.journeys', '');

-------------------------------------------------------------------------------
-- An identify token longer than a btree entry may be (about 2.7 kB, e.g. a
-- signed JWT) failed every write that held it.  A hash index has no such
-- limit and serves the equality lookups and joins the index is for.  Only the
-- index is rebuilt; the rows stay as they are.
-------------------------------------------------------------------------------

DROP INDEX jimo.jimers_identify_token_idx;
CREATE INDEX jimers_identify_token_idx ON jimo.jimers USING hash (identify_token);

-------------------------------------------------------------------------------
-- Daily rollup of *.seen events, filled from the events already stored (the
-- same events and the same folding as src/rollups.c), so that
-- experience_reach_daily (below) no longer reads every row of jimo.events.
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
COMMENT ON TABLE jimo.seen_days IS 'One row per UTC day, experience and jimer with *.seen events (the events jimo.journeys counts as views), maintained at ingest';
COMMENT ON COLUMN jimo.seen_days.day IS 'UTC day of the events';
COMMENT ON COLUMN jimo.seen_days.views IS 'Distinct *.seen events of the jimer that day';
COMMENT ON COLUMN jimo.seen_days.first_seen_at IS 'First of them';
COMMENT ON COLUMN jimo.seen_days.last_seen_at IS 'Latest of them';
COMMENT ON COLUMN jimo.seen_days.event_prefix IS 'Event name prefix (hint, banner, ...): the type when the experience object carries none';

CREATE INDEX seen_days_jimer_idx ON jimo.seen_days (experience_uid, jimer_uid, day);

INSERT INTO jimo.seen_days (day, experience_uid, jimer_uid, views, first_seen_at, last_seen_at, event_prefix)
SELECT (e.occurred_at AT TIME ZONE 'UTC')::date, e.experience_uid, e.jimer_uid, count(*),
       min(e.occurred_at), max(e.occurred_at), min(split_part(e.name, '.', 1) COLLATE "C")
FROM jimo.events e
WHERE e.name LIKE '%.seen' AND e.name !~ '^[^.]*\.(step|task)\.seen$'
  AND e.experience_uid IS NOT NULL AND e.jimer_uid IS NOT NULL
GROUP BY 1, 2, 3;

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

-- the totals of the rows just filled: a jimer is new on their first day
INSERT INTO jimo.seen_day_totals (day, experience_uid, unique_jimers, views, new_jimers,
                                  first_seen_at, last_seen_at, event_prefix)
SELECT s.day, s.experience_uid, count(*), sum(s.views), count(*) FILTER (WHERE s.day = f.first_day),
       min(s.first_seen_at), max(s.last_seen_at), min(s.event_prefix)
FROM jimo.seen_days s
JOIN (SELECT experience_uid, jimer_uid, min(day) AS first_day FROM jimo.seen_days GROUP BY 1, 2) f
  ON f.experience_uid = s.experience_uid AND f.jimer_uid = s.jimer_uid
GROUP BY s.day, s.experience_uid;

SELECT pg_catalog.pg_extension_config_dump('jimo.seen_days', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.seen_day_totals', '');
GRANT SELECT ON jimo.seen_days, jimo.seen_day_totals TO jimo_reader;

-------------------------------------------------------------------------------
-- Views.  Each new or changed view once, in its 0.2 form, with its comments:
-- * survey_nps no longer reads 1-5 and 1-7 ratings as NPS (the rule is in
--   survey_step_scales); ratings, choices and trends are new;
-- * cohorts, time to complete and the jimer dimension are new;
-- * experience_reach_daily reads the daily rollup above;
-- * every per-experience view gets project_uid and tags as last columns;
-- * comments say what the webhooks cannot answer.
-------------------------------------------------------------------------------

-- Helpers the views share.

-- The tag names of an experience's latest snapshot, as a text array.
CREATE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT array_agg(t.tag ->> 'name' ORDER BY t.ord)
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tags) = 'array' THEN tags END)
         WITH ORDINALITY AS t(tag, ord)
    WHERE t.tag ->> 'name' IS NOT NULL
$$;

COMMENT ON FUNCTION jimo.tag_names(jsonb) IS
'Names of the tags in an experience''s tags array ([{uid, name}, ...]), in order; NULL when there are none';
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

-- all_experiences: every experience, from jimo.experiences and from
-- jimo.journeys (a journey whose experience has no row, which ingest never
-- leaves behind, still gets counted). The distinct experiences of journeys
-- come from a loose scan of its primary key: one index probe per experience.
CREATE OR REPLACE VIEW jimo.all_experiences AS
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
    x.uid IS NOT NULL AS has_row,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.experiences x
FULL JOIN (SELECT uid FROM journey_experiences WHERE uid IS NOT NULL) je ON je.uid = x.uid;

CREATE OR REPLACE VIEW jimo.journey_conversions AS
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

-- Tours

-- Straight over journeys rather than through journey_conversions: a tour
-- has only started and completed stages, so reading just those columns (and
-- computing each expression once) makes this the cheapest funnel per row.
CREATE OR REPLACE VIEW jimo.tour_funnel AS
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

COMMENT ON COLUMN jimo.all_experiences.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.all_experiences.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.journey_conversions.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.journey_conversions.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.tour_funnel.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.tour_funnel_daily.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.tour_funnel_daily.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
-- Surveys
CREATE OR REPLACE VIEW jimo.survey_responses AS
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
    a.event_id,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_answers a
LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
LEFT JOIN jimo.jimers jm ON jm.uid = a.jimer_uid;

-- Step attributes can differ between answers (an edited survey): each step
-- takes the values sent with its latest answer, ties broken by the value,
-- so the result does not depend on arrival order.
CREATE OR REPLACE VIEW jimo.survey_funnel AS
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
    lag(st.reached_jimers) OVER w - st.reached_jimers AS drop_off_jimers,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM stages st
LEFT JOIN jimo.experiences x ON x.uid = st.experience_uid
WINDOW w AS (PARTITION BY st.experience_uid ORDER BY st.stage_index);

-- What scale each survey step is answered on, and so which summary fits it.
-- 0.1 took any step whose answers were all integers 0..10 for NPS, so a 1-5
-- "How satisfied are you?" step showed an NPS of -100.  The rule now: a step
-- is NPS when its type says so; an untyped step is NPS only when every answer
-- is an integer 0..10 and at least one is above 7, which no 1-5 or 1-7 scale
-- can give; a step typed anything else never is.
CREATE VIEW jimo.survey_step_scales AS
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

COMMENT ON VIEW jimo.survey_step_scales IS
'One row per answered survey step: the scale its answers are on and which summary view shows it. is_nps: the step''s type contains "nps" or "net promoter" (any case), or the step has no type and every answer is an integer 0..10 with at least one above 7 (so a 1-5 or 1-7 rating is never NPS; a step typed otherwise, e.g. OPINION_SCALE, never is). is_rating: not NPS and every answer is a number (see jimo.survey_ratings). is_choice: the type names a choice or some answer is a list of options (see jimo.survey_choices).';
COMMENT ON COLUMN jimo.survey_step_scales.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_step_scales.step_uid IS 'The step';
COMMENT ON COLUMN jimo.survey_step_scales.step_type IS 'The step''s type as sent with its latest typed answer (NULL when never sent)';
COMMENT ON COLUMN jimo.survey_step_scales.nps_typed IS 'True when some answer''s step type says NPS';
COMMENT ON COLUMN jimo.survey_step_scales.answers IS 'Answers to the step';
COMMENT ON COLUMN jimo.survey_step_scales.numeric_answers IS 'Answers that are numbers';
COMMENT ON COLUMN jimo.survey_step_scales.scale_min_seen IS 'Lowest numeric answer seen (the scale itself is not sent by Jimo)';
COMMENT ON COLUMN jimo.survey_step_scales.scale_max_seen IS 'Highest numeric answer seen';
COMMENT ON COLUMN jimo.survey_step_scales.is_nps IS 'Shown in jimo.survey_nps (rule in the view comment)';
COMMENT ON COLUMN jimo.survey_step_scales.is_rating IS 'Shown in jimo.survey_ratings: not NPS, every answer a number';
COMMENT ON COLUMN jimo.survey_step_scales.is_choice IS 'Shown in jimo.survey_choices';
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

COMMENT ON VIEW jimo.survey_nps IS
'Net Promoter Score per NPS step of a survey: a step whose type says NPS, or an untyped step whose answers are all integers 0..10 with at least one above 7 (jimo.survey_step_scales has the rule; 1-5 and 1-7 ratings are in jimo.survey_ratings instead). Every answer counts (a recurring survey gives several per jimer); non-score answers of an NPS-typed step are left out.';
COMMENT ON COLUMN jimo.survey_nps.nps_typed IS 'True when the step''s type says NPS; false when the step was recognised by its untyped 0..10 integer answers';
-- Checklists
CREATE OR REPLACE VIEW jimo.checklist_funnel AS
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
    a.last_activity_at,
    k.project_uid,
    k.tags
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

CREATE OR REPLACE VIEW jimo.checklist_tasks_summary AS
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
    max(t.occurred_at) AS last_activity_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.checklist_tasks t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid
GROUP BY t.experience_uid, x.title, x.is_deleted, t.task_uid, x.project_uid, x.tags;

COMMENT ON COLUMN jimo.survey_responses.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_responses.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_funnel.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_funnel.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_nps.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.checklist_funnel.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.checklist_funnel.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.checklist_tasks_summary.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.checklist_tasks_summary.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
-- Reach of hints, banners and anything else that is "seen"
CREATE OR REPLACE VIEW jimo.experience_reach AS
SELECT
    k.experience_uid,
    k.type,
    k.title,
    k.state,
    k.is_deleted,
    coalesce(a.unique_jimers, 0) AS unique_jimers,
    coalesce(a.views, 0) AS views,
    a.first_seen_at,
    a.last_seen_at,
    k.project_uid,
    k.tags
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

COMMENT ON VIEW jimo.experience_reach IS 'One row per hint and banner (deleted ones too), and per any other experience with a *.seen event: how many jimers saw it, how often. No click-through: Jimo sends only *.seen for hints and banners, no click or CTA event';
-- From the daily rollup jimo.seen_day_totals (one row per UTC day and
-- experience, kept at ingest): a filter on day becomes a range of its primary
-- key, and the view reads as many rows as it shows.
CREATE OR REPLACE VIEW jimo.experience_reach_daily AS
SELECT
    t.day,
    t.experience_uid,
    coalesce(upper(x.type), upper(t.event_prefix COLLATE "default")) AS type,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    t.unique_jimers::bigint AS unique_jimers,
    t.views::bigint AS views,
    t.new_jimers::bigint AS new_jimers,
    t.first_seen_at,
    t.last_seen_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.seen_day_totals t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid;

COMMENT ON VIEW jimo.experience_reach_daily IS 'jimo.experience_reach per UTC day on which the experience was seen, counted like jimo.journeys counts them (distinct *.seen events of a jimer). Reads the daily rollup jimo.seen_day_totals (one row per day and experience), so WHERE day BETWEEN ... reads only those days. Days are UTC days whatever the session''s TimeZone (0.1 used the session''s zone and read every row of jimo.events).';
COMMENT ON COLUMN jimo.experience_reach_daily.day IS 'UTC day of the *.seen events';
-- Changelog posts
CREATE OR REPLACE VIEW jimo.post_engagement AS
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
    a.last_engaged_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
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

COMMENT ON COLUMN jimo.experience_reach.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.experience_reach_daily.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach_daily.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.post_engagement.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
-- Survey steps by the scale they are answered on (jimo.survey_step_scales):
-- ratings, choices, and NPS and ratings over time.
CREATE VIEW jimo.survey_ratings AS
SELECT
    r.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    r.step_uid,
    r.step_title,
    k.step_type,
    r.responses,
    r.respondents,
    r.mean,
    r.median,
    k.scale_min_seen,
    k.scale_max_seen,
    d.distribution,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT
        a.experience_uid,
        a.step_uid,
        (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
             FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
        count(*) AS responses,
        count(DISTINCT a.jimer_uid) AS respondents,
        round(avg(a.answer_number), 2) AS mean,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY a.answer_number) AS median
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_rating
     AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM a.step_uid
    GROUP BY a.experience_uid, a.step_uid
) r
JOIN jimo.survey_step_scales k
  ON k.experience_uid IS NOT DISTINCT FROM r.experience_uid
 AND k.step_uid IS NOT DISTINCT FROM r.step_uid
CROSS JOIN LATERAL (
    SELECT jsonb_object_agg(v.value, v.answers) AS distribution
    FROM (
        SELECT a.answer_number::text AS value, count(*) AS answers
        FROM jimo.survey_answers a
        WHERE a.experience_uid IS NOT DISTINCT FROM r.experience_uid
          AND a.step_uid IS NOT DISTINCT FROM r.step_uid
        GROUP BY a.answer_number
    ) v
) d
LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;

COMMENT ON VIEW jimo.survey_ratings IS
'Per rating step of a survey (every answer a number and the step not NPS, see jimo.survey_step_scales: opinion scales, 1-5 or 1-7 satisfaction, sliders): responses, mean, median, the scale seen and how many answers each value got. Every answer counts.';
COMMENT ON COLUMN jimo.survey_ratings.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_ratings.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_ratings.step_uid IS 'The rating step';
COMMENT ON COLUMN jimo.survey_ratings.step_title IS 'The step''s title as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_ratings.step_type IS 'The step''s type as sent with its latest typed answer';
COMMENT ON COLUMN jimo.survey_ratings.responses IS 'Answers';
COMMENT ON COLUMN jimo.survey_ratings.respondents IS 'Distinct jimers among them';
COMMENT ON COLUMN jimo.survey_ratings.mean IS 'Mean answer (2 decimals)';
COMMENT ON COLUMN jimo.survey_ratings.median IS 'Median answer (interpolated between the two middle answers when their number is even)';
COMMENT ON COLUMN jimo.survey_ratings.scale_min_seen IS 'Lowest answer seen (Jimo does not send the scale itself)';
COMMENT ON COLUMN jimo.survey_ratings.scale_max_seen IS 'Highest answer seen';
COMMENT ON COLUMN jimo.survey_ratings.distribution IS 'Answers per value, as a JSON object {"value": answers}';
CREATE VIEW jimo.survey_choices AS
SELECT
    c.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    c.step_uid,
    c.choice,
    c.selections,
    c.respondents,
    t.respondents AS step_respondents,
    round(c.respondents::numeric / nullif(t.respondents, 0), 4) AS share_of_respondents,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT a.experience_uid, a.step_uid, o.choice,
           count(*) AS selections,
           count(DISTINCT a.jimer_uid) AS respondents
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_choice
     AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM a.step_uid
    CROSS JOIN LATERAL unnest(coalesce(a.answer_choices, ARRAY[a.answer_text])) AS o(choice)
    WHERE o.choice IS NOT NULL
    GROUP BY a.experience_uid, a.step_uid, o.choice
) c
JOIN (
    SELECT a.experience_uid, a.step_uid, count(DISTINCT a.jimer_uid) AS respondents
    FROM jimo.survey_answers a
    GROUP BY a.experience_uid, a.step_uid
) t ON t.experience_uid IS NOT DISTINCT FROM c.experience_uid
   AND t.step_uid IS NOT DISTINCT FROM c.step_uid
LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid;

COMMENT ON VIEW jimo.survey_choices IS
'Per choice step of a survey (type names a choice, or answers are lists of options; see jimo.survey_step_scales) and option chosen: how often and by how many jimers it was chosen, and their share of the step''s respondents. A multiple-choice answer counts for each option in it, so shares of one step may add up to more than 1. A single choice sent as a string counts as that option.';
COMMENT ON COLUMN jimo.survey_choices.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_choices.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_choices.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_choices.step_uid IS 'The choice step';
COMMENT ON COLUMN jimo.survey_choices.choice IS 'The option as sent (its label, text, value, name, title or uid)';
COMMENT ON COLUMN jimo.survey_choices.selections IS 'Answers that chose it';
COMMENT ON COLUMN jimo.survey_choices.respondents IS 'Distinct jimers who chose it';
COMMENT ON COLUMN jimo.survey_choices.step_respondents IS 'Distinct jimers who answered the step';
COMMENT ON COLUMN jimo.survey_choices.share_of_respondents IS 'respondents / step_respondents (4 decimals)';
-- One row per step, grain and period: the same answer counts once in its week
-- and once in its month, so filter on grain.
CREATE VIEW jimo.survey_nps_trend AS
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

COMMENT ON VIEW jimo.survey_nps_trend IS
'NPS of each NPS step (as in jimo.survey_nps) per week and per month of the answer time, for a trend chart: filter on grain. Weeks start on Monday; periods follow the session''s TimeZone.';
COMMENT ON COLUMN jimo.survey_nps_trend.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_nps_trend.step_uid IS 'The NPS step';
COMMENT ON COLUMN jimo.survey_nps_trend.grain IS 'week or month';
COMMENT ON COLUMN jimo.survey_nps_trend.period_start IS 'Start of the week (Monday) or month';
COMMENT ON COLUMN jimo.survey_nps_trend.responses IS 'Score answers (integers 0..10) in the period';
COMMENT ON COLUMN jimo.survey_nps_trend.promoters IS 'Answers of 9 or 10';
COMMENT ON COLUMN jimo.survey_nps_trend.passives IS 'Answers of 7 or 8';
COMMENT ON COLUMN jimo.survey_nps_trend.detractors IS 'Answers of 0 to 6';
COMMENT ON COLUMN jimo.survey_nps_trend.nps IS '100 * (promoters - detractors) / responses in the period, 1 decimal';
CREATE VIEW jimo.survey_ratings_trend AS
SELECT
    a.experience_uid,
    a.step_uid,
    g.grain,
    date_trunc(g.grain, a.answered_at) AS period_start,
    count(*) AS responses,
    round(avg(a.answer_number), 2) AS mean,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY a.answer_number) AS median,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_answers a
JOIN jimo.survey_step_scales k
  ON k.is_rating
 AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
 AND k.step_uid IS NOT DISTINCT FROM a.step_uid
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at), x.project_uid, x.tags;

COMMENT ON VIEW jimo.survey_ratings_trend IS
'Mean and median of each rating step (as in jimo.survey_ratings) per week and per month of the answer time: filter on grain. Medians are computed per period, never averaged from shorter ones. Weeks start on Monday; periods follow the session''s TimeZone.';
COMMENT ON COLUMN jimo.survey_ratings_trend.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_ratings_trend.step_uid IS 'The rating step';
COMMENT ON COLUMN jimo.survey_ratings_trend.grain IS 'week or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.period_start IS 'Start of the week (Monday) or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.responses IS 'Answers in the period';
COMMENT ON COLUMN jimo.survey_ratings_trend.mean IS 'Mean answer in the period (2 decimals)';
COMMENT ON COLUMN jimo.survey_ratings_trend.median IS 'Median answer in the period';
COMMENT ON COLUMN jimo.survey_ratings.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_choices.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_choices.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_nps_trend.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps_trend.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_ratings_trend.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings_trend.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
-- Cohorts, time to complete and the jimer dimension: what a product team asks
-- first. Built on jimo.journey_conversions (one row per jimer x experience),
-- so the conversion rule is the funnels' own. Each row carries the
-- experience's project and tag names, so a dashboard filters or groups by
-- them without a join.

-- Medians cannot be summed from daily rows, so each grain is computed from
-- the journeys themselves.
CREATE VIEW jimo.funnel_cohorts AS
SELECT
    c.experience_uid,
    k.type,
    k.title,
    k.is_deleted,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    g.grain,
    date_trunc(g.grain, c.first_started_at) AS cohort_start,
    count(*) AS started_jimers,
    count(*) FILTER (WHERE c.converted) AS completed_jimers,
    round(count(*) FILTER (WHERE c.converted)::numeric / count(*), 4) AS conversion_rate,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS median_seconds_to_complete,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY c.seconds_to_complete) AS p90_seconds_to_complete,
    max(c.first_started_at + c.funnel_window) AS window_closes_at
FROM jimo.journey_conversions c
JOIN jimo.all_experiences k ON k.experience_uid = c.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid
CROSS JOIN (VALUES ('day'), ('week'), ('month')) AS g(grain)
WHERE c.starts > 0 AND k.type IN ('TOUR', 'SURVEY', 'CHECKLIST')
GROUP BY c.experience_uid, k.type, k.title, k.is_deleted, x.project_uid, x.tags,
         g.grain, date_trunc(g.grain, c.first_started_at);

COMMENT ON VIEW jimo.funnel_cohorts IS
'Started -> completed funnel of every tour, survey and checklist by cohort: the day, week (from Monday) or month of each jimer''s first start, in the session''s TimeZone; filter on grain. Same conversion rule as jimo.tour_funnel (completion within jimo.funnel_window after the first start); medians and percentiles are computed per cohort, never from smaller cohorts. A cohort''s numbers are final once window_closes_at has passed.';
COMMENT ON COLUMN jimo.funnel_cohorts.experience_uid IS 'The tour, survey or checklist';
COMMENT ON COLUMN jimo.funnel_cohorts.type IS 'TOUR, SURVEY or CHECKLIST';
COMMENT ON COLUMN jimo.funnel_cohorts.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.funnel_cohorts.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.funnel_cohorts.project_uid IS 'The experience''s Jimo project (latest snapshot), to filter or group by project';
COMMENT ON COLUMN jimo.funnel_cohorts.tags IS 'Tag names of the experience (latest snapshot); filter with e.g. ''release-3'' = ANY(tags)';
COMMENT ON COLUMN jimo.funnel_cohorts.grain IS 'day, week or month';
COMMENT ON COLUMN jimo.funnel_cohorts.cohort_start IS 'Start of the day, week (Monday) or month of the cohort''s first starts';
COMMENT ON COLUMN jimo.funnel_cohorts.started_jimers IS 'Jimers whose first start falls in the cohort';
COMMENT ON COLUMN jimo.funnel_cohorts.completed_jimers IS 'Of those, jimers who completed within the conversion window after their first start';
COMMENT ON COLUMN jimo.funnel_cohorts.conversion_rate IS 'completed_jimers / started_jimers (4 decimals)';
COMMENT ON COLUMN jimo.funnel_cohorts.median_seconds_to_complete IS 'Median seconds from first start to completion over the cohort''s converted jimers';
COMMENT ON COLUMN jimo.funnel_cohorts.p90_seconds_to_complete IS '90th percentile (interpolated) of the same';
COMMENT ON COLUMN jimo.funnel_cohorts.window_closes_at IS 'When the conversion window of the cohort''s last starter closes: until then completed_jimers may still grow';
CREATE VIEW jimo.time_to_complete AS
SELECT
    e.experience_uid,
    k.type,
    k.title,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    b.bucket_index,
    b.bucket,
    count(c.seconds_to_complete) AS completed_jimers,
    round(count(c.seconds_to_complete)::numeric
          / nullif(sum(count(c.seconds_to_complete)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT DISTINCT experience_uid FROM jimo.journey_conversions WHERE converted) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
CROSS JOIN (VALUES (1, '< 10 s', 0, 10), (2, '10 s - 1 min', 10, 60), (3, '1 - 5 min', 60, 300),
                   (4, '5 - 30 min', 300, 1800), (5, '30 min - 1 h', 1800, 3600),
                   (6, '1 h - 1 d', 3600, 86400), (7, '1 d or more', 86400, NULL))
     AS b(bucket_index, bucket, from_seconds, to_seconds)
LEFT JOIN jimo.journey_conversions c
       ON c.experience_uid = e.experience_uid AND c.converted
      AND c.seconds_to_complete >= b.from_seconds
      AND (b.to_seconds IS NULL OR c.seconds_to_complete < b.to_seconds)
GROUP BY e.experience_uid, k.type, k.title, x.project_uid, x.tags,
         b.bucket_index, b.bucket;

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

-------------------------------------------------------------------------------
-- What 90_privileges.sql and 95_views_privileges.sql give in a fresh install.
-------------------------------------------------------------------------------

REVOKE ALL ON FUNCTION jimo.tag_names(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.tag_names(jsonb) TO jimo_reader;
GRANT SELECT ON jimo.survey_step_scales,
    jimo.survey_ratings,
    jimo.survey_choices,
    jimo.survey_nps_trend,
    jimo.survey_ratings_trend,
    jimo.funnel_cohorts,
    jimo.time_to_complete,
    jimo.jimer_dimension TO jimo_reader;

-------------------------------------------------------------------------------
-- Ordered funnels (jimo.window_funnel, jimo.event_funnel,
-- jimo.experience_event_funnel): sql/install/40_window_funnel.sql as is,
-- then what 90_privileges.sql does to every function of the schema in a
-- fresh install (EXECUTE revoked from PUBLIC), so that the upgraded schema
-- equals a fresh one, grants included.
-------------------------------------------------------------------------------

-------------------------------------------------------------------------------
-- Ordered funnels over any events: jimo.window_funnel, ClickHouse's
-- windowFunnel as an aggregate (src/funnel.c says exactly what each mode
-- does), and jimo.event_funnel / jimo.experience_event_funnel, which run it
-- over jimo.events per jimer.
-------------------------------------------------------------------------------

-- Support functions of the aggregate.  The state is internal: the rows of a
-- group that matched a step, as (time, steps bitmask) pairs.
CREATE FUNCTION jimo.window_funnel_transition(state internal, funnel_window interval,
    ts timestamptz, steps boolean[])
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_trans'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_transition(internal, interval, timestamptz, boolean[]) IS
'Transition function of jimo.window_funnel(interval, timestamptz, boolean[]): adds one row to the group';

CREATE FUNCTION jimo.window_funnel_transition(state internal, funnel_window interval,
    mode text, ts timestamptz, steps boolean[])
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_trans_mode'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_transition(internal, interval, text, timestamptz, boolean[]) IS
'Transition function of jimo.window_funnel(interval, text, timestamptz, boolean[]): adds one row to the group';

CREATE FUNCTION jimo.window_funnel_final(state internal)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_final(internal) IS
'Final function of jimo.window_funnel: the number of steps reached (0 for an empty group)';

CREATE FUNCTION jimo.window_funnel_combine(state1 internal, state2 internal)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_combine(internal, internal) IS
'Combine function of jimo.window_funnel: merges the states of two parallel workers';

CREATE FUNCTION jimo.window_funnel_serialize(state internal)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_serialize(internal) IS
'Serialization function of jimo.window_funnel (state of a parallel worker to bytes)';

CREATE FUNCTION jimo.window_funnel_deserialize(state bytea, unused internal)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_deserialize(bytea, internal) IS
'Deserialization function of jimo.window_funnel (bytes back to a state)';

-- The final function leaves the state as it is (READ_ONLY, the default), so
-- the aggregate also works as a window function.  SSPACE is the state of a
-- group with a few matching rows (about 250 bytes), so that the planner's
-- memory estimate lets it hash many groups (it assumes far more otherwise).
CREATE AGGREGATE jimo.window_funnel(funnel_window interval, ts timestamptz,
    VARIADIC steps boolean[]) (
    SFUNC = jimo.window_funnel_transition,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = jimo.window_funnel_final,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = jimo.window_funnel_combine,
    SERIALFUNC = jimo.window_funnel_serialize,
    DESERIALFUNC = jimo.window_funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE jimo.window_funnel(interval, timestamptz, boolean[]) IS
'Ordered funnel (ClickHouse windowFunnel, default mode): how many of the steps, in order, were reached with every step at most funnel_window after the first; rows in any order; NULL steps are false, rows with a NULL ts are ignored; 1 to 32 steps';

CREATE AGGREGATE jimo.window_funnel(funnel_window interval, mode text, ts timestamptz,
    VARIADIC steps boolean[]) (
    SFUNC = jimo.window_funnel_transition,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = jimo.window_funnel_final,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = jimo.window_funnel_combine,
    SERIALFUNC = jimo.window_funnel_serialize,
    DESERIALFUNC = jimo.window_funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE jimo.window_funnel(interval, text, timestamptz, boolean[]) IS
'Ordered funnel (ClickHouse windowFunnel) with a mode: a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry (with strict_order), or '''' for the default';

-- One row per step: how many jimers reached at least that step, in order,
-- within funnel_window after their step 1.  Step i is "jimo.events.name =
-- step_events[i]", default mode, one funnel per jimer (jimer_uid not null).
-- The query is built for the number of steps, so that each row costs one
-- comparison per step; rows matching no step are left out before the
-- aggregate, as they change nothing in the default mode.  NULL experience:
-- every experience.
CREATE FUNCTION jimo.experience_event_funnel(experience uuid, funnel_window interval,
    VARIADIC step_events text[])
    RETURNS TABLE (step integer, event_name text, jimers bigint,
                   conversion_from_first numeric, conversion_from_previous numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer := coalesce(cardinality(step_events), 0);
BEGIN
    IF funnel_window IS NULL THEN
        RAISE EXCEPTION 'jimo.event_funnel: the window must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    ELSIF funnel_window <= interval '0' THEN
        -- as jimo.window_funnel would, but also when no event matches
        RAISE EXCEPTION 'jimo.event_funnel: the window must be positive, got "%"', funnel_window
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The window is the longest time allowed from the first step to the last, e.g. ''7 days''.';
    ELSIF n = 0 THEN
        RAISE EXCEPTION 'jimo.event_funnel: at least one step event is needed'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF n > 32 THEN
        RAISE EXCEPTION 'jimo.event_funnel: at most 32 steps, got %', n
            USING ERRCODE = 'too_many_arguments';
    END IF;
    RETURN QUERY EXECUTE format($q$
        WITH levels AS (
            SELECT jimo.window_funnel($2, e.occurred_at, %s) AS level
            FROM jimo.events e
            WHERE e.jimer_uid IS NOT NULL AND e.name = ANY ($3) %s
            GROUP BY e.jimer_uid
        ), reached AS (
            SELECT s.i AS step, $3[s.i] AS event_name, coalesce(sum(l.n), 0)::bigint AS jimers
            FROM generate_series(1, %s) AS s(i)
            LEFT JOIN (SELECT level, count(*) AS n FROM levels GROUP BY level) l ON l.level >= s.i
            GROUP BY s.i
        )
        SELECT step, event_name, jimers,
               round(jimers / nullif(first_value(jimers) OVER w, 0)::numeric, 4),
               round(jimers / nullif(lag(jimers) OVER w, 0)::numeric, 4)
        FROM reached
        WINDOW w AS (ORDER BY step)
        ORDER BY step
        $q$,
        (SELECT string_agg(format('e.name = $3[%s]', i), ', ' ORDER BY i)
         FROM generate_series(1, n) AS i),
        CASE WHEN experience IS NOT NULL THEN 'AND e.experience_uid = $1' ELSE '' END,
        n)
    USING experience, funnel_window, step_events;
END
$$;
COMMENT ON FUNCTION jimo.experience_event_funnel(uuid, interval, text[]) IS
'As jimo.event_funnel, counting only the events of one experience (NULL: every experience)';

CREATE FUNCTION jimo.event_funnel(funnel_window interval, VARIADIC step_events text[])
    RETURNS TABLE (step integer, event_name text, jimers bigint,
                   conversion_from_first numeric, conversion_from_previous numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT * FROM jimo.experience_event_funnel(NULL, funnel_window, VARIADIC step_events)
$$;
COMMENT ON FUNCTION jimo.event_funnel(interval, text[]) IS
'Ordered funnel over jimo.events, one row per step: jimers who reached at least that step (event name = step_events[i]) in order, every step within funnel_window after their step 1 (jimo.window_funnel, default mode), and the share of step 1 and of the step before; e.g. event_funnel(''7 days'', ''tour.completed'', ''survey.completed'')';

-- Readers may run funnels; writers only ingest (95_views_privileges.sql).
GRANT EXECUTE ON FUNCTION jimo.window_funnel(interval, timestamptz, boolean[]),
    jimo.window_funnel(interval, text, timestamptz, boolean[]),
    jimo.event_funnel(interval, text[]),
    jimo.experience_event_funnel(uuid, interval, text[])
    TO jimo_reader;

REVOKE ALL ON FUNCTION
    jimo.window_funnel_transition(internal, interval, timestamptz, boolean[]),
    jimo.window_funnel_transition(internal, interval, text, timestamptz, boolean[]),
    jimo.window_funnel_final(internal),
    jimo.window_funnel_combine(internal, internal),
    jimo.window_funnel_serialize(internal),
    jimo.window_funnel_deserialize(bytea, internal),
    jimo.window_funnel(interval, timestamptz, boolean[]),
    jimo.window_funnel(interval, text, timestamptz, boolean[]),
    jimo.experience_event_funnel(uuid, interval, text[]),
    jimo.event_funnel(interval, text[])
    FROM PUBLIC;
