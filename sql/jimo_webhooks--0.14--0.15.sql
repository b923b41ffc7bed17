-- jimo_webhooks 0.14 -> 0.15 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.15').
-- Assembled by the Makefile from sql/upgrade/0.14--0.15/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.15 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.14 (0.13, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.15 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.15'" to load this file. \quit
-- Tag uids and names of experience_tags through jimo.json_text(): ->> wrote
-- every digit of a number such as 1e131071 (131 072 characters from 9 bytes
-- of a body) on every read.  The view keeps its columns, types and comments.
-- What ->> gives for a value taken with ->, but with numbers beyond 1e40
-- or below 1e-40 in exponent form (src/tags.c): ->> writes every digit, so
-- the 9 bytes of 1e131071 in a tag name made 131 072 characters on every
-- read (0.15).
CREATE FUNCTION jimo.json_text(value jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_json_text';
COMMENT ON FUNCTION jimo.json_text(jsonb) IS
'The text of a JSON value as ->> gives it (NULL for JSON null), with numbers of magnitude 1e40 and over or under 1e-40 in exponent form (at most 16 significant digits) instead of every digit';

CREATE OR REPLACE VIEW jimo.experience_tags AS
SELECT e.uid AS experience_uid,
       jimo.json_text(t.tag -> 'uid') AS tag_uid,
       jimo.json_text(t.tag -> 'name') AS name
FROM jimo.experiences e
CROSS JOIN LATERAL jsonb_array_elements(e.tags) AS t(tag)
WHERE jsonb_typeof(e.tags) = 'array';
COMMENT ON VIEW jimo.experience_tags IS 'Tags of each experience as of its latest snapshot';
COMMENT ON COLUMN jimo.experience_tags.experience_uid IS 'The experience';
COMMENT ON COLUMN jimo.experience_tags.tag_uid IS 'Tag uid as sent';
COMMENT ON COLUMN jimo.experience_tags.name IS 'Tag name';
REVOKE ALL ON FUNCTION jimo.json_text(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.json_text(jsonb) TO jimo_reader;
-- A survey step sent with an NPS type in some answers and another type in
-- others is not NPS (0.14 counted its 1-5 answers as detractors).
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

-- The counts of *.seen, post.liked and post.commented events in the reach and
-- engagement views come from the journeys: their comments now say that an
-- event sent without a jimer is not among them.
COMMENT ON COLUMN jimo.experience_reach.views IS 'Distinct *.seen events of jimers (redeliveries of one event count once); counted from the journeys, so an event sent without a jimer is not counted here (jimo.events keeps it)';
COMMENT ON COLUMN jimo.experience_reach_daily.views IS 'Distinct *.seen events of jimers that day (an event sent without a jimer is not counted; jimo.events keeps it)';
COMMENT ON COLUMN jimo.post_engagement.likes IS 'Distinct post.liked events of jimers; counted from the journeys, so one sent without a jimer is not counted here (jimo.post_likes and jimo.events keep it)';
COMMENT ON COLUMN jimo.post_engagement.comments IS 'Distinct post.commented events of jimers; one sent without a jimer is not counted here (jimo.post_comments and jimo.events keep it)';
