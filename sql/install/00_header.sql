-- jimo_webhooks 0.16: tables, ingest functions, BI views and roles.
-- Assembled by the Makefile from sql/install/*.sql, one file per concern.

\echo Use "CREATE EXTENSION jimo_webhooks" to load this file. \quit

