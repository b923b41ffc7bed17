-- Ingest creates a month's tables as the extension's owner (jimo.receive_batch
-- and jimo.ensure_partitions are SECURITY DEFINER), but with the caller's
-- default_table_access_method and default_tablespace: a jimo_writer's session
-- decided how and where the owner's tables were created, e.g. every new month
-- in a table access method ingest cannot write the way it expects, or in any
-- tablespace of the cluster, one the writer may not use itself (found by QA
-- round 7). A month is now a heap table, in the tablespace of its partitioned
-- table (ALTER TABLE jimo.events SET TABLESPACE ...), by default the
-- database's, whatever the caller's session says.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

-- a second table access method, heap under another name
CREATE ACCESS METHOD qa_heap2 TYPE TABLE HANDLER heap_tableam_handler;
CREATE ROLE qa_writer NOLOGIN IN ROLE jimo_writer;

SET LOCAL ROLE qa_writer;
SET LOCAL default_table_access_method = 'qa_heap2';
SELECT is((SELECT status FROM jimo.receive('{"event": "hint.seen", "time": 1940133779005, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000002", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-000000000009"}}')),
          'stored', 'a writer whose session names another table access method stores an event in a new month');
RESET ROLE;

SELECT is((SELECT string_agg(DISTINCT a.amname, ',') FROM pg_class c JOIN pg_am a ON a.oid = c.relam
            WHERE c.relnamespace = 'jimo'::regnamespace AND c.relname LIKE '%\_p2031\_06' AND c.relkind = 'r'),
          'heap', 'the new month''s five tables are heap tables');
SELECT is((SELECT count(*) FROM pg_class c
            WHERE c.relnamespace = 'jimo'::regnamespace AND c.relname LIKE '%\_p2031\_06%' AND c.reltablespace <> 0),
          0::bigint, 'in the database''s tablespace, as their partitioned tables are');

-- called by hand, with the same setting
SET LOCAL default_table_access_method = 'qa_heap2';
SELECT is(jimo.ensure_partitions(ARRAY[timestamptz '2031-08-15']), NULL::timestamptz,
          'jimo.ensure_partitions() called by hand with that setting');
SELECT is((SELECT string_agg(DISTINCT a.amname, ',') FROM pg_class c JOIN pg_am a ON a.oid = c.relam
            WHERE c.relnamespace = 'jimo'::regnamespace AND c.relname LIKE '%\_p2031\_08' AND c.relkind = 'r'),
          'heap', 'jimo.ensure_partitions() makes heap tables too');

SELECT * FROM finish();
ROLLBACK;
