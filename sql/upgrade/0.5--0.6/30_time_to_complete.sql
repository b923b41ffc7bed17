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
