-- jimo_webhooks 0.15 -> 0.16 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.16').
-- Assembled by the Makefile from sql/upgrade/0.15--0.16/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.16 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.15 (0.14, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.16 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.16'" to load this file. \quit
