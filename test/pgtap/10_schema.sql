-- The schema contract of the core: tables, columns and their types, keys, the
-- SQL functions with their signatures, and the fixed schema jimo.
-- test/run gives this file a fresh database with pgtap and jimo_webhooks; the
-- IF NOT EXISTS lines let it also run by hand in any database.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

-- table, column, type: what users' queries and the views rely on
CREATE TEMP TABLE contract (tbl text, col text, typ text, not_null boolean) ON COMMIT DROP;
INSERT INTO contract VALUES
 ('events', 'id', 'bigint', true),
 ('events', 'name', 'text', true),
 ('events', 'version', 'text', false),
 ('events', 'occurred_at', 'timestamp with time zone', true),
 ('events', 'received_at', 'timestamp with time zone', true),
 ('events', 'experience_uid', 'uuid', false),
 ('events', 'jimer_uid', 'uuid', false),
 ('events', 'user_uid', 'uuid', false),
 ('events', 'project_uid', 'uuid', false),
 ('events', 'deliveries', 'integer', true),
 ('events', 'payload', 'jsonb', true),
 ('rejected', 'id', 'bigint', true),
 ('rejected', 'error', 'text', true),
 ('rejected', 'sqlstate', 'text', true),
 ('rejected', 'received_at', 'timestamp with time zone', true),
 ('rejected', 'deliveries', 'integer', true),
 ('rejected', 'body', 'text', false),
 ('rejected', 'body_bytes', 'bytea', false),
 ('experiences', 'uid', 'uuid', true),
 ('experiences', 'title', 'text', false),
 ('experiences', 'type', 'text', false),
 ('experiences', 'state', 'text', false),
 ('experiences', 'is_draft', 'boolean', false),
 ('experiences', 'created_at', 'timestamp with time zone', false),
 ('experiences', 'published_at', 'timestamp with time zone', false),
 ('experiences', 'expires_at', 'timestamp with time zone', false),
 ('experiences', 'trigger_type', 'text', false),
 ('experiences', 'recurrency_type', 'text', false),
 ('experiences', 'recurrency_value', 'numeric', false),
 ('experiences', 'tags', 'jsonb', false),
 ('experiences', 'project_uid', 'uuid', false),
 ('experiences', 'is_deleted', 'boolean', true),
 ('experiences', 'deleted_at', 'timestamp with time zone', false),
 ('experiences', 'snapshot', 'jsonb', true),
 ('jimers', 'uid', 'uuid', true),
 ('jimers', 'identify_token', 'text', false),
 ('jimers', 'username', 'text', false),
 ('jimers', 'email', 'text', false),
 ('jimers', 'created_at', 'timestamp with time zone', false),
 ('jimers', 'last_activity_at', 'timestamp with time zone', false),
 ('jimers', 'snapshot', 'jsonb', true),
 ('users', 'uid', 'uuid', true),
 ('users', 'email', 'text', false),
 ('users', 'first_name', 'text', false),
 ('users', 'last_name', 'text', false),
 ('users', 'snapshot', 'jsonb', true),
 ('projects', 'uid', 'uuid', true),
 ('projects', 'name', 'text', false),
 ('survey_answers', 'event_id', 'bigint', true),
 ('survey_answers', 'experience_uid', 'uuid', false),
 ('survey_answers', 'jimer_uid', 'uuid', false),
 ('survey_answers', 'answered_at', 'timestamp with time zone', true),
 ('survey_answers', 'step_uid', 'text', false),
 ('survey_answers', 'step_title', 'text', false),
 ('survey_answers', 'step_type', 'text', false),
 ('survey_answers', 'step_position', 'integer', false),
 ('survey_answers', 'answer_text', 'text', false),
 ('survey_answers', 'answer_number', 'numeric', false),
 ('survey_answers', 'answer_choices', 'text[]', false),
 ('survey_answers', 'step', 'jsonb', false),
 ('survey_answers', 'answer', 'jsonb', false),
 ('checklist_tasks', 'event_id', 'bigint', true),
 ('checklist_tasks', 'experience_uid', 'uuid', false),
 ('checklist_tasks', 'jimer_uid', 'uuid', false),
 ('checklist_tasks', 'occurred_at', 'timestamp with time zone', true),
 ('checklist_tasks', 'outcome', 'text', true),
 ('checklist_tasks', 'task_uid', 'text', false),
 ('checklist_tasks', 'task_title', 'text', false),
 ('checklist_tasks', 'task', 'jsonb', false),
 ('post_comments', 'event_id', 'bigint', true),
 ('post_comments', 'experience_uid', 'uuid', false),
 ('post_comments', 'jimer_uid', 'uuid', false),
 ('post_comments', 'commented_at', 'timestamp with time zone', true),
 ('post_comments', 'comment_uid', 'text', false),
 ('post_comments', 'content', 'text', false),
 ('post_comments', 'comment', 'jsonb', false),
 ('post_likes', 'event_id', 'bigint', true),
 ('post_likes', 'experience_uid', 'uuid', false),
 ('post_likes', 'jimer_uid', 'uuid', false),
 ('post_likes', 'liked_at', 'timestamp with time zone', true),
 ('journeys', 'experience_uid', 'uuid', true),
 ('journeys', 'jimer_uid', 'uuid', true),
 ('journeys', 'first_started_at', 'timestamp with time zone', false),
 ('journeys', 'starts', 'integer', true),
 ('journeys', 'first_completed_at', 'timestamp with time zone', false),
 ('journeys', 'completions', 'integer', true),
 ('journeys', 'first_progress_at', 'timestamp with time zone', false),
 ('journeys', 'first_dismissed_at', 'timestamp with time zone', false),
 ('journeys', 'first_seen_at', 'timestamp with time zone', false),
 ('journeys', 'views', 'integer', true);

-- function, arguments (with OUT columns), result, volatility, security definer
CREATE TEMP TABLE funcs (sig text, args text, result text, volatility "char", definer boolean) ON COMMIT DROP;
INSERT INTO funcs VALUES
 ('jimo.receive_batch(text[])',
  'bodies text[], OUT ord integer, OUT event_id bigint, OUT status text, OUT error text',
  'SETOF record', 'v', true),
 ('jimo.receive_batch(bytea[])',
  'bodies bytea[], OUT ord integer, OUT event_id bigint, OUT status text, OUT error text',
  'SETOF record', 'v', true),
 ('jimo.receive(text)',
  'body text, OUT event_id bigint, OUT status text, OUT error text', 'record', 'v', true),
 ('jimo.ingest(jsonb)', 'payload jsonb, OUT event_id bigint, OUT status text', 'record', 'v', true),
 ('jimo.ingest(text)', 'payload text, OUT event_id bigint, OUT status text', 'record', 'v', true),
 ('jimo.event_rank(text)', 'name text', 'integer', 'i', false),
 ('jimo.retry_rejected()',
  'OUT retried integer, OUT stored integer, OUT still_rejected integer', 'record', 'v', true);

SELECT plan(
    6                                         -- schema and extension
    + (SELECT count(DISTINCT tbl)::int FROM contract) + 1   -- tables + view
    + 2 * (SELECT count(*)::int FROM contract)              -- col_type_is, nullability
    + 14                                      -- keys
    + 2                                       -- uid / _at conventions
    + 5 * (SELECT count(*)::int FROM funcs)   -- functions
    + 1                                       -- definer search_path
);

-- Schema and extension
SELECT has_schema('jimo');
SELECT has_extension('jimo_webhooks');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'jimo_webhooks'),
          'jimo', 'the extension lives in schema jimo');
SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'jimo_webhooks'),
          false, 'the extension is not relocatable');
SELECT is((SELECT schema::text FROM pg_available_extension_versions
           WHERE name = 'jimo_webhooks' AND installed),
          'jimo', 'the control file fixes schema jimo');
SELECT throws_ok('ALTER EXTENSION jimo_webhooks SET SCHEMA public', '0A000', NULL,
                 'the extension cannot be moved to another schema');

-- Tables and their columns
SELECT has_table('jimo', tbl, format('table jimo.%s exists', tbl))
FROM (SELECT DISTINCT tbl FROM contract) t ORDER BY tbl;
SELECT has_view('jimo', 'experience_tags', 'view jimo.experience_tags exists');
SELECT col_type_is('jimo', tbl, col, typ, format('jimo.%s.%s is %s', tbl, col, typ))
FROM contract ORDER BY tbl, col;
SELECT CASE WHEN not_null
            THEN col_not_null('jimo', tbl, col, format('jimo.%s.%s is NOT NULL', tbl, col))
            ELSE col_is_null('jimo', tbl, col, format('jimo.%s.%s may be NULL', tbl, col)) END
FROM contract ORDER BY tbl, col;

-- Keys: one row per distinct event (by digest), per object, per journey.
-- jimo.events and the facts are partitioned by month of event time, and each
-- month carries the keys (see 10_tables.sql for why the parents have none).
SELECT is(jimo.ensure_partitions(ARRAY[timestamptz '2025-03-15 12:00+00']), NULL,
          'a month is created on demand; nothing was ever expired');
SELECT is(count(*), 5::bigint, 'events and the four fact tables are partitioned by range of their event time')
FROM jimo.partitioned_tables() t
JOIN pg_partitioned_table p ON p.partrelid = ('jimo.' || t.table_name)::regclass
WHERE p.partstrat = 'r' AND p.partnatts = 1
  AND p.partattrs[0] = (SELECT attnum FROM pg_attribute WHERE attrelid = p.partrelid AND attname = t.time_column);
-- Every key holds jimer_key (the jimer, or the nil uuid), the column Citus shards by
-- (jimo.distribute()); one digest has one jimer_key, so the dedup key is the digest's.
SELECT col_is_pk('jimo', 'events_p2025_03', ARRAY['id', 'jimer_key'],
                 'events (id, jimer_key) is the primary key of each month');
SELECT col_is_unique('jimo', 'events_p2025_03', ARRAY['digest', 'jimer_key'],
                     'events (digest, jimer_key) is unique in each month: the dedup key (the time and the jimer are part of the digest, so this is unique overall)');
SELECT col_is_pk('jimo', t.table_name || '_p2025_03', ARRAY['jimer_key', 'event_id'],
                 t.table_name || ' (jimer_key, event_id) is the primary key of each month: one fact per event')
FROM jimo.partitioned_tables() t WHERE t.table_name <> 'events' ORDER BY 1;
SELECT col_is_unique('jimo', 'rejected', 'digest', 'rejected.digest is unique');
SELECT col_is_pk('jimo', 'experiences', 'uid', 'experiences.uid is the primary key');
SELECT col_is_pk('jimo', 'jimers', 'uid', 'jimers.uid is the primary key');
SELECT col_is_pk('jimo', 'users', 'uid', 'users.uid is the primary key');
SELECT col_is_pk('jimo', 'projects', 'uid', 'projects.uid is the primary key');
SELECT col_is_pk('jimo', 'journeys', ARRAY['experience_uid', 'jimer_uid'],
                 'journeys: one row per experience x jimer');

-- Conventions: ids of Jimo objects are uuid (sub-object ids, whose shape
-- Jimo does not publish, are text); every *_at column is timestamptz
SELECT is_empty(
    $$SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'jimo' AND t.table_type = 'BASE TABLE'
        AND (c.column_name = 'uid' OR c.column_name LIKE '%\_uid')
        AND c.column_name NOT IN ('step_uid', 'task_uid', 'comment_uid')
        AND c.data_type <> 'uuid'$$,
    'every uid column of every table in jimo is uuid');
SELECT is_empty(
    $$SELECT c.table_name || '.' || c.column_name || ' ' || c.data_type
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = 'jimo' AND t.table_type = 'BASE TABLE'
        AND c.column_name LIKE '%\_at'
        AND c.data_type <> 'timestamp with time zone'$$,
    'every *_at column of every table in jimo is timestamptz');

-- Functions
SELECT ok(to_regprocedure(sig) IS NOT NULL, format('function %s exists', sig))
FROM funcs ORDER BY sig;
SELECT is(pg_get_function_arguments(to_regprocedure(sig)), args, format('%s arguments', sig))
FROM funcs ORDER BY sig;
SELECT is(pg_get_function_result(to_regprocedure(sig)), result, format('%s returns %s', sig, result))
FROM funcs ORDER BY sig;
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = to_regprocedure(sig)), volatility,
          format('%s volatility %s', sig, volatility))
FROM funcs ORDER BY sig;
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = to_regprocedure(sig)), definer,
          format('%s security definer: %s', sig, definer))
FROM funcs ORDER BY sig;
SELECT is_empty(
    $$SELECT p.oid::regprocedure::text FROM pg_proc p
      WHERE p.pronamespace = 'jimo'::regnamespace AND p.prosecdef
        AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)$$,
    'every security definer function of jimo pins search_path to pg_catalog, pg_temp');

SELECT * FROM finish();
ROLLBACK;
