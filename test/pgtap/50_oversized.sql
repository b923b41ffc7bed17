-- A body can only ever fail alone, whatever any of its values is.
-- Every value the extension reads (found by walking sample payloads of every
-- kind, so that a field read later is covered too), replaced in turn by
-- values of 10 kB and more (random, so that nothing compresses them), very
-- long or huge numbers, long keys and other shapes, goes through
-- receive_batch between two ordinary events: the call never raises, the
-- ordinary events are stored, and the changed body is stored unchanged in
-- jimo.events.payload or kept in jimo.rejected with its error.
-- Then the write-time safety net: a failure that only writing reveals (here an
-- index a user added) rejects that body alone.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(17);

-- n random characters drawn from a wide alphabet (incompressible for pglz)
CREATE FUNCTION pg_temp.noise(n integer, multibyte boolean DEFAULT false) RETURNS text
LANGUAGE sql VOLATILE AS $$
SELECT string_agg(CASE WHEN multibyte THEN chr(19968 + (random() * 20000)::int)
                       ELSE chr(33 + (random() * 93)::int) END, '')
FROM generate_series(1, n)
$$;

-- every path to a value in a document: object members and array elements
CREATE FUNCTION pg_temp.paths(doc jsonb) RETURNS SETOF text[]
LANGUAGE sql IMMUTABLE AS $$
WITH RECURSIVE t(path, v) AS (
    SELECT '{}'::text[], doc
    UNION ALL
    SELECT t.path || c.k, c.v
    FROM t CROSS JOIN LATERAL (
        SELECT k, v FROM jsonb_each(CASE WHEN jsonb_typeof(t.v) = 'object' THEN t.v END) AS e(k, v)
        UNION ALL
        SELECT (i - 1)::text, v FROM jsonb_array_elements(CASE WHEN jsonb_typeof(t.v) = 'array' THEN t.v END)
            WITH ORDINALITY AS a(v, i)
    ) c
)
SELECT path FROM t WHERE path <> '{}'
$$;

-- One payload of every kind of event the extension types, with every object
-- and sub-object it reads, shaped like Jimo's published examples.
CREATE TEMP TABLE base (body jsonb);
INSERT INTO base VALUES
('{"event": "tour.completed", "version": "0", "time": 1740133769000,
   "project": {"uid": "a0c6e7a4-2b1e-4f55-9f0a-6f5bb5b2d001", "name": "Acme"},
   "experience": {"uid": "0814ae77-568d-41c0-912a-0b4c63dc03ff", "title": "Onboarding", "type": "TOUR", "state": "LIVE",
                  "isDraft": false, "publishedAt": "2025-02-19T10:37:10.000Z", "createdAt": "2025-02-19T10:36:46.000Z",
                  "expiresAt": "2026-01-01T00:00:00.000Z", "triggerType": "DEFAULT", "recurrencyType": "EVERY_TIME",
                  "recurrencyValue": 1, "tags": [{"uid": "t1", "name": "release-3"}]},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b", "identifyToken": "sam", "username": "Sam",
             "email": "sam@example.com", "createdAt": "2025-02-03T11:50:01.000Z", "lastActivityAt": "2025-02-21T10:29:28.000Z"}}'),
('{"event": "tour.created", "version": "0", "time": 1740125703000,
   "experience": {"uid": "550433b7-6b40-4f4a-a8bc-79ad2a55a847", "title": "Onboarding", "type": "TOUR", "isDraft": true},
   "user": {"uid": "17de6523-2033-4aaa-a500-d9369b611284", "email": "sam@example.com", "firstName": "Sam", "lastName": "at Jimo"}}'),
('{"event": "survey.step.answered", "time": 1740133769100,
   "experience": {"uid": "7c1d8a0e-3f0b-4d7e-9c55-1f0e6d1b2c3d", "type": "SURVEY", "title": "NPS"},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"},
   "step": {"uid": "step-1", "title": "How likely?", "type": "NPS", "position": 1},
   "answer": {"value": 9, "text": "nine", "choices": ["a", {"label": "b"}]}}'),
('{"event": "survey.step.answered", "time": 1740133769200,
   "experience": {"uid": "7c1d8a0e-3f0b-4d7e-9c55-1f0e6d1b2c3d", "type": "SURVEY"},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"},
   "step": {"id": "step-2", "name": "Why?", "stepType": "TEXT", "index": "2"}, "answer": "because"}'),
('{"event": "checklist.task.completed", "time": 1740133769300,
   "experience": {"uid": "8d2e9b1f-4a1c-4e8f-8d66-2a1f7e2c3d4e", "type": "CHECKLIST"},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}, "task": {"uid": "task-1", "title": "Invite a teammate"}}'),
('{"event": "post.commented", "time": 1740133769400,
   "experience": {"uid": "9e3fac20-5b2d-4f90-9e77-3b2f8f3d4e5f", "type": "POST"},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}, "comment": {"uid": "c-1", "content": "Nice"}}'),
('{"event": "post.liked", "time": 1740133769500,
   "experience": {"uid": "9e3fac20-5b2d-4f90-9e77-3b2f8f3d4e5f", "type": "POST"},
   "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b"}}'),
('{"event": "survey.deleted", "time": 1740133769600,
   "experience": {"uid": "7c1d8a0e-3f0b-4d7e-9c55-1f0e6d1b2c3d", "type": "SURVEY"},
   "user": {"uid": "17de6523-2033-4aaa-a500-d9369b611284"}}');

-- what replaces a value in turn
CREATE TEMP TABLE nasty (label text, v jsonb);
INSERT INTO nasty VALUES
    ('10 kB of random text', to_jsonb(pg_temp.noise(10240))),
    ('100 kB of random text', to_jsonb(pg_temp.noise(102400))),
    ('10k random multibyte characters (30 kB)', to_jsonb(pg_temp.noise(10240, true))),
    ('a number of 10 000 digits', to_jsonb((SELECT string_agg((random() * 9)::int::text, '') FROM generate_series(1, 10000))::numeric)),
    ('a numeric string of 10 000 digits', to_jsonb((SELECT string_agg((random() * 9)::int::text, '') FROM generate_series(1, 10000)))),
    ('1e1000', '1e1000'::jsonb),
    ('-1e-1000', '-1e-1000'::jsonb),
    ('an object with a 10 kB key', jsonb_build_object(pg_temp.noise(10240), 1)),
    ('an array of 10 kB strings', jsonb_build_array(pg_temp.noise(10240), pg_temp.noise(10240))),
    ('an object with a 10 kB uid', jsonb_build_object('uid', pg_temp.noise(10240), 'id', pg_temp.noise(10240)));

CREATE TEMP TABLE mutation AS
SELECT row_number() OVER () AS n, b.body #>> '{event}' AS event, p AS path, x.label,
       jsonb_set(b.body, p, x.v) AS body
FROM base b
CROSS JOIN LATERAL pg_temp.paths(b.body) AS p
CROSS JOIN nasty x;

SELECT cmp_ok((SELECT count(*) FROM mutation), '>', 1000::bigint,
              'over a thousand changed payloads: every value of every kind of event, each replaced ten ways');

-- Each changed body between two ordinary events, one call each; the failures,
-- if any, as text, and each body's outcome in alone_outcome.
CREATE TEMP TABLE alone_outcome (n bigint PRIMARY KEY, status text);
CREATE FUNCTION pg_temp.run_mutations() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    m record;
    r record;
    failures text[] := '{}';
    good_before text;
    good_after text;
BEGIN
    FOR m IN SELECT * FROM mutation ORDER BY n LOOP
        good_before := format('{"event": "hint.seen", "time": %s, "jimer": {"uid": "3f0b1c2d-0000-4000-8000-%s"}}',
                              1750000000000 + 2 * m.n, lpad(m.n::text, 12, '0'));
        good_after := format('{"event": "hint.seen", "time": %s, "jimer": {"uid": "3f0b1c2d-0000-4000-8000-%s"}}',
                             1750000000001 + 2 * m.n, lpad(m.n::text, 12, '0'));
        BEGIN
            FOR r IN SELECT * FROM jimo.receive_batch(ARRAY[good_before, m.body::text, good_after]) LOOP
                IF r.ord = 2 THEN
                    INSERT INTO alone_outcome VALUES (m.n, r.status);
                END IF;
                IF r.ord IN (1, 3) AND r.status <> 'stored' THEN
                    failures := failures || format('%s %s (%s): ordinary event %s was %s: %s',
                                                   m.event, m.path, m.label, r.ord, r.status, r.error);
                ELSIF r.ord = 2 AND r.status = 'stored' AND NOT EXISTS (
                        SELECT FROM jimo.events WHERE id = r.event_id AND payload = m.body) THEN
                    failures := failures || format('%s %s (%s): stored, but not with its payload unchanged',
                                                   m.event, m.path, m.label);
                ELSIF r.ord = 2 AND r.status = 'rejected' AND NOT EXISTS (
                        SELECT FROM jimo.rejected WHERE body = m.body::text AND error = r.error) THEN
                    failures := failures || format('%s %s (%s): rejected (%s) but not kept in jimo.rejected',
                                                   m.event, m.path, m.label, r.error);
                ELSIF r.ord = 2 AND r.status NOT IN ('stored', 'rejected') THEN
                    failures := failures || format('%s %s (%s): %s', m.event, m.path, m.label, r.status);
                END IF;
            END LOOP;
        EXCEPTION WHEN OTHERS THEN
            failures := failures || format('%s %s (%s): receive_batch raised %s: %s',
                                           m.event, m.path, m.label, SQLSTATE, SQLERRM);
        END;
    END LOOP;
    RETURN failures;
END
$$;

SELECT is(pg_temp.run_mutations(), '{}'::text[],
          'no changed value makes receive_batch raise, spoils an ordinary event, or is lost');

-- Which values are refused is a matter of the strict keys only: the event
-- name (at most 200 bytes), the time, and the uids of the four objects.
SELECT is((SELECT array_agg(DISTINCT m.path[1] || coalesce('.' || m.path[2], '') ORDER BY m.path[1] || coalesce('.' || m.path[2], ''))
           FROM mutation m JOIN alone_outcome o USING (n) WHERE o.status = 'rejected'),
          '{event,experience,experience.uid,jimer,jimer.uid,project,project.uid,time,user,user.uid}'::text[],
          'only a changed event name, time, or object uid (or object) is rejected; every other value is stored');

-- All of them again in ONE call, changed to be new events: each body has the
-- fate it had alone, whatever its neighbours.
SELECT is((SELECT count(*) FROM jimo.receive_batch((SELECT array_agg((body || '{"copy": 1}')::text ORDER BY n) FROM mutation)) r
           JOIN alone_outcome o ON o.n = r.ord
           WHERE r.status IS DISTINCT FROM o.status),
          0::bigint, 'in one call of them all, every body has the outcome it had alone');

-------------------------------------------------------------------------------
-- Oversized keys are stored, made safe where an index holds them
-------------------------------------------------------------------------------
SELECT pg_temp.noise(10240) AS token, pg_temp.noise(10240) AS step, pg_temp.noise(10240) AS task \gset
SELECT results_eq(
    format($$SELECT status FROM jimo.receive_batch(ARRAY[
        %L, %L, %L, %L])$$,
        jsonb_build_object('event', 'tour.started', 'time', 1760000000000,
                           'experience', jsonb_build_object('uid', '0814ae77-568d-41c0-912a-0b4c63dc03ff', 'type', 'TOUR'),
                           'jimer', jsonb_build_object('uid', '5a5a5a5a-0000-4000-8000-000000000001', 'identifyToken', :'token')),
        jsonb_build_object('event', 'survey.step.answered', 'time', 1760000000001,
                           'experience', jsonb_build_object('uid', 'aaaa0000-3f0b-4d7e-9c55-1f0e6d1b2c3d', 'type', 'SURVEY'),
                           'jimer', jsonb_build_object('uid', '5a5a5a5a-0000-4000-8000-000000000002'),
                           'step', jsonb_build_object('uid', :'step', 'type', 'NPS'), 'answer', 10),
        jsonb_build_object('event', 'survey.step.answered', 'time', 1760000000002,
                           'experience', jsonb_build_object('uid', 'aaaa0000-3f0b-4d7e-9c55-1f0e6d1b2c3d', 'type', 'SURVEY'),
                           'jimer', jsonb_build_object('uid', '5a5a5a5a-0000-4000-8000-000000000003'),
                           'step', jsonb_build_object('uid', :'step', 'type', 'NPS'), 'answer', 3),
        jsonb_build_object('event', 'checklist.task.completed', 'time', 1760000000003,
                           'experience', jsonb_build_object('uid', '8d2e9b1f-4a1c-4e8f-8d66-2a1f7e2c3d4e', 'type', 'CHECKLIST'),
                           'jimer', jsonb_build_object('uid', '5a5a5a5a-0000-4000-8000-000000000002'),
                           'task', jsonb_build_object('uid', :'task'))),
    $$VALUES ('stored'), ('stored'), ('stored'), ('stored')$$,
    'a 10 kB identify token, step uid and task uid are stored');
SELECT is((SELECT identify_token FROM jimo.jimers WHERE uid = '5a5a5a5a-0000-4000-8000-000000000001'), :'token',
          'the 10 kB identify token is kept whole');
SELECT is((SELECT count(*) FROM jimo.jimers WHERE identify_token = :'token'), 1::bigint,
          'and found by equality');
SELECT results_eq(
    $$SELECT step_uid, answers FROM jimo.survey_steps WHERE experience_uid = 'aaaa0000-3f0b-4d7e-9c55-1f0e6d1b2c3d'$$,
    format($$VALUES (%L, 2)$$, 'sha256:' || encode(sha256(convert_to(:'step', 'UTF8')), 'hex')),
    'a 10 kB step uid becomes sha256:<hex of the uid>, one step for both answers');
SELECT is((SELECT count(*) FROM jimo.survey_answers
           WHERE experience_uid = 'aaaa0000-3f0b-4d7e-9c55-1f0e6d1b2c3d' AND step #>> '{uid}' = :'step'), 2::bigint,
          'the step object keeps the uid as sent');
SELECT is((SELECT task_uid FROM jimo.checklist_tasks WHERE task #>> '{uid}' = :'task'),
          'sha256:' || encode(sha256(convert_to(:'task', 'UTF8')), 'hex'),
          'a 10 kB task uid becomes sha256:<hex of the uid>');
CREATE TEMP TABLE bound_out AS SELECT * FROM jimo.receive_batch(ARRAY[
    jsonb_build_object('event', 'survey.step.answered', 'time', 1760000000010,
                       'experience', jsonb_build_object('uid', 'bbbb0000-3f0b-4d7e-9c55-1f0e6d1b2c3d'),
                       'step', jsonb_build_object('uid', repeat('u', 512)))::text,
    jsonb_build_object('event', 'survey.step.answered', 'time', 1760000000011,
                       'experience', jsonb_build_object('uid', 'bbbb0000-3f0b-4d7e-9c55-1f0e6d1b2c3d'),
                       'step', jsonb_build_object('uid', repeat('u', 513)))::text]);
SELECT results_eq(
    $$SELECT step_uid FROM bound_out r JOIN jimo.survey_answers a ON a.event_id = r.event_id ORDER BY r.ord$$,
    format($$VALUES (%L), (%L)$$, repeat('u', 512), 'sha256:' || encode(sha256(convert_to(repeat('u', 513), 'UTF8')), 'hex')),
    'uids up to 512 bytes are kept as sent, longer ones digested');

-------------------------------------------------------------------------------
-- The write-time safety net: an error only writing reveals rejects that body
-- alone. README invites users to add their own indexes on jimo.events; one on
-- a payload value turns a long value into an "index row size" error.
-------------------------------------------------------------------------------
CREATE INDEX events_note_idx ON jimo.events ((payload ->> 'note'));
CREATE TEMP TABLE five AS
SELECT i, jsonb_build_object('event', 'hint.seen', 'time', 1770000000000 + i,
                             'experience', jsonb_build_object('uid', 'cccc0000-3f0b-4d7e-9c55-1f0e6d1b2c3d', 'type', 'HINT'),
                             'jimer', jsonb_build_object('uid', '6b6b6b6b-0000-4000-8000-00000000000' || i),
                             'note', CASE WHEN i = 3 THEN pg_temp.noise(10240) ELSE 'short' END)::text AS body
FROM generate_series(1, 5) i;
CREATE TEMP TABLE five_out AS
SELECT * FROM jimo.receive_batch((SELECT array_agg(body ORDER BY i) || array_agg(body ORDER BY i) FROM five));
SELECT results_eq($$SELECT ord, status FROM five_out ORDER BY ord$$,
    $$VALUES (1, 'stored'), (2, 'stored'), (3, 'rejected'), (4, 'stored'), (5, 'stored'),
             (6, 'duplicate'), (7, 'duplicate'), (8, 'rejected'), (9, 'duplicate'), (10, 'duplicate')$$,
    'a body that fails only when written is rejected alone (both deliveries); the others are stored');
SELECT matches((SELECT error FROM five_out WHERE ord = 3),
               '^jimo: the event could not be stored: index row (size \d+ exceeds|requires \d+ bytes)',
               'its error says what failed');
SELECT results_eq(
    $$SELECT sqlstate, deliveries, body FROM jimo.rejected WHERE error LIKE 'jimo: the event could not be stored:%'$$,
    $$SELECT '54000'::text, 2, body FROM five WHERE i = 3$$,
    'it is kept in jimo.rejected with its SQLSTATE, counted twice');
SELECT is((SELECT count(*) FROM jimo.journeys WHERE jimer_uid::text LIKE '6b6b6b6b-%'), 4::bigint,
          'the four others reached the journeys, the rejected one did not');
DROP INDEX jimo.events_note_idx;
SELECT is((SELECT count(*) FROM jimo.retry_rejected()), 1::bigint, 'jimo.retry_rejected() runs');
SELECT is((SELECT count(*) FROM jimo.events e JOIN five f ON e.payload = f.body::jsonb WHERE f.i = 3), 1::bigint,
          'once the index is gone, jimo.retry_rejected() stores the rejected body');
SELECT * FROM finish();
ROLLBACK;
