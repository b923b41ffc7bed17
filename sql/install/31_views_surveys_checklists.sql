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
    a.event_id,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
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
    lag(st.reached_jimers) OVER w - st.reached_jimers AS drop_off_jimers,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
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
COMMENT ON COLUMN jimo.survey_funnel.step_title IS 'The step''s title as sent with its newest answer (by time, then event rank and digest, as jimo.survey_steps keeps it; NULL when that answer sent none): the same in survey_nps and survey_ratings (0.12)';
COMMENT ON COLUMN jimo.survey_funnel.step_type IS 'The step''s type as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_funnel.step_position IS 'The step''s position as sent with its latest answer, when known';
COMMENT ON COLUMN jimo.survey_funnel.reached_jimers IS 'Distinct jimers who reached the stage: started, answered the step, or completed';
COMMENT ON COLUMN jimo.survey_funnel.conversion_from_start IS 'reached_jimers / reached_jimers of the started row (4 decimals; NULL when nobody started; may exceed 1 when answers arrive without starts)';
COMMENT ON COLUMN jimo.survey_funnel.conversion_from_previous IS 'reached_jimers / reached_jimers of the previous stage (4 decimals; NULL on the started row)';
COMMENT ON COLUMN jimo.survey_funnel.drop_off_jimers IS 'reached_jimers of the previous stage minus this one''s: how many fewer jimers got this far (NULL on the started row; negative when more jimers reach a stage than the one before, e.g. an optional step or answers without a start)';

-- What scale each survey step is answered on, and so which summary fits it.
-- 0.1 took any step whose answers were all integers 0..10 for NPS, so a 1-5
-- "How satisfied are you?" step showed an NPS of -100.  The rule now: a step
-- is NPS when its type says so; an untyped step is NPS only when every answer
-- is an integer 0..10 and at least one is above 7, which no 1-5 or 1-7 scale
-- can give; a step typed anything else never is.  A step sent with an NPS
-- type and with another (an author who turned it into an opinion scale, say)
-- is not NPS either (0.15): 0.14 took it for NPS when any answer's type said
-- so, and counted a 3 sent as OPINION_SCALE as a detractor.
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
        OR with_choices AS is_choice,
    first_answered_at,
    last_answered_at
FROM (
    -- per step, from one row per step type sent (jimo.survey_step_stats,
    -- kept at ingest since 0.11; before, the same numbers were computed
    -- from every answer on every read): the type of the latest answer
    -- (ties: the first type in order), and the type tested once per type
    SELECT
        t.experience_uid,
        t.step_uid,
        (array_agg(t.step_type ORDER BY t.last_answered_at DESC, t.step_type)
             FILTER (WHERE t.step_type IS NOT NULL))[1] AS step_type,
        coalesce(bool_and(t.step_type ~* 'nps|net.?promoter')
                     FILTER (WHERE t.step_type IS NOT NULL), false) AS nps_typed,
        sum(t.answers)::bigint AS answers,
        sum(t.numeric_answers)::bigint AS numeric_answers,
        bool_and(t.all_scores) AS all_scores,
        -- equal numbers sent as 5 and 5.0: the shortest form, whichever
        -- of them was read first
        trim_scale(min(t.scale_min_seen)) AS scale_min_seen,
        trim_scale(max(t.scale_max_seen)) AS scale_max_seen,
        bool_or(t.with_choices) AS with_choices,
        min(t.first_answered_at) AS first_answered_at,
        max(t.last_answered_at) AS last_answered_at
    FROM jimo.survey_step_stats t
    GROUP BY t.experience_uid, t.step_uid
) g;

COMMENT ON VIEW jimo.survey_step_scales IS
'One row per answered survey step: the scale its answers are on and which summary view shows it. is_nps: the step''s type contains "nps" or "net promoter" (any case), or the step has no type and every answer is an integer 0..10 with at least one above 7 (so a 1-5 or 1-7 rating is never NPS; a step typed otherwise, e.g. OPINION_SCALE, never is, nor one typed NPS in some answers and otherwise in others). is_rating: not NPS and every answer is a number (see jimo.survey_ratings). is_choice: the type names a choice or some answer is a list of options (see jimo.survey_choices). Read from jimo.survey_step_stats, kept at ingest (0.11): every answer ever stored counts, those of months jimo.expire() dropped too, so a step keeps its scale when its older answers expire.';
COMMENT ON COLUMN jimo.survey_step_scales.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_step_scales.step_uid IS 'The step';
COMMENT ON COLUMN jimo.survey_step_scales.step_type IS 'The step''s type as sent with its latest typed answer (NULL when never sent)';
COMMENT ON COLUMN jimo.survey_step_scales.nps_typed IS 'True when every answer that sends a step type sends one that says NPS (and at least one does; 0.14: some answer)';
COMMENT ON COLUMN jimo.survey_step_scales.answers IS 'Answers to the step stored (expired ones included)';
COMMENT ON COLUMN jimo.survey_step_scales.numeric_answers IS 'Answers that are numbers';
COMMENT ON COLUMN jimo.survey_step_scales.scale_min_seen IS 'Lowest numeric answer seen (the scale itself is not sent by Jimo), in its shortest form (5.0 shows as 5)';
COMMENT ON COLUMN jimo.survey_step_scales.scale_max_seen IS 'Highest numeric answer seen, in its shortest form';
COMMENT ON COLUMN jimo.survey_step_scales.is_nps IS 'Shown in jimo.survey_nps (rule in the view comment)';
COMMENT ON COLUMN jimo.survey_step_scales.is_rating IS 'Shown in jimo.survey_ratings: not NPS, every answer a number';
COMMENT ON COLUMN jimo.survey_step_scales.is_choice IS 'Shown in jimo.survey_choices';
COMMENT ON COLUMN jimo.survey_step_scales.first_answered_at IS 'Time of its first answer stored (expired ones included; 0.12)';
COMMENT ON COLUMN jimo.survey_step_scales.last_answered_at IS 'Time of its latest answer (0.12)';

CREATE VIEW jimo.survey_nps AS
SELECT
    k.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    -- the title survey_funnel shows (the step's newest answer, jimo.survey_steps),
    -- so that a step has one title in every view (0.12); the latest title sent
    -- for a step that survey_funnel does not list (no survey, or no jimer),
    -- looked up only then: a sort of every answer of every step otherwise
    k.step_uid,
    CASE WHEN ss.experience_uid IS NULL
         THEN (SELECT a.step_title FROM jimo.step_answers(k.experience_uid, k.step_uid) a
               WHERE a.step_title IS NOT NULL ORDER BY a.answered_at DESC, a.step_title LIMIT 1)
         ELSE ss.step_title END AS step_title,
    k.nps_typed,
    c.responses,
    c.respondents,
    c.promoters,
    c.passives,
    c.detractors,
    round(100.0 * (c.promoters - c.detractors) / c.responses, 1) AS nps,
    round((1.96 * 100 * sqrt((c.promoters::numeric / c.responses + c.detractors::numeric / c.responses
                              - ((c.promoters - c.detractors)::numeric / c.responses) ^ 2)
                             / c.responses))::numeric, 1) AS nps_margin_95,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_step_scales k
CROSS JOIN LATERAL (
    SELECT
        count(*) FILTER (WHERE s.is_score) AS responses,
        count(DISTINCT a.jimer_uid) FILTER (WHERE s.is_score) AS respondents,
        count(*) FILTER (WHERE s.is_score AND a.answer_number >= 9) AS promoters,
        count(*) FILTER (WHERE s.is_score AND a.answer_number IN (7, 8)) AS passives,
        count(*) FILTER (WHERE s.is_score AND a.answer_number <= 6) AS detractors
    FROM jimo.step_answers(k.experience_uid, k.step_uid) a
    CROSS JOIN LATERAL (
        SELECT coalesce(a.answer_number BETWEEN 0 AND 10
                        AND a.answer_number = trunc(a.answer_number), false) AS is_score
    ) s
) c
LEFT JOIN jimo.survey_steps ss
       ON ss.experience_uid = k.experience_uid AND ss.step_uid = coalesce(k.step_uid, '')
LEFT JOIN jimo.experiences x ON x.uid = k.experience_uid
WHERE k.is_nps AND c.responses > 0;

COMMENT ON VIEW jimo.survey_nps IS
'Net Promoter Score per NPS step of a survey: a step whose type says NPS, or an untyped step whose answers are all integers 0..10 with at least one above 7 (jimo.survey_step_scales has the rule; 1-5 and 1-7 ratings are in jimo.survey_ratings instead). Every answer counts (a recurring survey gives several per jimer); non-score answers of an NPS-typed step are left out.';
COMMENT ON COLUMN jimo.survey_nps.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_nps.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_nps.step_uid IS 'The NPS step';
COMMENT ON COLUMN jimo.survey_nps.step_title IS 'The step''s title as sent with its newest answer (by time, then event rank and digest, as jimo.survey_steps keeps it), the same in survey_funnel, survey_nps and survey_ratings; NULL when that answer sent none (0.11 and before: survey_nps and survey_ratings showed the latest title sent, which could differ). For a step survey_funnel does not list (answers without a survey or without a jimer): the latest title sent';
COMMENT ON COLUMN jimo.survey_nps.nps_typed IS 'True when the step''s type says NPS; false when the step was recognised by its untyped 0..10 integer answers';
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
    max(t.occurred_at) AS last_activity_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.checklist_tasks t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid
GROUP BY t.experience_uid, x.title, x.is_deleted, t.task_uid, x.project_uid, x.tags;

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

-- Every per-experience view carries its project and tags, to filter or group
-- by them without a join.
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
