-- jimo_webhooks 0.8 -> 0.9 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.9').
-- Assembled by the Makefile from sql/upgrade/0.8--0.9/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.9 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.8 (0.7, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.9 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.9'" to load this file. \quit
