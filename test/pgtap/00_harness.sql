-- The test pipeline itself: pg_prove reaches a database where the extension that
-- `make install` just installed is created, with its schema and core tables.
-- test/run gives every file a fresh database with pgtap and jimo_webhooks already
-- created; the IF NOT EXISTS lines let the file also run by hand in any database.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(6);

SELECT has_extension('jimo_webhooks');
SELECT is(
    (SELECT installed_version FROM pg_available_extensions WHERE name = 'jimo_webhooks'),
    (SELECT default_version FROM pg_available_extensions WHERE name = 'jimo_webhooks'),
    'the installed version of jimo_webhooks is the one its control file names'
);
SELECT has_schema('jimo');
SELECT is(
    (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'jimo_webhooks'),
    'jimo',
    'jimo_webhooks is installed in schema jimo'
);
SELECT has_table('jimo', 'events', 'table jimo.events exists');
SELECT has_table('jimo', 'rejected', 'table jimo.rejected exists');

SELECT * FROM finish();
ROLLBACK;
