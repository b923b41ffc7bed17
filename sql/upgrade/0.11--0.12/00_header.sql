-- jimo_webhooks 0.11 -> 0.12 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.12').
-- Assembled by the Makefile from sql/upgrade/0.11--0.12/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.12 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.11 (0.10, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.12 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.12'" to load this file. \quit
