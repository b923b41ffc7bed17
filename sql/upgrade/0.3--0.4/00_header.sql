-- jimo_webhooks 0.3 -> 0.4 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.4').
-- Assembled by the Makefile from sql/upgrade/0.3--0.4/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.4 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.3 (0.2, 0.1) database
-- holding data and upgraded with it equals a fresh 0.4 install fed the same
-- events.  Nothing here drops what users stored.

\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.4'" to load this file. \quit
