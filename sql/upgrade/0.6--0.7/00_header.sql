-- jimo_webhooks 0.6 -> 0.7 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.7').
-- Assembled by the Makefile from sql/upgrade/0.6--0.7/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.7 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.6 (0.5, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.7 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.7'" to load this file. \quit
