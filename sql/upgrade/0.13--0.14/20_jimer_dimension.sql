-- 0.14: jimer_dimension reads the counts kept at ingest (34_views_cohorts.sql).
-- The counts of journeys are kept at ingest (14_jimer_journey_counts.sql,
-- 0.14): before, a GROUP BY over every journey on each read.  Citus counts
-- the journeys (55_citus_views.sql).
CREATE OR REPLACE VIEW jimo.jimer_dimension AS
SELECT
    jm.uid AS jimer_uid,
    jm.identify_token,
    jm.email,
    jm.username,
    jm.project_uid,
    jm.created_at,
    jm.last_activity_at,
    jm.first_event_at,
    jm.state_at AS last_event_at,
    coalesce(j.experiences, 0)::bigint AS experiences,
    coalesce(j.started, 0)::bigint AS experiences_started,
    coalesce(j.completed, 0)::bigint AS experiences_completed
FROM jimo.jimers jm
LEFT JOIN jimo.jimer_journey_counts j ON j.jimer_uid = jm.uid;
