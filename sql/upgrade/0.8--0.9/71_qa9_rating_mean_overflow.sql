-- The mean of survey_ratings and survey_ratings_trend counts an answer beyond
-- +-1e1000 as +-1e1000: two answers written out with 131 072 digits each
-- overflowed numeric in the sum, and both views failed for every survey (QA
-- round 9, test/pgtap/99_rating_mean_overflow.sql).
CREATE OR REPLACE VIEW jimo.survey_ratings AS
SELECT
    r.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    r.step_uid,
    r.step_title,
    r.step_type,
    r.responses,
    r.respondents,
    r.mean,
    r.median,
    r.scale_min_seen,
    r.scale_max_seen,
    d.distribution,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT
        a.experience_uid,
        a.step_uid,
        (array_agg(a.step_title ORDER BY a.answered_at DESC, a.step_title)
             FILTER (WHERE a.step_title IS NOT NULL))[1] AS step_title,
        k.step_type,
        k.scale_min_seen,
        k.scale_max_seen,
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
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_rating
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    GROUP BY a.experience_uid, a.step_uid, k.step_type, k.scale_min_seen, k.scale_max_seen
) r
JOIN (
    -- how many answers each value got, for every step with numbers at once
    -- (every answer of a rating step is a number)
    SELECT v.experience_uid, v.step_uid, jsonb_object_agg(v.value, v.answers) AS distribution
    FROM (
        -- keyed by the shortest form of the number: 5 and 5.0 count together
        -- as "5", whichever was read first
        SELECT a.experience_uid, a.step_uid, trim_scale(a.answer_number)::text AS value, count(*) AS answers
        FROM jimo.survey_answers a
        WHERE a.answer_number IS NOT NULL
        GROUP BY a.experience_uid, a.step_uid, a.answer_number
    ) v
    GROUP BY v.experience_uid, v.step_uid
) d
  ON coalesce(d.experience_uid::text, '') = coalesce(r.experience_uid::text, '')
 AND coalesce(d.step_uid, '') = coalesce(r.step_uid, '')
 AND (d.step_uid IS NULL) = (r.step_uid IS NULL)
LEFT JOIN jimo.experiences x ON x.uid = r.experience_uid;
COMMENT ON COLUMN jimo.survey_ratings.mean IS 'Mean answer (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';

CREATE OR REPLACE VIEW jimo.survey_ratings_trend AS
SELECT
    a.experience_uid,
    a.step_uid,
    g.grain,
    date_trunc(g.grain, a.answered_at) AS period_start,
    count(*) AS responses,
    -- beyond +-1e1000 an answer counts as +-1e1000 (see survey_ratings)
    round(avg(least(greatest(a.answer_number, -1e1000), 1e1000)), 2) AS mean,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM jimo.survey_answers a
JOIN jimo.survey_step_scales k
  ON k.is_rating
 AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
 AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
 AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at), x.project_uid, x.tags;
COMMENT ON COLUMN jimo.survey_ratings_trend.mean IS 'Mean answer in the period (2 decimals); an answer beyond +-1e1000 counts as +-1e1000';
-- (their Citus forms: 90_citus_views.sql)
