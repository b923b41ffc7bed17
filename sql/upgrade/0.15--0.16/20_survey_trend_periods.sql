-- The survey trends read a step's periods from jimo.answer_periods(grain,
-- survey, step, first, last): between 2000 and a year from now every period
-- as before, outside only those the step's answers fall in.  One answer at
-- the largest time accepted (the year 275760) made them generate 14 million
-- weeks for its step (an audit of 0.15).  The same rows: empty periods were
-- never shown.  On Citus the trends group the answers (jimo.use_citus_views()),
-- and are put back as they were.
-- The same periods for one step, without the empty ones past a bound: every
-- week or month from 2000 to a year from now that the step's first and last
-- answers span, and beyond those bounds only the periods its answers fall in.
-- An answer is accepted up to the year 275760; one there made the trends
-- generate 14 million weeks for its step (an audit of 0.15: over 120 s).
CREATE FUNCTION jimo.answer_periods(grain text, survey uuid, step text,
                                    first_at timestamptz, last_at timestamptz)
    RETURNS SETOF timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 8
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH b AS (SELECT greatest(first_at, timestamptz '2000-01-01 00:00+00') AS lo,
                      least(last_at, now() + interval '1 year') AS hi)
    SELECT generate_series(date_trunc(grain, b.lo), b.hi, ('1 ' || grain)::interval)
    FROM b WHERE b.lo <= b.hi
    UNION
    SELECT date_trunc(grain, a.answered_at)
    FROM b, jimo.step_answers(survey, step, first_at, b.lo) a
    UNION
    SELECT date_trunc(grain, a.answered_at)
    FROM b, jimo.step_answers(survey, step, b.hi, last_at + interval '1 microsecond') a
$$;
COMMENT ON FUNCTION jimo.answer_periods(text, uuid, text, timestamptz, timestamptz) IS
'The starts of the weeks or months (grain) of a survey step''s answers, in the session''s time zone: every one from the period of its first answer to that of its last between 2000 and a year from now, and outside that only those its answers fall in (0.16): the periods of the survey trends';
REVOKE ALL ON FUNCTION jimo.answer_periods(text, uuid, text, timestamptz, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.answer_periods(text, uuid, text, timestamptz, timestamptz) TO jimo_reader;

CREATE OR REPLACE VIEW jimo.survey_nps_trend AS
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

CREATE OR REPLACE VIEW jimo.survey_ratings_trend AS
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
