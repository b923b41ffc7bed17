-- jimo_webhooks 0.10 -> 0.11 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.11').
-- Assembled by the Makefile from sql/upgrade/0.10--0.11/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.11 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.10 (0.9, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.11 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.11'" to load this file. \quit
-- Issue 8: every survey view decided each step's scale (NPS, rating,
-- choices) from all of jimo.survey_answers, on every read.  Ingest now keeps
-- what that decision needs in jimo.survey_step_stats (src/step_scales.c),
-- and jimo.survey_step_scales reads it.
-- What each step is answered on, per step type sent, kept at ingest so that
-- jimo.survey_step_scales (which decides between NPS, rating and choices)
-- reads one row per step instead of every answer (0.11).  Counts, minimums,
-- maximums, AND and OR: the merge is order-independent.  Survey, step and
-- type may each be missing from an answer; NULLs are one key value here.
CREATE TABLE jimo.survey_step_stats (
    experience_uid     uuid,
    step_uid           text,
    step_type          text,
    first_answered_at  timestamptz NOT NULL,
    last_answered_at   timestamptz NOT NULL,
    answers            bigint NOT NULL,
    numeric_answers    bigint NOT NULL,
    all_scores         boolean NOT NULL,
    scale_min_seen     numeric,
    scale_max_seen     numeric,
    with_choices       boolean NOT NULL
) WITH (fillfactor = 80);
-- The type is keyed by its MD5: it is stored as sent, of any length, and an
-- index entry holds at most 2.7 kB (step uids are bounded at ingest).
CREATE UNIQUE INDEX survey_step_stats_key ON jimo.survey_step_stats
    (experience_uid, step_uid, md5(step_type)) NULLS NOT DISTINCT;
COMMENT ON TABLE jimo.survey_step_stats IS 'One row per survey, step and step type sent with its answers (NULLs included): how its answers are scaled, maintained at ingest from every survey.step.answered stored; jimo.survey_step_scales reads it (0.11)';
COMMENT ON COLUMN jimo.survey_step_stats.step_type IS 'The step type as sent with these answers (NULL when none was)';
COMMENT ON COLUMN jimo.survey_step_stats.first_answered_at IS 'Earliest answer time';
COMMENT ON COLUMN jimo.survey_step_stats.last_answered_at IS 'Latest answer time';
COMMENT ON COLUMN jimo.survey_step_stats.answers IS 'Distinct survey.step.answered events stored';
COMMENT ON COLUMN jimo.survey_step_stats.numeric_answers IS 'Those whose answer is a number';
COMMENT ON COLUMN jimo.survey_step_stats.all_scores IS 'True when every answer is an integer 0..10';
COMMENT ON COLUMN jimo.survey_step_stats.scale_min_seen IS 'Lowest numeric answer';
COMMENT ON COLUMN jimo.survey_step_stats.scale_max_seen IS 'Highest numeric answer';
COMMENT ON COLUMN jimo.survey_step_stats.with_choices IS 'True when some answer is a list of options';

-- Filled from the answers stored.  The SHARE lock waits for the calls
-- writing answers now, so that their answers are counted here; a call that
-- starts after it finds the table and writes it itself (step_scales.c).
-- Not on a Citus worker, where Citus runs this script again with DDL
-- propagation off: there jimo.survey_answers holds no rows (its shards do).
DO $$
BEGIN
    IF coalesce(current_setting('citus.enable_ddl_propagation', true), 'on') = 'off' THEN
        RETURN;
    END IF;
    LOCK TABLE jimo.survey_answers IN SHARE MODE;
    INSERT INTO jimo.survey_step_stats
        (experience_uid, step_uid, step_type, first_answered_at, last_answered_at,
         answers, numeric_answers, all_scores, scale_min_seen, scale_max_seen, with_choices)
    SELECT experience_uid, step_uid, step_type, min(answered_at), max(answered_at),
           count(*), count(answer_number),
           bool_and(coalesce(answer_number BETWEEN 0 AND 10
                             AND answer_number = trunc(answer_number), false)),
           trim_scale(min(answer_number)), trim_scale(max(answer_number)),
           bool_or(answer_choices IS NOT NULL)
    FROM jimo.survey_answers
    GROUP BY experience_uid, step_uid, step_type;
END
$$;
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_step_stats', '');
GRANT SELECT ON jimo.survey_step_stats TO jimo_reader;

-- On Citus it stays on the coordinator (jimo.citus_tables()): an upgrade
-- cannot make a new table a reference table, since Citus runs this script on
-- the workers only after the coordinator's and never creates an extension's
-- table on a worker itself.  Only ingest on the coordinator writes it, and
-- Citus reads it into the survey views' distributed queries as a subquery.
CREATE OR REPLACE FUNCTION jimo.citus_tables(OUT table_name name, OUT placement text,
                                  OUT shard_column name)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    -- jimers first: the others are colocated with it
    VALUES ('jimers'::name, 'distributed'::text, 'uid'::name),
           ('events', 'distributed', 'jimer_key'),
           ('survey_answers', 'distributed', 'jimer_key'),
           ('checklist_tasks', 'distributed', 'jimer_key'),
           ('post_comments', 'distributed', 'jimer_key'),
           ('post_likes', 'distributed', 'jimer_key'),
           ('journeys', 'distributed', 'jimer_uid'),
           ('survey_step_journeys', 'distributed', 'jimer_uid'),
           ('seen_days', 'distributed', 'jimer_uid'),
           ('experiences', 'reference', NULL),
           ('projects', 'reference', NULL),
           ('users', 'reference', NULL),
           ('survey_steps', 'reference', NULL),
           ('seen_day_totals', 'reference', NULL),
           ('rejected', 'coordinator', NULL),
           ('delivery_days', 'coordinator', NULL),
           ('delivery_lags', 'coordinator', NULL),
           ('expired_months', 'coordinator', NULL),
           ('survey_step_stats', 'coordinator', NULL)
$$;

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
        OR with_choices AS is_choice
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
        bool_or(t.with_choices) AS with_choices
    FROM jimo.survey_step_stats t
    GROUP BY t.experience_uid, t.step_uid
) g;

COMMENT ON VIEW jimo.survey_step_scales IS
'One row per answered survey step: the scale its answers are on and which summary view shows it. is_nps: the step''s type contains "nps" or "net promoter" (any case), or the step has no type and every answer is an integer 0..10 with at least one above 7 (so a 1-5 or 1-7 rating is never NPS; a step typed otherwise, e.g. OPINION_SCALE, never is). is_rating: not NPS and every answer is a number (see jimo.survey_ratings). is_choice: the type names a choice or some answer is a list of options (see jimo.survey_choices). Read from jimo.survey_step_stats, kept at ingest (0.11): every answer ever stored counts, those of months jimo.expire() dropped too, so a step keeps its scale when its older answers expire.';
COMMENT ON COLUMN jimo.survey_step_scales.answers IS 'Answers to the step stored (expired ones included)';

