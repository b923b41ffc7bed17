-------------------------------------------------------------------------------
-- Backups.  Objects created by CREATE EXTENSION are extension members, and
-- pg_dump writes only "CREATE EXTENSION" for those: without this, a dump held
-- none of the ingested rows.  Registering every table makes pg_dump (custom,
-- plain, pg_dumpall) copy its rows, and registering each identity sequence
-- makes it restore the sequence's position, so that ids given after a restore
-- never collide with restored ones.  The empty filter means "every row".
-------------------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('jimo.events', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.rejected', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.rejected_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.projects', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.experiences', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.jimers', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.users', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_answers', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_step_journeys', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_steps', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.survey_step_stats', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.checklist_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_comments', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_likes', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.journeys', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.seen_days', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.seen_day_totals', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.delivery_days', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.delivery_lags', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_marks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_cache', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.funnel_cohort_state', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.jimer_journey_counts', '');
