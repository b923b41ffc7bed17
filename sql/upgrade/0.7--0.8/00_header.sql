-- jimo_webhooks 0.7 -> 0.8 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.8').
-- Assembled by the Makefile from sql/upgrade/0.7--0.8/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.8 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.7 (0.6, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.8 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.8'" to load this file. \quit
