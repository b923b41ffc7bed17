-- jimo_webhooks 0.5 -> 0.6 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.6').
-- Assembled by the Makefile from sql/upgrade/0.5--0.6/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.6 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.5 (0.4, 0.3, 0.2, 0.1)
-- database holding data and upgraded with it equals a fresh 0.6 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.6'" to load this file. \quit
