-- Least privilege: jimo_writer may only call the receive/ingest functions,
-- jimo_reader may only read, and PUBLIC may do neither.
-- test/run gives this file a fresh database with pgtap and jimo_webhooks; the
-- IF NOT EXISTS lines let it also run by hand in any database.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

-- a role with no grant at all: what PUBLIC may do
CREATE ROLE jimo_tap_nobody NOLOGIN;

CREATE TEMP TABLE jimo_tables ON COMMIT DROP AS
SELECT tablename FROM pg_tables WHERE schemaname = 'jimo';
GRANT SELECT ON jimo_tables TO PUBLIC;

-- valid bodies, one per call below
CREATE FUNCTION pg_temp.body(n int) RETURNS text LANGUAGE sql AS $$
SELECT format('{"event": "tour.started", "version": "0", "time": %s, '
              '"experience": {"uid": "0814ae77-568d-41c0-912a-0b4c63dc03ff"}, '
              '"jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}}', 1740133769000 + n)
$$;
GRANT EXECUTE ON FUNCTION pg_temp.body(int) TO PUBLIC;

SELECT plan(
    4                                           -- roles
    + 5 + 1                                     -- writer calls + what they stored
    + 5 * (SELECT count(*)::int FROM jimo_tables)   -- writer: no table access
    + 2                                         -- writer: retry_rejected, catalog
    + 2                                         -- writer: no funnels
    + (SELECT count(*)::int FROM jimo_tables) + 1   -- reader selects
    + 6                                         -- reader: no calls, no truncate
    + 3                                         -- reader: funnels
    + 2                                         -- reader: catalog
    + 7                                         -- PUBLIC
    + 2                                         -- PUBLIC: no funnels
);

-- Roles
SELECT has_role('jimo_writer');
SELECT has_role('jimo_reader');
SELECT is((SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = 'jimo_writer'), false,
          'jimo_writer is a NOLOGIN, non-superuser group role');
SELECT is((SELECT rolcanlogin OR rolsuper FROM pg_roles WHERE rolname = 'jimo_reader'), false,
          'jimo_reader is a NOLOGIN, non-superuser group role');

-------------------------------------------------------------------------------
-- jimo_writer
-------------------------------------------------------------------------------
SET LOCAL ROLE jimo_writer;
SELECT lives_ok($$SELECT * FROM jimo.receive(pg_temp.body(1))$$,
                'jimo_writer can call jimo.receive(text)');
SELECT lives_ok($$SELECT * FROM jimo.receive_batch(ARRAY[pg_temp.body(2), 'not json'])$$,
                'jimo_writer can call jimo.receive_batch(text[])');
SELECT lives_ok($$SELECT * FROM jimo.receive_batch(ARRAY[convert_to(pg_temp.body(3), 'UTF8')])$$,
                'jimo_writer can call jimo.receive_batch(bytea[])');
SELECT lives_ok($$SELECT * FROM jimo.ingest(pg_temp.body(4)::jsonb)$$,
                'jimo_writer can call jimo.ingest(jsonb)');
SELECT lives_ok($$SELECT * FROM jimo.ingest(pg_temp.body(5))$$,
                'jimo_writer can call jimo.ingest(text)');
RESET ROLE;
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM jimo.events), (SELECT count(*) FROM jimo.rejected),
             (SELECT count(*) FROM jimo.journeys)$$,
    $$VALUES (5::bigint, 1::bigint, 1::bigint)$$,
    'the writer''s calls stored 5 events, 1 rejected body and their journey');

SET LOCAL ROLE jimo_writer;
SELECT throws_ok(format('SELECT * FROM jimo.%I', tablename), '42501', NULL,
                 format('jimo_writer cannot select from jimo.%s', tablename))
FROM jimo_tables ORDER BY tablename;
SELECT throws_ok(format('INSERT INTO jimo.%I DEFAULT VALUES', tablename), '42501', NULL,
                 format('jimo_writer cannot insert into jimo.%s', tablename))
FROM jimo_tables ORDER BY tablename;
SELECT throws_ok(format('UPDATE jimo.%I SET %I = %I', tablename, col, col), '42501', NULL,
                 format('jimo_writer cannot update jimo.%s', tablename))
FROM (SELECT t.tablename,
             (SELECT a.attname FROM pg_attribute a
              WHERE a.attrelid = format('jimo.%I', t.tablename)::regclass
                AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
                AND a.attidentity = ''
              ORDER BY a.attnum LIMIT 1) AS col
      FROM jimo_tables t) t
ORDER BY tablename;
SELECT throws_ok(format('DELETE FROM jimo.%I', tablename), '42501', NULL,
                 format('jimo_writer cannot delete from jimo.%s', tablename))
FROM jimo_tables ORDER BY tablename;
SELECT throws_ok(format('TRUNCATE jimo.%I CASCADE', tablename), '42501', NULL,
                 format('jimo_writer cannot truncate jimo.%s', tablename))
FROM jimo_tables ORDER BY tablename;
SELECT throws_ok('SELECT * FROM jimo.retry_rejected()', '42501', NULL,
                 'jimo_writer cannot call jimo.retry_rejected() (an admin task)');
SELECT throws_ok($$SELECT jimo.window_funnel('1 day', now(), true)$$, '42501', NULL,
                 'jimo_writer cannot call jimo.window_funnel (it only ingests)');
SELECT throws_ok($$SELECT * FROM jimo.event_funnel('1 day', 'tour.started')$$, '42501', NULL,
                 'jimo_writer cannot call jimo.event_funnel');
RESET ROLE;
SELECT is_empty(
    $$SELECT c.relname || ' ' || p.priv FROM pg_class c
      CROSS JOIN unnest('{SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER}'::text[]) AS p(priv)
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p', 'S')
        AND CASE WHEN c.relkind = 'S' THEN has_sequence_privilege('jimo_writer', c.oid, 'USAGE')
                 ELSE has_table_privilege('jimo_writer', c.oid, p.priv) END$$,
    'jimo_writer holds no privilege on any table, view or sequence of jimo');

-------------------------------------------------------------------------------
-- jimo_reader
-------------------------------------------------------------------------------
SET LOCAL ROLE jimo_reader;
SELECT lives_ok(format('SELECT * FROM jimo.%I', tablename),
                format('jimo_reader can select from jimo.%s', tablename))
FROM jimo_tables ORDER BY tablename;
SELECT is((SELECT count(*) FROM jimo.events), 5::bigint, 'jimo_reader sees the stored events');
SELECT throws_ok($$SELECT * FROM jimo.receive(pg_temp.body(6))$$, '42501', NULL,
                 'jimo_reader cannot call jimo.receive(text)');
SELECT throws_ok($$SELECT * FROM jimo.receive_batch(ARRAY[pg_temp.body(7)])$$, '42501', NULL,
                 'jimo_reader cannot call jimo.receive_batch(text[])');
SELECT throws_ok($$SELECT * FROM jimo.receive_batch(ARRAY[convert_to(pg_temp.body(8), 'UTF8')])$$, '42501', NULL,
                 'jimo_reader cannot call jimo.receive_batch(bytea[])');
SELECT throws_ok($$SELECT * FROM jimo.ingest(pg_temp.body(9)::jsonb)$$, '42501', NULL,
                 'jimo_reader cannot call jimo.ingest(jsonb)');
SELECT throws_ok($$SELECT * FROM jimo.ingest(pg_temp.body(10))$$, '42501', NULL,
                 'jimo_reader cannot call jimo.ingest(text)');
SELECT throws_ok('TRUNCATE jimo.events CASCADE', '42501', NULL,
                 'jimo_reader cannot truncate jimo.events');
SELECT is((SELECT ARRAY[jimo.window_funnel('1 day', occurred_at, name = 'tour.started'),
                        jimo.window_funnel('1 day', 'strict_order', occurred_at, name = 'tour.started')]
           FROM jimo.events), ARRAY[1, 1],
          'jimo_reader can call jimo.window_funnel, with and without a mode');
SELECT results_eq($$SELECT step, jimers FROM jimo.event_funnel('1 day', 'tour.started', 'tour.completed')$$,
                  $$VALUES (1, 1::bigint), (2, 0::bigint)$$,
                  'jimo_reader can call jimo.event_funnel (it reads jimo.events as the reader)');
SELECT results_eq($$SELECT step, jimers FROM jimo.experience_event_funnel(
                        '0814ae77-568d-41c0-912a-0b4c63dc03ff', '1 day', 'tour.started')$$,
                  $$VALUES (1, 1::bigint)$$,
                  'jimo_reader can call jimo.experience_event_funnel');
RESET ROLE;
SELECT is_empty(
    $$SELECT c.relname || ' ' || p.priv FROM pg_class c
      CROSS JOIN unnest('{INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER}'::text[]) AS p(priv)
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
        AND has_table_privilege('jimo_reader', c.oid, p.priv)$$,
    'jimo_reader can write no table or view of jimo');
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc p
      WHERE p.pronamespace = 'jimo'::regnamespace
        AND p.proname IN ('receive', 'receive_batch', 'ingest', 'retry_rejected')
        AND has_function_privilege('jimo_reader', p.oid, 'EXECUTE')$$,
    'jimo_reader can execute none of the ingest functions');

-------------------------------------------------------------------------------
-- PUBLIC (a role with no grant)
-------------------------------------------------------------------------------
SET LOCAL ROLE jimo_tap_nobody;
SELECT throws_ok($$SELECT * FROM jimo.receive(pg_temp.body(11))$$, '42501', NULL,
                 'PUBLIC cannot call jimo.receive(text)');
SELECT throws_ok($$SELECT * FROM jimo.receive_batch(ARRAY[pg_temp.body(12)])$$, '42501', NULL,
                 'PUBLIC cannot call jimo.receive_batch(text[])');
SELECT throws_ok($$SELECT * FROM jimo.ingest(pg_temp.body(13)::jsonb)$$, '42501', NULL,
                 'PUBLIC cannot call jimo.ingest(jsonb)');
SELECT throws_ok('SELECT * FROM jimo.events', '42501', NULL,
                 'PUBLIC cannot select from jimo.events');
SELECT throws_ok('SELECT * FROM jimo.rejected', '42501', NULL,
                 'PUBLIC cannot select from jimo.rejected');
SELECT throws_ok($$SELECT jimo.window_funnel('1 day', now(), true)$$, '42501', NULL,
                 'PUBLIC cannot call jimo.window_funnel');
SELECT throws_ok($$SELECT * FROM jimo.event_funnel('1 day', 'tour.started')$$, '42501', NULL,
                 'PUBLIC cannot call jimo.event_funnel');
RESET ROLE;
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc p
      WHERE p.pronamespace = 'jimo'::regnamespace
        AND has_function_privilege('jimo_tap_nobody', p.oid, 'EXECUTE')$$,
    'PUBLIC can execute no function of jimo');
SELECT is_empty(
    $$SELECT c.relname FROM pg_class c
      WHERE c.relnamespace = 'jimo'::regnamespace AND c.relkind IN ('r', 'v', 'm', 'p')
        AND has_table_privilege('jimo_tap_nobody', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE')$$,
    'PUBLIC holds no privilege on any table or view of jimo');

SELECT * FROM finish();
ROLLBACK;
