-- Ingest behaviour at scale: deduplication, the any-order property on a
-- shuffled, duplicated set generated here, 100k events in one transaction
-- through jimo.receive_batch, and bounded backend memory.
-- test/run gives this file a fresh database with pgtap and jimo_webhooks; the
-- IF NOT EXISTS lines let it also run by hand in any database.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(33);

CREATE FUNCTION pg_temp.empty() RETURNS void LANGUAGE sql AS $$
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes
$$;
SELECT pg_temp.empty();

-------------------------------------------------------------------------------
-- Deduplication
-------------------------------------------------------------------------------
SELECT is((SELECT status FROM jimo.ingest('{"event": "tour.completed", "version": "0", "time": 1740133769000, "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}}'::jsonb)),
          'stored', 'a new event is stored');
SELECT is((SELECT status FROM jimo.ingest('{"jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}, "time": 1740133769000, "version": "0", "event": "tour.completed"}'::jsonb)),
          'duplicate', 'the same event with its keys in another order is a duplicate');
SELECT is((SELECT status FROM jimo.receive(E'{ "event" : "tour.completed",\n "version":"0","time":1740133769000,\r\n"jimer":{"uid":"17dff65e-434d-4454-bb57-a1167fefbb6b"} }')),
          'duplicate', 'the same event with other whitespace is a duplicate');
SELECT is((SELECT status FROM jimo.receive('{"event": "tour.completed", "version": "0", "time": 1740133769001, "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}}')),
          'stored', 'an event one millisecond later is another event');
SELECT results_eq('SELECT occurred_at, deliveries FROM jimo.events ORDER BY occurred_at',
                  $$VALUES ('2025-02-21 10:29:29+00'::timestamptz, 3), ('2025-02-21 10:29:29.001+00', 1)$$,
                  'two events; the first was delivered three times');
SELECT results_eq(
    $$SELECT status, count(*)::int FROM jimo.receive_batch(ARRAY[
        '{"event": "hint.seen", "time": 1740133769}', '{"time": 1740133769, "event": "hint.seen"}',
        '{"event": "hint.seen", "time": "1740133769"}', 'nope', 'nope'])
      GROUP BY status ORDER BY status$$,
    $$VALUES ('duplicate', 1), ('rejected', 2), ('stored', 2)$$,
    'in one batch: a repeat is a duplicate, "1740133769" is another spelling hence another event, bad bodies are rejected');
SELECT is((SELECT deliveries FROM jimo.rejected WHERE body = 'nope'), 2,
          'a rejected body delivered twice is one row with two deliveries');

-------------------------------------------------------------------------------
-- Any order, any split, any repeats: identical tables
-------------------------------------------------------------------------------
-- 300 events: 6 experiences x 12 jimers x every stage, at 5 distinct
-- times (so many ties), with snapshots that differ per event; delivered
-- 1 to 3 times each, one copy pretty-printed; plus 10 bad bodies.
CREATE TEMP TABLE fx ON COMMIT DROP AS
SELECT i, jsonb_build_object(
    'event', name, 'version', '0',
    'time', 1740787200000 + (i % 5) * 1000,
    'experience', jsonb_build_object(
        'uid', format('e0000000-0000-4000-8000-%s', lpad((i % 6)::text, 12, '0')),
        'title', 'title ' || i, 'state', CASE WHEN i % 2 = 0 THEN 'LIVE' ELSE 'PAUSED' END,
        'tags', jsonb_build_array(jsonb_build_object('uid', 't' || i % 3, 'name', 'tag ' || i)))
    ) || CASE WHEN name ~ '\.(created|published|status-changed|deleted)$'
              THEN jsonb_build_object('user', jsonb_build_object(
                       'uid', format('a0000000-0000-4000-8000-%s', lpad((i % 4)::text, 12, '0')),
                       'email', 'u' || i || '@example.com'))
              ELSE jsonb_build_object('jimer', jsonb_build_object(
                       'uid', format('b0000000-0000-4000-8000-%s', lpad((i % 12)::text, 12, '0')),
                       'username', 'jimer ' || i))
         END
      || CASE WHEN name LIKE '%.answered' THEN jsonb_build_object('step', jsonb_build_object('uid', 's' || i % 3), 'answer', i % 11)
              WHEN name LIKE '%.task.%' THEN jsonb_build_object('task', jsonb_build_object('uid', 'k' || i % 4, 'title', 'task ' || i))
              WHEN name LIKE '%.commented' THEN jsonb_build_object('comment', jsonb_build_object('text', 'c ' || i))
              ELSE '{}' END
      || CASE WHEN i % 7 = 0 THEN jsonb_build_object('project', jsonb_build_object(
                  'uid', 'c0000000-0000-4000-8000-000000000001', 'name', 'p ' || i))
              ELSE '{}' END AS payload
FROM (SELECT i, (ARRAY['tour.created', 'tour.published', 'tour.status-changed', 'tour.deleted',
                       'tour.started', 'tour.completed', 'survey.step.answered',
                       'checklist.task.completed', 'checklist.task.skipped', 'checklist.dismissed',
                       'hint.seen', 'post.liked', 'post.commented', 'widget.opened'])[i % 14 + 1] AS name
      FROM generate_series(1, 300) AS i) g;
CREATE TEMP TABLE deliveries ON COMMIT DROP AS
SELECT payload::text AS body FROM fx
UNION ALL SELECT jsonb_pretty(payload) FROM fx WHERE i % 2 = 0
UNION ALL SELECT payload::text FROM fx WHERE i % 3 = 0
UNION ALL SELECT 'bad body ' || n FROM generate_series(1, 10) n
UNION ALL SELECT 'bad body ' || n FROM generate_series(1, 5) n;

CREATE FUNCTION pg_temp.snapshot() RETURNS TABLE (tbl text, nrows bigint, digest text)
LANGUAGE sql AS $$
SELECT 'events', count(*), md5(string_agg(concat_ws('|', digest, name, version, occurred_at,
    experience_uid, jimer_uid, user_uid, project_uid, deliveries, payload), '/' ORDER BY digest))
FROM jimo.events
UNION ALL SELECT 'rejected', count(*), md5(string_agg(concat_ws('|', digest, error, sqlstate,
    body, body_bytes, deliveries), '/' ORDER BY digest)) FROM jimo.rejected
UNION ALL SELECT 'experiences', count(*), md5(string_agg((x.*)::text, '/' ORDER BY uid)) FROM jimo.experiences x
UNION ALL SELECT 'jimers', count(*), md5(string_agg((x.*)::text, '/' ORDER BY uid)) FROM jimo.jimers x
UNION ALL SELECT 'users', count(*), md5(string_agg((x.*)::text, '/' ORDER BY uid)) FROM jimo.users x
UNION ALL SELECT 'projects', count(*), md5(string_agg((x.*)::text, '/' ORDER BY uid)) FROM jimo.projects x
UNION ALL SELECT 'journeys', count(*), md5(string_agg((x.*)::text, '/' ORDER BY experience_uid, jimer_uid)) FROM jimo.journeys x
UNION ALL SELECT 'survey_steps', count(*), md5(string_agg((x.*)::text, '/' ORDER BY experience_uid, step_uid)) FROM jimo.survey_steps x
UNION ALL SELECT 'survey_step_journeys', count(*), md5(string_agg((x.*)::text, '/' ORDER BY experience_uid, step_uid, jimer_uid)) FROM jimo.survey_step_journeys x
UNION ALL SELECT 'survey_answers', count(*), md5(string_agg(e.digest || (to_jsonb(x) - 'event_id')::text, '/' ORDER BY e.digest))
FROM jimo.survey_answers x JOIN jimo.events e ON e.id = x.event_id
UNION ALL SELECT 'checklist_tasks', count(*), md5(string_agg(e.digest || (to_jsonb(x) - 'event_id')::text, '/' ORDER BY e.digest))
FROM jimo.checklist_tasks x JOIN jimo.events e ON e.id = x.event_id
UNION ALL SELECT 'post_comments', count(*), md5(string_agg(e.digest || (to_jsonb(x) - 'event_id')::text, '/' ORDER BY e.digest))
FROM jimo.post_comments x JOIN jimo.events e ON e.id = x.event_id
UNION ALL SELECT 'post_likes', count(*), md5(string_agg(e.digest || (to_jsonb(x) - 'event_id')::text, '/' ORDER BY e.digest))
FROM jimo.post_likes x JOIN jimo.events e ON e.id = x.event_id
$$;

-- seed orders the deliveries; batch_size 0 means one jimo.receive() per body
CREATE FUNCTION pg_temp.run(seed text, batch_size int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    bodies text[] := ARRAY(SELECT body FROM deliveries ORDER BY md5(body || seed), body);
    k int;
BEGIN
    PERFORM pg_temp.empty();
    IF batch_size = 0 THEN
        FOR k IN 1 .. cardinality(bodies) LOOP
            PERFORM jimo.receive(bodies[k]);
        END LOOP;
    ELSE
        FOR k IN 0 .. (cardinality(bodies) - 1) / batch_size LOOP
            PERFORM count(*) FROM jimo.receive_batch(bodies[k * batch_size + 1 : (k + 1) * batch_size]);
        END LOOP;
    END IF;
END $$;

-- reference: one batch, in the order the set was generated
SELECT pg_temp.empty();
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM deliveries))),
          (SELECT count(*) FROM deliveries), 'the reference run answers every delivery');
CREATE TEMP TABLE reference ON COMMIT DROP AS SELECT * FROM pg_temp.snapshot();
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM jimo.events), (SELECT sum(deliveries) FROM jimo.events),
             (SELECT count(*) FROM jimo.rejected), (SELECT sum(deliveries) FROM jimo.rejected),
             (SELECT count(*) FROM jimo.experiences), (SELECT count(*) FROM jimo.jimers),
             (SELECT count(*) FROM jimo.users)$$,
    $$VALUES (300::bigint, 550::bigint, 10::bigint, 15::bigint, 6::bigint, 12::bigint, 4::bigint)$$,
    'reference: 300 events from 550 deliveries, 10 bad bodies from 15, 6 experiences, 12 jimers, 4 users');
SELECT is_empty($$SELECT tbl FROM reference WHERE nrows = 0$$, 'the reference fills every table');

SELECT pg_temp.run('shuffle-a', 17);
SELECT results_eq('SELECT * FROM pg_temp.snapshot() ORDER BY tbl', 'SELECT * FROM reference ORDER BY tbl',
                  'shuffled, in batches of 17: every table identical');
SELECT pg_temp.run('shuffle-b', 1000);
SELECT results_eq('SELECT * FROM pg_temp.snapshot() ORDER BY tbl', 'SELECT * FROM reference ORDER BY tbl',
                  'shuffled otherwise, in one batch: every table identical');
SELECT pg_temp.run('shuffle-c', 0);
SELECT results_eq('SELECT * FROM pg_temp.snapshot() ORDER BY tbl', 'SELECT * FROM reference ORDER BY tbl',
                  'shuffled otherwise, one jimo.receive() per body: every table identical');
SELECT pg_temp.run('shuffle-d', 1);
SELECT results_eq('SELECT * FROM pg_temp.snapshot() ORDER BY tbl', 'SELECT * FROM reference ORDER BY tbl',
                  'shuffled otherwise, batches of one: every table identical');
SELECT is((SELECT count(DISTINCT o) FROM (
              SELECT ARRAY(SELECT body FROM deliveries ORDER BY md5(body || s), body) AS o
              FROM unnest(ARRAY['shuffle-a', 'shuffle-b', 'shuffle-c', 'shuffle-d']) s
              UNION ALL SELECT ARRAY(SELECT body FROM deliveries)) x),
          5::bigint, 'the five orders differ');
-- The property must be able to fail: a table that depends on arrival order
-- (here events.id) differs between two orders.
SELECT pg_temp.run('shuffle-a', 17);
CREATE TEMP TABLE ids_a ON COMMIT DROP AS SELECT id, digest FROM jimo.events;
SELECT pg_temp.run('shuffle-b', 17);
SELECT isnt_empty($$SELECT id, digest FROM jimo.events EXCEPT SELECT * FROM ids_a$$,
                  'sanity: ids follow arrival order, so the orders above did differ at ingest');
-- Latest state is the newest event's, by (time, rank, digest)
SELECT is_empty(
    $$SELECT x.uid FROM jimo.experiences x
      WHERE x.snapshot IS DISTINCT FROM (
          SELECT e.payload -> 'experience' FROM jimo.events e WHERE e.experience_uid = x.uid
          ORDER BY e.occurred_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC LIMIT 1)$$,
    'every experience holds the snapshot of its newest event');
SELECT is_empty(
    $$SELECT x.uid FROM jimo.jimers x
      WHERE x.snapshot IS DISTINCT FROM (
          SELECT e.payload -> 'jimer' FROM jimo.events e WHERE e.jimer_uid = x.uid
          ORDER BY e.occurred_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC LIMIT 1)$$,
    'every jimer holds the snapshot of its newest event');
SELECT is_empty(
    $$SELECT x.uid FROM jimo.experiences x
      WHERE x.deleted_at IS DISTINCT FROM (
          SELECT min(e.occurred_at) FROM jimo.events e
          WHERE e.experience_uid = x.uid AND e.name LIKE '%.deleted')$$,
    'deleted_at is the time of the earliest *.deleted event');

-------------------------------------------------------------------------------
-- 100k events in one transaction, through one receive_batch call
-------------------------------------------------------------------------------
SELECT pg_temp.empty();
CREATE TEMP TABLE mem_before ON COMMIT DROP AS
SELECT sum(total_bytes) AS bytes FROM pg_backend_memory_contexts;
CREATE TEMP TABLE big ON COMMIT DROP AS
SELECT status, count(*) AS n, count(DISTINCT event_id) AS ids, min(ord) AS first_ord, max(ord) AS last_ord
FROM jimo.receive_batch(ARRAY(
    SELECT CASE WHEN i <= 100000 THEN
        jsonb_build_object(
            'event', (ARRAY['tour.started', 'tour.completed', 'hint.seen', 'banner.seen',
                            'survey.step.answered', 'checklist.task.completed', 'post.liked'])[i % 7 + 1],
            'version', '0',
            'time', 1740787200000 + i * 1000,
            'experience', jsonb_build_object('uid', format('e1000000-0000-4000-8000-%s', lpad((i % 500)::text, 12, '0')),
                                             'title', 'experience ' || i % 500, 'type', 'TOUR', 'state', 'LIVE'),
            'jimer', jsonb_build_object('uid', format('b1000000-0000-4000-8000-%s', lpad((i % 20000)::text, 12, '0')),
                                        'identifyToken', 'user-' || i % 20000, 'lastActivityAt', '2025-03-01T00:00:00.000Z'),
            'step', jsonb_build_object('uid', 's' || i % 5, 'title', 'How likely?'),
            'answer', i % 11,
            'task', jsonb_build_object('uid', 'k' || i % 3))::text
        WHEN i <= 101000 THEN       -- 1000 redeliveries of the first events
        jsonb_build_object(
            'event', (ARRAY['tour.started', 'tour.completed', 'hint.seen', 'banner.seen',
                            'survey.step.answered', 'checklist.task.completed', 'post.liked'])[(i - 100000) % 7 + 1],
            'version', '0',
            'time', 1740787200000 + (i - 100000) * 1000,
            'experience', jsonb_build_object('uid', format('e1000000-0000-4000-8000-%s', lpad(((i - 100000) % 500)::text, 12, '0')),
                                             'title', 'experience ' || (i - 100000) % 500, 'type', 'TOUR', 'state', 'LIVE'),
            'jimer', jsonb_build_object('uid', format('b1000000-0000-4000-8000-%s', lpad(((i - 100000) % 20000)::text, 12, '0')),
                                        'identifyToken', 'user-' || (i - 100000) % 20000, 'lastActivityAt', '2025-03-01T00:00:00.000Z'),
            'step', jsonb_build_object('uid', 's' || (i - 100000) % 5, 'title', 'How likely?'),
            'answer', (i - 100000) % 11,
            'task', jsonb_build_object('uid', 'k' || (i - 100000) % 3))::text
        ELSE 'not json ' || i % 50  -- 100 bad deliveries of 50 bodies
        END
    FROM generate_series(1, 101100) AS i ORDER BY i))
GROUP BY status;

SELECT results_eq('SELECT status, n, ids FROM big ORDER BY status',
                  $$VALUES ('duplicate', 1000::bigint, 1000::bigint),
                           ('rejected', 100::bigint, 0::bigint),
                           ('stored', 100000::bigint, 100000::bigint)$$,
                  '101100 deliveries in one call: 100000 stored, 1000 duplicates, 100 rejected');
SELECT is((SELECT min(first_ord) || '-' || max(last_ord) FROM big), '1-101100',
          'every position answered once');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM jimo.events), (SELECT sum(deliveries) FROM jimo.events),
             (SELECT count(*) FROM jimo.events WHERE deliveries = 2),
             (SELECT count(*) FROM jimo.rejected), (SELECT sum(deliveries) FROM jimo.rejected)$$,
    $$VALUES (100000::bigint, 101000::bigint, 1000::bigint, 50::bigint, 100::bigint)$$,
    'events: 100000 rows, 101000 deliveries, the 1000 redelivered ones counted twice; 50 rejected bodies, 100 deliveries');
SELECT is((SELECT max(occurred_at) - min(occurred_at) FROM jimo.events), interval '99999 seconds',
          'event times span 1..100000 seconds after the base');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM jimo.experiences), (SELECT count(*) FROM jimo.jimers),
             (SELECT count(*) FROM jimo.journeys)$$,
    $$VALUES (500::bigint, 20000::bigint, 20000::bigint)$$,
    '500 experiences, 20000 jimers, 20000 journeys (jimer j only meets experience j mod 500)');
SELECT results_eq(
    $$SELECT (SELECT count(*) FROM jimo.survey_answers), (SELECT count(*) FROM jimo.checklist_tasks),
             (SELECT count(*) FROM jimo.post_likes)$$,
    $$SELECT count(*) FILTER (WHERE i % 7 = 4), count(*) FILTER (WHERE i % 7 = 5),
             count(*) FILTER (WHERE i % 7 = 6)
      FROM generate_series(1, 100000) i$$,
    'one fact row per survey.step.answered, checklist.task.completed and post.liked');
SELECT results_eq(
    $$SELECT sum(starts)::bigint, sum(completions)::bigint, sum(views)::bigint,
             sum(progress_events)::bigint, sum(likes)::bigint FROM jimo.journeys$$,
    $$SELECT count(*) FILTER (WHERE i % 7 = 0), count(*) FILTER (WHERE i % 7 = 1),
             count(*) FILTER (WHERE i % 7 IN (2, 3)), count(*) FILTER (WHERE i % 7 IN (4, 5)),
             count(*) FILTER (WHERE i % 7 = 6)
      FROM generate_series(1, 100000) i$$,
    'journey counters add up to the stored events of each stage (redeliveries not counted)');
SELECT is((SELECT last_started_at FROM jimo.journeys
           WHERE jimer_uid = 'b1000000-0000-4000-8000-000000000007'),
          (SELECT max(occurred_at) FROM jimo.events
           WHERE jimer_uid = 'b1000000-0000-4000-8000-000000000007' AND name = 'tour.started'),
          'a journey''s last start is its jimer''s newest tour.started');

SELECT diag(format('backend memory: %s MB before the 100k batch, %s MB after',
                   (SELECT bytes / 1048576 FROM mem_before),
                   (SELECT sum(total_bytes) / 1048576 FROM pg_backend_memory_contexts)));
-- Memory: the call leaves the backend no bigger than 200 MB, and it has
-- not kept what it allocated for the batch (< 64 MB more than before).
SELECT cmp_ok((SELECT sum(total_bytes) FROM pg_backend_memory_contexts), '<', 200 * 1024 * 1024::numeric,
              'backend memory after 100k events is under 200 MB');
SELECT cmp_ok((SELECT sum(total_bytes) FROM pg_backend_memory_contexts) - (SELECT bytes FROM mem_before),
              '<', 64 * 1024 * 1024::numeric,
              'the batch left less than 64 MB behind in the backend');
-- A second large batch in the same transaction does not grow it further.
CREATE TEMP TABLE mem_mid ON COMMIT DROP AS
SELECT sum(total_bytes) AS bytes FROM pg_backend_memory_contexts;
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(
              SELECT format('{"event": "hint.seen", "time": %s, "jimer": {"uid": "b2000000-0000-4000-8000-%s"}, "experience": {"uid": "e2000000-0000-4000-8000-000000000001"}, "pad": "%s"}',
                            1740787200000 + i, lpad(i::text, 12, '0'), repeat('x', 2000))
              FROM generate_series(1, 20000) i)) WHERE status = 'stored'),
          20000::bigint, 'a second batch of 20000 (40 MB) events is stored');
SELECT cmp_ok((SELECT sum(total_bytes) FROM pg_backend_memory_contexts) - (SELECT bytes FROM mem_mid),
              '<', 32 * 1024 * 1024::numeric,
              'and leaves less than 32 MB behind');

-- Peak: the backend's high-water resident size (Linux /proc, readable by a
-- superuser), less the shared buffers it may have touched, stayed under
-- 300 MB through both batches.  About 90 MB of it is this test building its
-- 55 MB argument array; the rest is what ingest holds for one chunk.  An
-- ingest that held all 100k parsed events at once (~5 kB each) would not fit.
CREATE FUNCTION pg_temp.peak_private_bytes() RETURNS numeric LANGUAGE plpgsql AS $$
BEGIN
    RETURN (regexp_match(pg_read_file('/proc/self/status'), 'VmHWM:\s+(\d+) kB'))[1]::numeric * 1024
           - pg_size_bytes(current_setting('shared_buffers'));
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
SELECT CASE WHEN pg_temp.peak_private_bytes() IS NULL
            THEN skip('no /proc/self/status to read the peak from', 1)
            ELSE cmp_ok(pg_temp.peak_private_bytes(), '<', 300 * 1024 * 1024::numeric,
                        format('peak backend memory (%s MB beyond shared buffers) stayed under 300 MB',
                               round(pg_temp.peak_private_bytes() / 1048576)))
       END;

-- still alive
SELECT is((SELECT 1), 1, 'the backend is alive');

SELECT * FROM finish();
ROLLBACK;
