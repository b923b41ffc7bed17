-- time_to_complete works out the conversion rule only for journeys with a start
-- and a completion, and buckets them in one pass (see sql/install/34_views_cohorts.sql):
-- same columns and rows.
CREATE OR REPLACE VIEW jimo.time_to_complete AS
WITH b(bucket_index, bucket) AS (
    VALUES (1, '< 10 s'), (2, '10 s - 1 min'), (3, '1 - 5 min'), (4, '5 - 30 min'),
           (5, '30 min - 1 h'), (6, '1 h - 1 d'), (7, '1 d or more')
), counts AS (
    SELECT c.experience_uid,
           width_bucket(c.seconds_to_complete, ARRAY[10, 60, 300, 1800, 3600, 86400]::float8[]) + 1 AS bucket_index,
           count(*) AS jimers
    FROM jimo.journey_conversions c
    WHERE c.converted AND c.starts > 0 AND c.completions > 0
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
FROM (SELECT DISTINCT experience_uid FROM counts) e
JOIN jimo.all_experiences k ON k.experience_uid = e.experience_uid
LEFT JOIN jimo.experiences x ON x.uid = e.experience_uid
CROSS JOIN b
LEFT JOIN counts n ON n.experience_uid = e.experience_uid AND n.bucket_index = b.bucket_index;
