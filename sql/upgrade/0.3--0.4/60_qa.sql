
-- jimo.ensure_partitions() and jimo.expire() pass partition bounds through
-- text; under a DateStyle that writes zone abbreviations (SQL, Postgres,
-- German) some abbreviations read back as another zone (Asia/Shanghai's CST
-- as US Central), so a month was attached, or its end recorded as the
-- retention horizon, hours off.  Both now run with fixed settings.
ALTER FUNCTION jimo.ensure_partitions(timestamptz[]) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION jimo.ensure_partitions(timestamptz[]) SET TimeZone = 'UTC';
ALTER FUNCTION jimo.expire(interval) SET DateStyle = 'ISO, YMD';
ALTER FUNCTION jimo.expire(interval) SET TimeZone = 'UTC';

-- Months attached hours off before this fix (by 0.3's ingest, or by the 0.2
-- -> 0.3 upgrade, in such a session) are not moved; say which they are.
-- Expected and actual bounds are both written in this session's DateStyle.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s (%s)', c.relname, pg_get_expr(c.relpartbound, c.oid)), ', ' ORDER BY c.relname)
      INTO bad
      FROM jimo.partitioned_tables() t
      JOIN pg_inherits i ON i.inhparent = ('jimo.' || quote_ident(t.table_name))::regclass
      JOIN pg_class c ON c.oid = i.inhrelid
     CROSS JOIN LATERAL (
           SELECT CASE WHEN c.relname = t.table_name || '_before_2015' THEN timestamptz '2014-12-01 00:00:00+00'
                       WHEN c.relname = t.table_name || '_from_2100' THEN timestamptz '2100-01-01 00:00:00+00'
                       WHEN c.relname ~ ('^' || t.table_name || '_p\d{4}_\d{2}$')
                       THEN to_timestamp(right(c.relname, 7) || '_01 00:00:00+00', 'YYYY_MM_DD HH24:MI:SSTZH')
                  END AS t0) m
     CROSS JOIN LATERAL jimo.partition_for(t.table_name, m.t0) p
     WHERE m.t0 IS NOT NULL
       AND pg_get_expr(c.relpartbound, c.oid) IS DISTINCT FROM
           format('FOR VALUES FROM (%s) TO (%s)',
                  CASE WHEN p.lower_bound = '-infinity' THEN 'MINVALUE' ELSE quote_literal(p.lower_bound) END,
                  CASE WHEN p.upper_bound = 'infinity' THEN 'MAXVALUE' ELSE quote_literal(p.upper_bound) END);
    IF bad IS NOT NULL THEN
        RAISE WARNING 'jimo: these partitions do not hold their UTC month: %', bad
            USING DETAIL = 'They were attached in a session whose DateStyle and TimeZone wrote the bounds in a zone abbreviation that reads back as another zone; events of the hours in between were rejected.',
                  HINT = 'Detach each one, and attach it again with the bounds of its month (the rows outside them must move to the neighbouring month first).';
    END IF;
END
$$;

-- survey_ratings and survey_ratings_trend took their medians with
-- percentile_cont over answer_number cast to double precision: one answer
-- beyond its range (1e400, valid JSON and stored whole as numeric) made both
-- views fail for every survey.  Answers go through jimo.answer_float8().
CREATE FUNCTION jimo.answer_float8(answer numeric) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN abs(answer) >= 1e308 THEN sign(answer)::double precision * 'Infinity'::double precision
                WHEN abs(answer) < 1e-307 THEN 0::double precision
                ELSE answer::double precision END
$$;
COMMENT ON FUNCTION jimo.answer_float8(numeric) IS
'A numeric answer as double precision without failing: beyond the range +-Infinity, too close to 0 zero (for medians)';
REVOKE ALL ON FUNCTION jimo.answer_float8(numeric) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.answer_float8(numeric) TO jimo_reader;

CREATE OR REPLACE VIEW jimo.survey_ratings AS
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
        -- percentile_cont takes double precision; an answer beyond its range
        -- (1e400 is valid JSON and a valid numeric) must not fail the view:
        -- such answers sort as +-Infinity or 0, in the same order
        percentile_cont(0.5) WITHIN GROUP (ORDER BY jimo.answer_float8(a.answer_number)) AS median
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
 AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
 AND k.step_uid IS NOT DISTINCT FROM a.step_uid
CROSS JOIN (VALUES ('week'), ('month')) AS g(grain)
LEFT JOIN jimo.experiences x ON x.uid = a.experience_uid
GROUP BY a.experience_uid, a.step_uid, g.grain, date_trunc(g.grain, a.answered_at), x.project_uid, x.tags;
