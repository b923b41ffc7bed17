-- jimo_webhooks 0.10 -> 0.11 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.11').
-- Assembled by the Makefile from sql/upgrade/0.10--0.11/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.11 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.10 (0.9, ..., 0.1)
-- database holding data and upgraded with it equals a fresh 0.11 install fed the
-- same events.
\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.11'" to load this file. \quit
