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
-- Survey scales.  0.1's survey_nps read any step whose answers were all
-- integers 0..10 as NPS, so 1-5 ratings showed an NPS of -100.  The rule now
-- lives in jimo.survey_step_scales; ratings, choices and trends are new views.
-------------------------------------------------------------------------------

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
                             / responses))::numeric, 1) AS nps_margin_95
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
        count(*) FILTER (WHERE s.is_score AND a.answer_number <= 6) AS detractors
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
    GROUP BY a.experience_uid, x.title, x.is_deleted, a.step_uid, k.nps_typed
) g
WHERE responses > 0;

COMMENT ON VIEW jimo.survey_nps IS
'Net Promoter Score per NPS step of a survey: a step whose type says NPS, or an untyped step whose answers are all integers 0..10 with at least one above 7 (jimo.survey_step_scales has the rule; 1-5 and 1-7 ratings are in jimo.survey_ratings instead). Every answer counts (a recurring survey gives several per jimer); non-score answers of an NPS-typed step are left out.';
COMMENT ON COLUMN jimo.survey_nps.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_nps.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_nps.step_uid IS 'The NPS step';
COMMENT ON COLUMN jimo.survey_nps.step_title IS 'The step''s title as sent with its latest answer';
COMMENT ON COLUMN jimo.survey_nps.nps_typed IS 'True when the step''s type says NPS; false when the step was recognised by its untyped 0..10 integer answers';
COMMENT ON COLUMN jimo.survey_nps.responses IS 'Score answers (integers 0..10)';
COMMENT ON COLUMN jimo.survey_nps.respondents IS 'Distinct jimers among them';
COMMENT ON COLUMN jimo.survey_nps.promoters IS 'Answers of 9 or 10';
COMMENT ON COLUMN jimo.survey_nps.passives IS 'Answers of 7 or 8';
COMMENT ON COLUMN jimo.survey_nps.detractors IS 'Answers of 0 to 6';
COMMENT ON COLUMN jimo.survey_nps.nps IS '100 * (promoters - detractors) / responses, -100..100, 1 decimal';
COMMENT ON COLUMN jimo.survey_nps.nps_margin_95 IS '95% margin of error of nps in points: 1.96 * 100 * sqrt((p + d - (p - d)^2) / n) with p, d the promoter and detractor shares and n = responses (1 decimal)';

-------------------------------------------------------------------------------
-- Survey steps by the scale they are answered on (jimo.survey_step_scales):
-- ratings, choices, and NPS and ratings over time.
-------------------------------------------------------------------------------

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
    d.distribution
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
    round(c.respondents::numeric / nullif(t.respondents, 0), 4) AS share_of_respondents
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
    round(100.0 * (promoters - detractors) / responses, 1) AS nps
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
) t;

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
    percentile_cont(0.5) WITHIN GROUP (ORDER BY a.answer_number) AS median
FROM jimo.survey_answers a
JOIN jimo.survey_step_scales k
  ON k.is_rating
 AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
 AND k.step_uid IS NOT DISTINCT FROM a.step_uid
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at);

COMMENT ON VIEW jimo.survey_ratings_trend IS
'Mean and median of each rating step (as in jimo.survey_ratings) per week and per month of the answer time: filter on grain. Medians are computed per period, never averaged from shorter ones. Weeks start on Monday; periods follow the session''s TimeZone.';
COMMENT ON COLUMN jimo.survey_ratings_trend.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_ratings_trend.step_uid IS 'The rating step';
COMMENT ON COLUMN jimo.survey_ratings_trend.grain IS 'week or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.period_start IS 'Start of the week (Monday) or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.responses IS 'Answers in the period';
COMMENT ON COLUMN jimo.survey_ratings_trend.mean IS 'Mean answer in the period (2 decimals)';
COMMENT ON COLUMN jimo.survey_ratings_trend.median IS 'Median answer in the period';

GRANT SELECT ON jimo.survey_step_scales, jimo.survey_ratings, jimo.survey_choices,
    jimo.survey_nps_trend, jimo.survey_ratings_trend TO jimo_reader;
