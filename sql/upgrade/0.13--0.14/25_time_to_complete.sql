-- 0.14: time_to_complete's counts are a function of their own
-- (34_views_cohorts.sql); drop-in: the same columns and rows.
-- The counts are a function of their own, not
-- inlined (SET): written in the view, the estimates of both forms (the one
-- without the cache reads every journey, 3M at 10M events) were part of the
-- view's plan whichever form runs, enough to switch JIT on, which then spent
-- 1.8 s compiling a read of 56 ms (0.14).  The function is planned when it
-- runs, each form only when it is the one that runs.
CREATE FUNCTION jimo.time_to_complete_counts()
    RETURNS TABLE (experience_uid uuid, bucket_index integer, jimers bigint)
    LANGUAGE sql STABLE PARALLEL SAFE
    SET jit = off
AS $$
    SELECT k.experience_uid, n.bucket_index::integer, sum(n.jimers)::bigint
    FROM jimo.all_experiences k
    CROSS JOIN LATERAL jimo.funnel_cohort_rows(k.experience_uid, 'day') r
    CROSS JOIN LATERAL unnest(r.completed_by_bucket) WITH ORDINALITY AS n(jimers, bucket_index)
    WHERE jimo.funnel_cohort_cache_usable() AND r.completed_jimers > 0
    GROUP BY 1, 2
    UNION ALL
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1,
           count(*)
    FROM jimo.journey_conversions c
    WHERE NOT jimo.funnel_cohort_cache_usable() AND c.converted AND c.starts > 0 AND c.completions > 0
    GROUP BY 1, 2
$$;
COMMENT ON FUNCTION jimo.time_to_complete_counts() IS
'Internal: the converted jimers of each experience per bucket of jimo.time_to_complete, summed over the day cohorts (cached where no journey changed since the last jimo.refresh_funnel_cohorts()) when the cache can be read, else counted from the journeys';

REVOKE ALL ON FUNCTION jimo.time_to_complete_counts() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION jimo.time_to_complete_counts() TO jimo_reader;

CREATE OR REPLACE VIEW jimo.time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT * FROM jimo.time_to_complete_counts()
)
SELECT
    e.experience_uid,
    k.type,
    k.title,
    k.project_uid,
    k.tags,
    b.bucket_index,
    b.bucket,
    coalesce(n.jimers, 0)::bigint AS completed_jimers,
    round(coalesce(n.jimers, 0)::numeric
          / nullif(sum(coalesce(n.jimers, 0)) OVER (PARTITION BY e.experience_uid), 0), 4) AS share
FROM (SELECT experience_uid FROM counts GROUP BY 1 HAVING sum(jimers) > 0) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;
