-- jimo_webhooks 0.13 -> 0.14 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.14').
-- Assembled by the Makefile from sql/upgrade/0.13--0.14/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.14 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.13 (0.12, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.14 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.14'" to load this file. \quit
