-- jimo_webhooks 0.5 -> 0.6 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.6').
-- Assembled by the Makefile from sql/upgrade/0.5--0.6/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.6 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.5 (0.4, 0.3, 0.2, 0.1)
-- database holding data and upgraded with it equals a fresh 0.6 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.6'" to load this file. \quit
-- time_to_complete counts each converted journey once (see sql/install/34_views_cohorts.sql):
-- same columns and rows, read once rather than once per bucket.
CREATE OR REPLACE VIEW jimo.time_to_complete AS
WITH c AS MATERIALIZED (
    SELECT experience_uid, seconds_to_complete FROM jimo.journey_conversions WHERE converted
), b(bucket_index, bucket, from_seconds, to_seconds) AS (
    VALUES (1, '< 10 s', 0, 10), (2, '10 s - 1 min', 10, 60), (3, '1 - 5 min', 60, 300),
           (4, '5 - 30 min', 300, 1800), (5, '30 min - 1 h', 1800, 3600),
           (6, '1 h - 1 d', 3600, 86400), (7, '1 d or more', 86400, NULL)
), counts AS (
    SELECT c.experience_uid, b.bucket_index, count(*) AS jimers
    FROM c
    JOIN b ON c.seconds_to_complete >= b.from_seconds
          AND (b.to_seconds IS NULL OR c.seconds_to_complete < b.to_seconds)
    GROUP BY 1, 2
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0) AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT DISTINCT experience_uid FROM c) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;
-- The survey views join answers to their step by hashable keys, and
-- survey_step_scales reads answers grouped by step type first (see
-- sql/install/31_views_surveys_checklists.sql and 33_views_survey_scores.sql):
-- same columns and rows, several times faster (survey_choices: in 60_qa.sql).

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
    -- per step, from one row per step type sent (t below): the type of the
    -- latest answer (ties: the first type in order), and the type tested
    -- once per type rather than once per answer
    SELECT
        t.experience_uid,
        t.step_uid,
        (array_agg(t.step_type ORDER BY t.last_answered_at DESC, t.step_type)
             FILTER (WHERE t.step_type IS NOT NULL))[1] AS step_type,
        coalesce(bool_or(t.step_type ~* 'nps|net.?promoter'), false) AS nps_typed,
        sum(t.answers)::bigint AS answers,
        sum(t.numeric_answers)::bigint AS numeric_answers,
        bool_and(t.all_scores) AS all_scores,
        min(t.scale_min_seen) AS scale_min_seen,
        max(t.scale_max_seen) AS scale_max_seen,
        bool_or(t.with_choices) AS with_choices
    FROM (
        SELECT
            a.experience_uid,
            a.step_uid,
            a.step_type,
            max(a.answered_at) AS last_answered_at,
            count(*) AS answers,
            count(a.answer_number) AS numeric_answers,
            bool_and(coalesce(a.answer_number BETWEEN 0 AND 10
                              AND a.answer_number = trunc(a.answer_number), false)) AS all_scores,
            min(a.answer_number) AS scale_min_seen,
            max(a.answer_number) AS scale_max_seen,
            bool_or(a.answer_choices IS NOT NULL) AS with_choices
        FROM jimo.survey_answers a
        GROUP BY a.experience_uid, a.step_uid, a.step_type
    ) t
    GROUP BY t.experience_uid, t.step_uid
) g;

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
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    CROSS JOIN LATERAL (
        SELECT coalesce(a.answer_number BETWEEN 0 AND 10
                        AND a.answer_number = trunc(a.answer_number), false) AS is_score
    ) s
    LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
    GROUP BY a.experience_uid, x.title, x.is_deleted, a.step_uid, k.nps_typed, x.project_uid, x.tags
) g
WHERE responses > 0;

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
        round(avg(a.answer_number), 2) AS mean,
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
        SELECT a.experience_uid, a.step_uid, a.answer_number::text AS value, count(*) AS answers
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

CREATE OR REPLACE VIEW jimo.survey_nps_trend AS
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
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
    WHERE a.answer_number BETWEEN 0 AND 10 AND a.answer_number = trunc(a.answer_number)
    GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at)
) t
LEFT JOIN jimo.experiences x ON x.uid = t.experience_uid;

CREATE OR REPLACE VIEW jimo.survey_ratings_trend AS
SELECT
    a.experience_uid,
    a.step_uid,
    g.grain,
    date_trunc(g.grain, a.answered_at) AS period_start,
    count(*) AS responses,
    round(avg(a.answer_number), 2) AS mean,
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
-- experience_reach_daily names an experience's tags once, not once per day
-- (see sql/install/32_views_reach_health.sql): same columns and rows.
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
    x.tags
FROM jimo.seen_day_totals t
-- tag names computed once per experience, not once per day: grouped by its
-- key, the subquery is not pulled up into the join (a filter on the
-- experience still reaches its primary key); 0.5 named the tags of every
-- day's row, most of the view's time (10.5 -> 6.5 ms at 1M events)
LEFT JOIN (
    SELECT e.uid, e.type, e.title, e.is_deleted, e.project_uid, jimo.tag_names(e.tags) AS tags
    FROM jimo.experiences e
    GROUP BY e.uid
) x ON x.uid = t.experience_uid;
-- QA round 6: jimo.survey_choices counted an option as often as one answer
-- listed it (["red", "red"] made two selections of red); it counts each
-- option once per answer now. Same columns: replaced in place, comments kept.
-- (With the join of answers to their step of 31_survey_views.sql.)
CREATE OR REPLACE VIEW jimo.survey_choices AS
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
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    -- each option once per answer: an answer that lists it twice chose it once
    CROSS JOIN LATERAL (SELECT DISTINCT u.choice
                        FROM unnest(coalesce(a.answer_choices, ARRAY[a.answer_text])) AS u(choice)) AS o
    WHERE o.choice IS NOT NULL
    GROUP BY a.experience_uid, a.step_uid, o.choice
) c
JOIN (
    SELECT a.experience_uid, a.step_uid, count(DISTINCT a.jimer_uid) AS respondents
    FROM jimo.survey_answers a
    GROUP BY a.experience_uid, a.step_uid
) t ON coalesce(t.experience_uid::text, '') = coalesce(c.experience_uid::text, '')
   AND coalesce(t.step_uid, '') = coalesce(c.step_uid, '')
   AND (t.step_uid IS NULL) = (c.step_uid IS NULL)
LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid;
-- On a distributed database, the views replaced above that have a form of
-- their own for Citus (jimo.use_citus_views(): survey_ratings) get it back;
-- the other rewritten views are planned by Citus as they are written (and
-- time_to_complete's one-node form is now its Citus form).
DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF distributed THEN
        PERFORM jimo.use_citus_views();
    END IF;
END
$$;
