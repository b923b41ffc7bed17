-------------------------------------------------------------------------------
-- Survey steps by the scale they are answered on (jimo.survey_step_scales):
-- ratings, choices, and NPS and ratings over time.
-------------------------------------------------------------------------------

-- Each view reads one step at a time (jimo.step_answers, 25_view_functions.sql):
-- the steps it shows come from jimo.survey_step_scales, one row per step kept
-- at ingest, and each step's answers are an index range of every month.
-- Until 0.10 the answers of every step were joined to their step (written
-- with coalesce to '' and the NULL-ness of each key, so that the join could
-- be hashed: 1.7 s -> 0.3 s for survey_ratings at 1M events in 0.6), and
-- survey_ratings and survey_choices grouped every answer of every step once
-- more.  On Citus, jimo.use_citus_views() puts that join back (55_citus_views.sql).

-- An answer as double precision, for percentile_cont: numbers beyond its
-- range become +-Infinity, and those too close to 0 become 0, where the cast
-- would fail (one answer of 1e400 failed every rating view).  The order of
-- answers is kept.  A SQL function of its argument only: inlined.
CREATE FUNCTION jimo.answer_float8(answer numeric) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN abs(answer) >= 1e308 THEN sign(answer)::double precision * 'Infinity'::double precision
                WHEN abs(answer) < 1e-307 THEN 0::double precision
                ELSE answer::double precision END
$$;
COMMENT ON FUNCTION jimo.answer_float8(numeric) IS
'A numeric answer as double precision without failing: beyond the range +-Infinity, too close to 0 zero (for medians)';

CREATE VIEW jimo.survey_ratings AS
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
FROM jimo.survey_step_scales k
CROSS JOIN LATERAL (
    SELECT
        count(*) AS responses,
        count(DISTINCT a.jimer_uid) AS respondents,
        -- a JSON number may be written out with up to 131 072 digits, and
        -- numeric holds it, but the sum of two such answers overflows
        -- numeric ("value overflows numeric format" failed the view for
        -- every survey): beyond +-1e1000, the largest a number in exponent
        -- notation can be, an answer counts as +-1e1000 in the mean
        round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
        -- percentile_cont takes double precision; an answer beyond its range
        -- (1e400 is valid JSON and a valid numeric) must not fail the view:
        -- such answers sort as +-Infinity or 0, in the same order
        percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median
    FROM jimo.step_answers(k.experience_uid, k.step_uid) a
) r
CROSS JOIN LATERAL (
    -- how many answers each value got, keyed by the shortest form of the
    -- number: 5 and 5.0 count together as "5", whichever was read first
    SELECT jsonb_object_agg(v.value, v.answers) AS distribution
    FROM (
        SELECT trim_scale(a.answer_number)::text AS value, count(*) AS answers
        FROM jimo.step_answers(k.experience_uid, k.step_uid) a
        WHERE a.answer_number IS NOT NULL
        GROUP BY a.answer_number
    ) v
) d
LEFT JOIN jimo.survey_steps ss
       ON ss.experience_uid = k.experience_uid AND ss.step_uid = coalesce(k.step_uid, '')
LEFT JOIN jimo.experiences x ON x.uid = k.experience_uid
WHERE k.is_rating AND r.responses > 0 AND d.distribution IS NOT NULL;

COMMENT ON VIEW jimo.survey_ratings IS
'Per rating step of a survey (every answer a number and the step not NPS, see jimo.survey_step_scales: opinion scales, 1-5 or 1-7 satisfaction, sliders): responses, mean, median, the scale seen and how many answers each value got. Every answer counts.';
COMMENT ON COLUMN jimo.survey_ratings.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_ratings.title IS 'Title of the survey (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings.is_deleted IS 'True once the survey was deleted';
COMMENT ON COLUMN jimo.survey_ratings.step_uid IS 'The rating step';
COMMENT ON COLUMN jimo.survey_ratings.step_title IS 'The step''s title as sent with its newest answer (by time, then event rank and digest, as jimo.survey_steps keeps it), the same in survey_funnel, survey_nps and survey_ratings; NULL when that answer sent none (0.11 and before: survey_nps and survey_ratings showed the latest title sent, which could differ). For a step survey_funnel does not list (answers without a survey or without a jimer): the latest title sent';
COMMENT ON COLUMN jimo.survey_ratings.step_type IS 'The step''s type as sent with its latest typed answer';
COMMENT ON COLUMN jimo.survey_ratings.responses IS 'Answers';
COMMENT ON COLUMN jimo.survey_ratings.respondents IS 'Distinct jimers among them';
COMMENT ON COLUMN jimo.survey_ratings.mean IS 'Mean answer (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';
COMMENT ON COLUMN jimo.survey_ratings.median IS 'Median answer (interpolated between the two middle answers when their number is even)';
COMMENT ON COLUMN jimo.survey_ratings.scale_min_seen IS 'Lowest answer seen (Jimo does not send the scale itself), in its shortest form (5.0 shows as 5)';
COMMENT ON COLUMN jimo.survey_ratings.scale_max_seen IS 'Highest answer seen, in its shortest form';
COMMENT ON COLUMN jimo.survey_ratings.distribution IS 'Answers per value, as a JSON object {"value": answers}; a value in its shortest form (answers 5 and 5.0 count together as "5")';

CREATE VIEW jimo.survey_choices AS
SELECT
    k.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    k.step_uid,
    c.choice,
    c.selections,
    c.respondents,
    c.step_respondents,
    round(c.respondents::numeric / nullif(c.step_respondents, 0), 4) AS share_of_respondents,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_step_scales k
-- One read of the step's answers (0.12; before, one for the step's
-- respondents and one for the options): a row per option of each answer,
-- and one for an answer without any (LEFT JOIN), grouped by option and
-- once for the whole step, whose distinct jimers are the step's
-- respondents.
CROSS JOIN LATERAL (
    SELECT g.choice, g.selections, g.respondents, g.whole,
           max(g.respondents) FILTER (WHERE g.whole) OVER () AS step_respondents
    FROM (
        SELECT o.choice,
               count(*) AS selections,
               count(DISTINCT a.jimer_uid) AS respondents,
               grouping(o.choice) = 1 AS whole
        FROM jimo.step_answers(k.experience_uid, k.step_uid) a
        -- each option once per answer: an answer that lists it twice chose it once
        LEFT JOIN LATERAL (SELECT DISTINCT u.choice
                           FROM unnest(coalesce(a.answer_choices, ARRAY[a.answer_text])) AS u(choice)) AS o ON true
        GROUP BY GROUPING SETS ((o.choice), ())
    ) g
) c
LEFT JOIN jimo.experiences x ON x.uid = k.experience_uid
WHERE k.is_choice AND NOT c.whole AND c.choice IS NOT NULL;

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
    k.experience_uid,
    k.step_uid,
    g.grain,
    p.period_start,
    c.responses,
    c.promoters,
    c.passives,
    c.detractors,
    round(100.0 * (c.promoters - c.detractors) / c.responses, 1) AS nps,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_step_scales k
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
CROSS JOIN LATERAL jimo.answer_periods(g.grain, k.experience_uid, k.step_uid,
                                     k.first_answered_at, k.last_answered_at) AS p(period_start)
CROSS JOIN LATERAL (
    SELECT
        count(*) AS responses,
        count(*) FILTER (WHERE a.answer_number >= 9) AS promoters,
        count(*) FILTER (WHERE a.answer_number IN (7, 8)) AS passives,
        count(*) FILTER (WHERE a.answer_number <= 6) AS detractors
    FROM jimo.step_answers(k.experience_uid, k.step_uid, p.period_start,
                           p.period_start + ('1 ' || g.grain)::interval) a
    WHERE a.answer_number BETWEEN 0 AND 10 AND a.answer_number = trunc(a.answer_number)
) c
LEFT JOIN jimo.experiences x ON x.uid = k.experience_uid
WHERE k.is_nps AND c.responses > 0;

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
    k.experience_uid,
    k.step_uid,
    g.grain,
    p.period_start,
    c.responses,
    c.mean,
    c.median,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_step_scales k
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
CROSS JOIN LATERAL jimo.answer_periods(g.grain, k.experience_uid, k.step_uid,
                                     k.first_answered_at, k.last_answered_at) AS p(period_start)
CROSS JOIN LATERAL (
    SELECT
        count(*) AS responses,
        -- beyond +-1e1000 an answer counts as +-1e1000 (see survey_ratings)
        round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median
    FROM jimo.step_answers(k.experience_uid, k.step_uid, p.period_start,
                           p.period_start + ('1 ' || g.grain)::interval) a
) c
LEFT JOIN jimo.experiences x ON x.uid = k.experience_uid
WHERE k.is_rating AND c.responses > 0;

COMMENT ON VIEW jimo.survey_ratings_trend IS
'Mean and median of each rating step (as in jimo.survey_ratings) per week and per month of the answer time: filter on grain. Medians are computed per period, never averaged from shorter ones. Weeks start on Monday; periods follow the session''s TimeZone.';
COMMENT ON COLUMN jimo.survey_ratings_trend.experience_uid IS 'The survey';
COMMENT ON COLUMN jimo.survey_ratings_trend.step_uid IS 'The rating step';
COMMENT ON COLUMN jimo.survey_ratings_trend.grain IS 'week or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.period_start IS 'Start of the week (Monday) or month';
COMMENT ON COLUMN jimo.survey_ratings_trend.responses IS 'Answers in the period';
COMMENT ON COLUMN jimo.survey_ratings_trend.mean IS 'Mean answer in the period (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';
COMMENT ON COLUMN jimo.survey_ratings_trend.median IS 'Median answer in the period';

-- Every per-experience view carries its project and tags, to filter or group
-- by them without a join.
COMMENT ON COLUMN jimo.survey_ratings.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_choices.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_choices.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_nps_trend.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_nps_trend.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.survey_ratings_trend.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.survey_ratings_trend.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
