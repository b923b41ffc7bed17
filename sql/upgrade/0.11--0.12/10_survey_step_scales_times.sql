-- survey_step_scales gains the time of each step's first and latest answer
-- (from jimo.survey_step_stats, which 0.11 keeps them in): the survey views
-- that read one step at a time (20_survey_views_per_step.sql) read only the
-- months between them. New columns go last, so CREATE OR REPLACE keeps every
-- view that reads this one.
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
        coalesce(bool_or(t.step_type ~* 'nps|net.?promoter'), false) AS nps_typed,
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
'One row per answered survey step: the scale its answers are on and which summary view shows it. is_nps: the step''s type contains "nps" or "net promoter" (any case), or the step has no type and every answer is an integer 0..10 with at least one above 7 (so a 1-5 or 1-7 rating is never NPS; a step typed otherwise, e.g. OPINION_SCALE, never is). is_rating: not NPS and every answer is a number (see jimo.survey_ratings). is_choice: the type names a choice or some answer is a list of options (see jimo.survey_choices). Read from jimo.survey_step_stats, kept at ingest (0.11): every answer ever stored counts, those of months jimo.expire() dropped too, so a step keeps its scale when its older answers expire.';
COMMENT ON COLUMN jimo.survey_step_scales.first_answered_at IS 'Time of its first answer stored (expired ones included; 0.12)';
COMMENT ON COLUMN jimo.survey_step_scales.last_answered_at IS 'Time of its latest answer (0.12)';
COMMENT ON COLUMN jimo.survey_step_scales.answers IS 'Answers to the step stored (expired ones included)';

