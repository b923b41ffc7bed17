-- jimo_webhooks 0.1 -> 0.2 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.2').
-- Released install scripts are frozen; everything 0.2 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.1 database holding data
-- and upgraded with this script equals a fresh 0.2 install fed the same events.
-- Nothing here drops or rewrites stored rows.

\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.2'" to load this file. \quit

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
SELECT pg_catalog.pg_extension_config_dump('jimo.checklist_tasks', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_comments', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.post_likes', '');
SELECT pg_catalog.pg_extension_config_dump('jimo.journeys', '');

-------------------------------------------------------------------------------
-- An identify token longer than a btree entry may be (about 2.7 kB, e.g. a
-- signed JWT) failed every write that held it.  A hash index has no such
-- limit and serves the equality lookups and joins the index is for.  Only the
-- index is rebuilt; the rows stay as they are.
-------------------------------------------------------------------------------

DROP INDEX jimo.jimers_identify_token_idx;
CREATE INDEX jimers_identify_token_idx ON jimo.jimers USING hash (identify_token);
