-- 0.14: jimo.jimer_journey_counts stays on the coordinator.
-- The layout: each table, how it is placed, and its shard column.
CREATE OR REPLACE FUNCTION jimo.citus_tables(OUT table_name name, OUT placement text,
                                  OUT shard_column name)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    -- jimers first: the others are colocated with it
    VALUES ('jimers'::name, 'distributed'::text, 'uid'::name),
           ('events', 'distributed', 'jimer_key'),
           ('survey_answers', 'distributed', 'jimer_key'),
           ('checklist_tasks', 'distributed', 'jimer_key'),
           ('post_comments', 'distributed', 'jimer_key'),
           ('post_likes', 'distributed', 'jimer_key'),
           ('journeys', 'distributed', 'jimer_uid'),
           ('survey_step_journeys', 'distributed', 'jimer_uid'),
           ('seen_days', 'distributed', 'jimer_uid'),
           ('experiences', 'reference', NULL),
           ('projects', 'reference', NULL),
           ('users', 'reference', NULL),
           ('survey_steps', 'reference', NULL),
           ('seen_day_totals', 'reference', NULL),
           ('rejected', 'coordinator', NULL),
           ('delivery_days', 'coordinator', NULL),
           ('delivery_lags', 'coordinator', NULL),
           ('expired_months', 'coordinator', NULL),
           ('survey_step_stats', 'coordinator', NULL),
           ('funnel_cohort_marks', 'coordinator', NULL),
           ('funnel_cohort_cache', 'coordinator', NULL),
           ('funnel_cohort_state', 'coordinator', NULL),
           ('jimer_journey_counts', 'coordinator', NULL)
$$;
COMMENT ON FUNCTION jimo.citus_tables() IS 'How jimo.distribute() places each table on Citus: distributed by its shard column and colocated with jimo.jimers, a reference table on every node, or local to the coordinator';
