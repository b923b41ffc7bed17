-- jimo_webhooks 0.2 -> 0.3 (ALTER EXTENSION jimo_webhooks UPDATE TO '0.3').
-- Assembled by the Makefile from sql/upgrade/0.2--0.3/*.sql, one file per change.
-- Released install scripts are frozen; everything 0.3 changes in the schema is
-- here, and test/integration/upgrade.sh checks that a 0.2 (and a 0.1) database
-- holding data and upgraded with it equals a fresh 0.3 install fed the same
-- events.  Nothing here drops what users stored.

\echo Use "ALTER EXTENSION jimo_webhooks UPDATE TO '0.3'" to load this file. \quit
