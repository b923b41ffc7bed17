-- jimo_webhooks 0.12 -> 0.13 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.13').
-- Assembled by the Makefile from sql/upgrade/0.12--0.13/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.13 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.12 (0.11, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.13 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.13'" to load this file. \quit
