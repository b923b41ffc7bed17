--
-- Deduplication, event time, latest-state precedence, and the acceptance
-- property: the same deliveries in any order, any split into calls, with
-- repeats, give identical tables.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;

-------------------------------------------------------------------------------
-- 1. Redelivery: the same JSON with other whitespace and key order
-------------------------------------------------------------------------------
-- 1740133769000 ms = 2025-02-21 10:29:29 UTC (the published tour.completed)
\set body1 '{"event": "tour.completed", "version": "0", "time": 1740133769000, "experience": {"uid": "0814ae77-568d-41c0-912a-0b4c63dc03ff", "title": "Onboarding", "type": "TOUR"}, "jimer": {"uid": "17dff65e-434d-4454-bb57-a1167fefbb6b", "username": "Sam"}}'
\set body1_reordered '{ "jimer" : {"username":"Sam","uid":"17dff65e-434d-4454-bb57-a1167fefbb6b"},\n\t"time":1740133769000 , "experience":{"type":"TOUR","title":"Onboarding","uid":"0814ae77-568d-41c0-912a-0b4c63dc03ff"},"version":"0","event":"tour.completed"   }'
CREATE TEMP TABLE r1 AS SELECT * FROM jimo.receive(:'body1');
SELECT status, error FROM r1;
SELECT status, error, event_id = (SELECT event_id FROM r1) AS same_event
FROM jimo.receive(:'body1_reordered');
SELECT status, event_id = (SELECT event_id FROM r1) AS same_event
FROM jimo.ingest(:'body1'::jsonb);
SELECT status, event_id = (SELECT event_id FROM r1) AS same_event
FROM jimo.ingest(:'body1_reordered'::text);
-- twice more in one batch, next to a new event: both repeats are duplicates
SELECT ord, status, error, event_id = (SELECT event_id FROM r1) AS same_event
FROM jimo.receive_batch(ARRAY[:'body1_reordered', :'body1',
     replace(:'body1', '1740133769000', '1740133769001')])
ORDER BY ord;
-- one row for the six deliveries; the 1 ms later one is another event
SELECT name, occurred_at, deliveries, jimer_uid
FROM jimo.events ORDER BY occurred_at;
SELECT count(*) AS journey_rows, sum(completions) AS completions
FROM jimo.journeys;
-- a repeat inside one batch that holds only repeats of a new event
SELECT ord, status
FROM jimo.receive_batch(ARRAY[replace(:'body1', 'Sam', 'Kim'),
                              replace(:'body1', 'Sam', 'Kim')])
ORDER BY ord;
SELECT payload -> 'jimer' ->> 'username' AS username, deliveries
FROM jimo.events ORDER BY occurred_at, deliveries;

-------------------------------------------------------------------------------
-- 2. Time: a number of ms or of seconds, or a numeric string, same instant
-------------------------------------------------------------------------------
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
CREATE TEMP TABLE times AS
SELECT t AS time_as_sent, r.*
FROM (VALUES ('1740133769000'), ('1740133769'), ('"1740133769000"'),
             ('"1740133769"'), ('1740133769.5'), ('1740133769500'),
             ('1740133769000.0'), ('1.740133769e12'),
             -- 10^11 - 1 is still seconds (year 5138); 10^11 is milliseconds
             ('99999999999'), ('100000000000'), ('1'))
     AS v(t)
CROSS JOIN LATERAL jimo.receive(format('{"event": "hint.seen", "time": %s, "note": %s}',
                                        t, to_json(t))) AS r;
SELECT time_as_sent, t.status, t.error, e.occurred_at
FROM times t LEFT JOIN jimo.events e ON e.id = t.event_id
ORDER BY e.occurred_at, time_as_sent;

-------------------------------------------------------------------------------
-- 3. Latest state: equal times broken by precedence, in any arrival order
-------------------------------------------------------------------------------
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
-- ev(name, minute, experience uid, title, state, who, username)
CREATE FUNCTION pg_temp.ev(name text, minute int, xuid text, title text,
                           who text DEFAULT 'user', username text DEFAULT 'Sam')
RETURNS text LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', name, 'version', '0',
    'time', 1740787200000 + minute * 60000::bigint,
    'experience', jsonb_build_object('uid', xuid, 'title', title, 'type', 'TOUR'),
    who, jsonb_build_object(
        'uid', CASE who WHEN 'user' THEN 'a1000000-0000-4000-8000-000000000001'
                        ELSE 'b1000000-0000-4000-8000-000000000001' END,
        'username', username))::text
$$;
-- one jimo.receive() call per body, in array order; their statuses
CREATE FUNCTION pg_temp.recv_each(bodies text[]) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    b text;
    st text;
    out text := '';
BEGIN
    FOREACH b IN ARRAY bodies LOOP
        SELECT status INTO st FROM jimo.receive(b);
        out := out || CASE WHEN out = '' THEN '' ELSE ',' END || st;
    END LOOP;
    RETURN out;
END $$;
-- Four authoring events at the same minute, for three experiences that get
-- them in three different orders, one call per event.  Expected for all:
-- the deleted one wins (created < published < status-changed < deleted).
CREATE TEMP TABLE tie (name text, title text, k int);
INSERT INTO tie VALUES ('tour.created', 'by created', 1),
    ('tour.published', 'by published', 2),
    ('tour.status-changed', 'by status-changed', 3),
    ('tour.deleted', 'by deleted', 4);
SELECT x.n AS experience,
       pg_temp.recv_each(ARRAY(
           SELECT pg_temp.ev(tie.name, 0, format('10000000-0000-4000-8000-00000000000%s', x.n), tie.title)
           FROM unnest(x.ord) WITH ORDINALITY AS o(k, pos) JOIN tie USING (k)
           ORDER BY o.pos)) AS statuses
FROM (VALUES (1, '{1,2,3,4}'::int[]), (2, '{4,3,2,1}'), (3, '{3,1,4,2}')) AS x(n, ord)
ORDER BY x.n;
-- Without the deleted event: status-changed wins, whatever the order.
SELECT x.n AS experience,
       pg_temp.recv_each(ARRAY(
           SELECT pg_temp.ev(tie.name, 0, format('10000000-0000-4000-8000-00000000000%s', x.n), tie.title)
           FROM unnest(x.ord) WITH ORDINALITY AS o(k, pos) JOIN tie USING (k)
           ORDER BY o.pos)) AS statuses
FROM (VALUES (4, '{1,2,3}'::int[]), (5, '{3,2,1}'), (6, '{2,3,1}')) AS x(n, ord)
ORDER BY x.n;
-- created and published only, both orders in ONE batch: published wins
SELECT count(*) AS stored
FROM jimo.receive_batch(ARRAY[
    pg_temp.ev('tour.published', 0, '10000000-0000-4000-8000-000000000007', 'by published'),
    pg_temp.ev('tour.created', 0, '10000000-0000-4000-8000-000000000007', 'by created'),
    pg_temp.ev('tour.created', 0, '10000000-0000-4000-8000-000000000008', 'by created'),
    pg_temp.ev('tour.published', 0, '10000000-0000-4000-8000-000000000008', 'by published')]);
SELECT uid, title, is_deleted, deleted_at, state_at, state_rank, first_event_at
FROM jimo.experiences ORDER BY uid;
-- A jimer's state: started < completed at the same time, both orders.
SELECT pg_temp.recv_each(ARRAY[
    pg_temp.ev('tour.started', 5, '10000000-0000-4000-8000-0000000000a1', 'T', 'jimer', 'as started'),
    pg_temp.ev('tour.completed', 5, '10000000-0000-4000-8000-0000000000a1', 'T', 'jimer', 'as completed'),
    pg_temp.ev('tour.completed', 5, '10000000-0000-4000-8000-0000000000a2', 'T', 'jimer', 'as completed'),
    pg_temp.ev('tour.started', 5, '10000000-0000-4000-8000-0000000000a2', 'T', 'jimer', 'as started')]) AS statuses;
SELECT uid, username, state_at, state_rank FROM jimo.jimers ORDER BY uid;
-- Two experiences got their started and completed in opposite orders: the
-- same journey.
SELECT experience_uid, first_started_at, starts, first_completed_at, completions
FROM jimo.journeys ORDER BY experience_uid;

-------------------------------------------------------------------------------
-- 4. An older event arriving after a newer one changes no state; *.deleted
--    keeps the row and the earliest deletion time
-------------------------------------------------------------------------------
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
-- experience ...0b: newest first (minute 30), then older ones, in separate calls
SELECT pg_temp.recv_each(ARRAY[
    pg_temp.ev('tour.status-changed', 30, '10000000-0000-4000-8000-00000000000b', 'newest', 'user', 'Ana v3'),
    pg_temp.ev('tour.created', 10, '10000000-0000-4000-8000-00000000000b', 'oldest', 'user', 'Ana v1'),
    pg_temp.ev('tour.published', 20, '10000000-0000-4000-8000-00000000000b', 'middle', 'user', 'Ana v2')]) AS statuses;
-- the same in one batch, for experience ...0c
SELECT count(*) AS stored FROM jimo.receive_batch(ARRAY[
    pg_temp.ev('tour.status-changed', 30, '10000000-0000-4000-8000-00000000000c', 'newest', 'user', 'Ana v3'),
    pg_temp.ev('tour.created', 10, '10000000-0000-4000-8000-00000000000c', 'oldest', 'user', 'Ana v1'),
    pg_temp.ev('tour.published', 20, '10000000-0000-4000-8000-00000000000c', 'middle', 'user', 'Ana v2')]);
-- experience ...0d: deleted at minute 50, deleted again at 40 (arrives
-- later), then a newer event at minute 60: still deleted, at minute 40, and
-- the row holds the newest snapshot
SELECT pg_temp.recv_each(ARRAY[
    pg_temp.ev('tour.created', 10, '10000000-0000-4000-8000-00000000000d', 'created'),
    pg_temp.ev('tour.deleted', 50, '10000000-0000-4000-8000-00000000000d', 'deleted at 50'),
    pg_temp.ev('tour.deleted', 40, '10000000-0000-4000-8000-00000000000d', 'deleted at 40'),
    pg_temp.ev('tour.started', 60, '10000000-0000-4000-8000-00000000000d', 'seen after deletion', 'jimer')]) AS statuses;
SELECT uid, title, is_deleted, deleted_at, first_event_at, state_at, state_rank,
       snapshot ->> 'title' AS snapshot_title
FROM jimo.experiences ORDER BY uid;
-- the user's state is that of its newest event (minute 50, a deletion),
-- although older ones arrived after it
SELECT uid, snapshot ->> 'username' AS username, first_event_at, state_at
FROM jimo.users ORDER BY uid;
-- deleted experiences are kept: their events are still there
SELECT count(*) AS events, count(*) FILTER (WHERE name = 'tour.deleted') AS deletions
FROM jimo.events;

-------------------------------------------------------------------------------
-- 5. The acceptance property
-------------------------------------------------------------------------------
-- 40 events over four experiences (a tour, a survey, a checklist, a post:
-- experience i % 4, cycling through its category's documented events), three
-- jimers and two users, at three distinct minutes so that times collide,
-- spelled as ms, seconds and strings, with their sub-objects; snapshots differ
-- per event so that a wrong winner shows.  Plus bad bodies, kept too.
CREATE TEMP TABLE fx (i int PRIMARY KEY, body text NOT NULL);
INSERT INTO fx
SELECT i, (jsonb_build_object(
        'event', name,
        'version', '0',
        'time', CASE i % 5
                    WHEN 0 THEN to_jsonb(t / 1000)            -- seconds
                    WHEN 1 THEN to_jsonb(t::text)             -- string of ms
                    ELSE to_jsonb(t) END,                     -- ms
        'experience', jsonb_build_object(
            'uid', format('e0000000-0000-4000-8000-00000000000%s', i % 4),
            'title', format('title %s', i), 'type', upper(split_part(name, '.', 1)),
            'state', CASE WHEN i % 2 = 0 THEN 'LIVE' ELSE 'PAUSED' END,
            'isDraft', i % 3 = 0, 'recurrencyValue', i,
            'tags', jsonb_build_array(jsonb_build_object('uid', 'tag' || i % 5, 'name', 'tag ' || i))))
    || CASE WHEN i % 3 = 0 THEN jsonb_build_object('project',
               jsonb_build_object('uid', 'c0000000-0000-4000-8000-000000000001', 'name', 'p ' || i))
            ELSE '{}' END
    || CASE WHEN name ~ '\.(created|published|status-changed|deleted)$'
            THEN jsonb_build_object('user', jsonb_build_object(
                     'uid', format('a0000000-0000-4000-8000-00000000000%s', i % 2),
                     'email', format('u%s@example.com', i)))
            ELSE jsonb_build_object('jimer', jsonb_build_object(
                     'uid', format('b0000000-0000-4000-8000-00000000000%s', (i / 4) % 3),
                     'username', format('jimer %s', i),
                     'lastActivityAt', format('2025-03-01T00:0%s:00.000Z', i % 3)))
       END
    || CASE WHEN name LIKE '%.step.answered' THEN jsonb_build_object(
                'step', jsonb_build_object('uid', 's' || i % 2, 'title', 'q ' || i, 'position', i % 2 + 1),
                'answer', CASE i % 3 WHEN 0 THEN to_jsonb(i) WHEN 1 THEN to_jsonb('a ' || i)
                          ELSE jsonb_build_array('x', i) END)
            WHEN name LIKE '%.task.%' THEN jsonb_build_object('task', jsonb_build_object('uid', 'k' || i % 2, 'title', 'task ' || i))
            WHEN name LIKE '%.commented' THEN jsonb_build_object('comment', jsonb_build_object('uid', 'c' || i, 'text', 'comment ' || i))
            ELSE '{}' END)::text
FROM (SELECT i,
             1740787200000 + (i % 3) * 60000::bigint AS t,
             names[(i / 4) % cardinality(names) + 1] AS name
      FROM generate_series(1, 40) AS i
      CROSS JOIN LATERAL (SELECT CASE i % 4
          WHEN 0 THEN '{tour.created,tour.published,tour.started,tour.completed,tour.status-changed,tour.deleted}'::text[]
          WHEN 1 THEN '{survey.created,survey.published,survey.started,survey.step.answered,survey.completed,survey.status-changed,survey.deleted}'
          WHEN 2 THEN '{checklist.created,checklist.published,checklist.started,checklist.task.completed,checklist.task.skipped,checklist.completed,checklist.dismissed,checklist.status-changed,checklist.deleted}'
          ELSE '{post.created,post.published,post.liked,post.commented,post.deleted}' END AS names) AS n
     ) AS g;
-- the names and time collisions this gives
SELECT body::jsonb ->> 'event' AS name, count(*) AS events,
       count(DISTINCT body::jsonb -> 'time') AS times
FROM fx GROUP BY 1 ORDER BY 1;
INSERT INTO fx VALUES
    (41, 'not json at all'),
    (42, '{"event": "tour.started", "experience": {"uid": "e0000000-0000-4000-8000-000000000001"}}'),
    (43, '{"event": "tour.started", "time": 1740787200000, "jimer": {"uid": "not-a-uuid"}}');

-- The deliveries: every body once; every third again, pretty-printed (other
-- whitespace, same event); every fourth again as is; a bad body twice more.
CREATE TEMP TABLE deliveries (d int PRIMARY KEY, i int, body text);
INSERT INTO deliveries
SELECT row_number() OVER (ORDER BY i, copy), i, body
FROM (SELECT i, 0 AS copy, body FROM fx
      UNION ALL SELECT i, 1, jsonb_pretty(body::jsonb) FROM fx WHERE i % 3 = 0 AND i <= 40
      UNION ALL SELECT i, 2, body FROM fx WHERE i % 4 = 0
      UNION ALL SELECT i, 3, body FROM fx WHERE i = 41) AS x;
SELECT count(*) AS deliveries, count(DISTINCT i) AS bodies FROM deliveries;

-- Every table as a list of md5s, one per table; ids, arrival times and
-- event ids (which follow arrival order) are left out, fact rows are keyed by
-- their event's digest instead.
CREATE FUNCTION pg_temp.snapshot(with_deliveries boolean DEFAULT true)
RETURNS TABLE (tbl text, nrows bigint, digest text) LANGUAGE sql AS $$
SELECT 'events', count(*), md5(string_agg(
    concat_ws('|', digest, name, version, occurred_at, experience_uid, jimer_uid,
              user_uid, project_uid, payload, CASE WHEN with_deliveries THEN deliveries END),
    '/' ORDER BY digest)) FROM jimo.events
UNION ALL
SELECT 'rejected', count(*), md5(string_agg(
    concat_ws('|', digest, error, sqlstate, body, body_bytes,
              CASE WHEN with_deliveries THEN deliveries END),
    '/' ORDER BY digest)) FROM jimo.rejected
UNION ALL
SELECT 'experiences', count(*), md5(string_agg(
    concat_ws('|', uid, title, type, state, is_draft, created_at, published_at, expires_at,
              trigger_type, recurrency_type, recurrency_value, tags, project_uid,
              is_deleted, deleted_at, snapshot, first_event_at, state_at, state_rank, state_digest),
    '/' ORDER BY uid)) FROM jimo.experiences
UNION ALL
SELECT 'jimers', count(*), md5(string_agg(
    concat_ws('|', uid, identify_token, username, email, created_at, last_activity_at,
              project_uid, snapshot, first_event_at, state_at, state_rank, state_digest),
    '/' ORDER BY uid)) FROM jimo.jimers
UNION ALL
SELECT 'users', count(*), md5(string_agg(
    concat_ws('|', uid, email, first_name, last_name, project_uid, snapshot,
              first_event_at, state_at, state_rank, state_digest),
    '/' ORDER BY uid)) FROM jimo.users
UNION ALL
SELECT 'projects', count(*), md5(string_agg(
    concat_ws('|', uid, name, snapshot, first_event_at, state_at, state_rank, state_digest),
    '/' ORDER BY uid)) FROM jimo.projects
UNION ALL
SELECT 'journeys', count(*), md5(string_agg(j::text, '/' ORDER BY j.experience_uid, j.jimer_uid))
FROM jimo.journeys j
UNION ALL
SELECT 'survey_step_journeys', count(*), md5(string_agg(j::text, '/'
    ORDER BY j.experience_uid, j.step_uid, j.jimer_uid))
FROM jimo.survey_step_journeys j
UNION ALL
SELECT 'survey_steps', count(*), md5(string_agg(j::text, '/' ORDER BY j.experience_uid, j.step_uid))
FROM jimo.survey_steps j
UNION ALL
SELECT 'survey_step_stats', count(*), md5(string_agg(j::text, '/'
    ORDER BY j.experience_uid, j.step_uid, j.step_type))
FROM jimo.survey_step_stats j
UNION ALL
SELECT 'survey_answers', count(*), md5(string_agg(
    concat_ws('|', e.digest, a.experience_uid, a.jimer_uid, a.answered_at, a.step_uid,
              a.step_title, a.step_type, a.step_position, a.answer_text, a.answer_number,
              a.answer_choices, a.step, a.answer),
    '/' ORDER BY e.digest)) FROM jimo.survey_answers a JOIN jimo.events e ON e.id = a.event_id
UNION ALL
SELECT 'checklist_tasks', count(*), md5(string_agg(
    concat_ws('|', e.digest, t.experience_uid, t.jimer_uid, t.occurred_at, t.outcome,
              t.task_uid, t.task_title, t.task),
    '/' ORDER BY e.digest)) FROM jimo.checklist_tasks t JOIN jimo.events e ON e.id = t.event_id
UNION ALL
SELECT 'post_comments', count(*), md5(string_agg(
    concat_ws('|', e.digest, c.experience_uid, c.jimer_uid, c.commented_at, c.comment_uid,
              c.content, c.comment),
    '/' ORDER BY e.digest)) FROM jimo.post_comments c JOIN jimo.events e ON e.id = c.event_id
UNION ALL
SELECT 'post_likes', count(*), md5(string_agg(
    concat_ws('|', e.digest, l.experience_uid, l.jimer_uid, l.liked_at),
    '/' ORDER BY e.digest)) FROM jimo.post_likes l JOIN jimo.events e ON e.id = l.event_id
$$;

-- Ingest the deliveries in the order of md5(body || seed), in calls of
-- batch_size bodies (0: one jimo.receive() call per body).
CREATE FUNCTION pg_temp.ingest_run(seed text, batch_size int)
RETURNS TABLE (tbl text, nrows bigint, digest text) LANGUAGE plpgsql AS $$
DECLARE
    bodies text[];
    k int;
BEGIN
    TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
             jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
    bodies := ARRAY(SELECT body FROM deliveries ORDER BY md5(body || seed), d);
    IF batch_size = 0 THEN
        FOR k IN 1 .. cardinality(bodies) LOOP
            PERFORM jimo.receive(bodies[k]);
        END LOOP;
    ELSE
        FOR k IN 0 .. (cardinality(bodies) - 1) / batch_size LOOP
            PERFORM count(*) FROM jimo.receive_batch(bodies[k * batch_size + 1 : (k + 1) * batch_size]);
        END LOOP;
    END IF;
    RETURN QUERY SELECT * FROM pg_temp.snapshot();
END
$$;

-- The reference: the deliveries in their natural order, one batch.
CREATE TEMP TABLE reference AS SELECT * FROM pg_temp.ingest_run('', 1000);
SELECT tbl, nrows FROM reference ORDER BY tbl;
SELECT sum(deliveries) AS event_deliveries FROM jimo.events;
SELECT sum(deliveries) AS rejected_deliveries, count(*) AS rejected_bodies FROM jimo.rejected;

-- What the reference holds is right, not only stable: each latest-state row
-- holds the snapshot of its newest event by (time, rank, digest) ...
SELECT kind, count(*) AS rows, count(*) FILTER (WHERE ok) AS rows_right
FROM (
    SELECT 'experiences' AS kind, x.snapshot = w.payload -> 'experience'
           AND x.state_at = w.occurred_at AND x.first_event_at = w.first_at AS ok
    FROM jimo.experiences x
    CROSS JOIN LATERAL (
        SELECT e.payload, e.occurred_at, min(e.occurred_at) OVER () AS first_at
        FROM jimo.events e WHERE e.experience_uid = x.uid
        ORDER BY e.occurred_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC
        LIMIT 1) w
    UNION ALL
    SELECT 'jimers', x.snapshot = w.payload -> 'jimer' AND x.state_at = w.occurred_at
    FROM jimo.jimers x
    CROSS JOIN LATERAL (
        SELECT e.payload, e.occurred_at FROM jimo.events e WHERE e.jimer_uid = x.uid
        ORDER BY e.occurred_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC
        LIMIT 1) w
    UNION ALL
    SELECT 'users', x.snapshot = w.payload -> 'user' AND x.state_at = w.occurred_at
    FROM jimo.users x
    CROSS JOIN LATERAL (
        SELECT e.payload, e.occurred_at FROM jimo.events e WHERE e.user_uid = x.uid
        ORDER BY e.occurred_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC
        LIMIT 1) w
) AS c
GROUP BY kind ORDER BY kind;
-- ... deleted_at is the earliest *.deleted event, event_type the least
-- first part of its event names in byte order ...
SELECT x.uid, x.deleted_at,
       x.deleted_at IS NOT DISTINCT FROM
       (SELECT min(occurred_at) FROM jimo.events e
        WHERE e.experience_uid = x.uid AND e.name LIKE '%.deleted') AS right_deleted_at,
       x.event_type,
       x.event_type IS NOT DISTINCT FROM
       (SELECT min(split_part(e.name, '.', 1) COLLATE "C") FROM jimo.events e
        WHERE e.experience_uid = x.uid) AS right_event_type
FROM jimo.experiences x ORDER BY x.uid;
-- ... and journeys are the first, last and count of each stage over the
-- stored events.
CREATE TEMP VIEW journeys_from_events AS
SELECT experience_uid, jimer_uid,
       min(occurred_at) FILTER (WHERE stage = 'started') AS first_started_at,
       max(occurred_at) FILTER (WHERE stage = 'started') AS last_started_at,
       count(*) FILTER (WHERE stage = 'started')::int AS starts,
       min(occurred_at) FILTER (WHERE stage = 'progress') AS first_progress_at,
       max(occurred_at) FILTER (WHERE stage = 'progress') AS last_progress_at,
       count(*) FILTER (WHERE stage = 'progress')::int AS progress_events,
       min(occurred_at) FILTER (WHERE stage = 'completed') AS first_completed_at,
       max(occurred_at) FILTER (WHERE stage = 'completed') AS last_completed_at,
       count(*) FILTER (WHERE stage = 'completed')::int AS completions,
       min(occurred_at) FILTER (WHERE stage = 'dismissed') AS first_dismissed_at,
       max(occurred_at) FILTER (WHERE stage = 'dismissed') AS last_dismissed_at,
       count(*) FILTER (WHERE stage = 'dismissed')::int AS dismissals,
       min(occurred_at) FILTER (WHERE stage = 'seen') AS first_seen_at,
       max(occurred_at) FILTER (WHERE stage = 'seen') AS last_seen_at,
       count(*) FILTER (WHERE stage = 'seen')::int AS views,
       min(occurred_at) FILTER (WHERE stage = 'liked') AS first_liked_at,
       max(occurred_at) FILTER (WHERE stage = 'liked') AS last_liked_at,
       count(*) FILTER (WHERE stage = 'liked')::int AS likes,
       min(occurred_at) FILTER (WHERE stage = 'commented') AS first_commented_at,
       max(occurred_at) FILTER (WHERE stage = 'commented') AS last_commented_at,
       count(*) FILTER (WHERE stage = 'commented')::int AS comments,
       NULL::timestamptz AS expired_completion_at  -- only jimo.expire() sets it
FROM (SELECT experience_uid, jimer_uid, occurred_at,
             CASE WHEN name ~ '^[^.]+\.(step|task)\.' THEN 'progress'
                  ELSE substring(name FROM '\.([^.]+)$') END AS stage
      FROM jimo.events
      WHERE experience_uid IS NOT NULL AND jimer_uid IS NOT NULL) AS e
WHERE stage IN ('started', 'progress', 'completed', 'dismissed', 'seen', 'liked', 'commented')
GROUP BY experience_uid, jimer_uid;
SELECT (SELECT count(*) FROM jimo.journeys) AS journeys,
       (SELECT count(*) FROM (SELECT * FROM jimo.journeys
                              EXCEPT SELECT * FROM journeys_from_events) d) AS not_in_events,
       (SELECT count(*) FROM (SELECT * FROM journeys_from_events
                              EXCEPT SELECT * FROM jimo.journeys) d) AS missing;
-- ... survey step journeys are the first, last and count of each jimer's
-- answers to each step, and survey steps take title, type and position from
-- their newest answer event, by (time, rank, digest).
SELECT (SELECT count(*) FROM jimo.survey_step_journeys) AS step_journeys,
       (SELECT count(*) FROM (
            SELECT * FROM jimo.survey_step_journeys
            EXCEPT
            SELECT experience_uid, coalesce(step_uid, ''), jimer_uid,
                   min(answered_at), max(answered_at), count(*)::int
            FROM jimo.survey_answers
            WHERE experience_uid IS NOT NULL AND jimer_uid IS NOT NULL
            GROUP BY 1, 2, 3) d) AS not_in_answers,
       (SELECT count(*) FROM jimo.survey_steps) AS steps,
       (SELECT count(*) FROM (
            SELECT experience_uid, step_uid, step_title, step_type, step_position,
                   first_answered_at, last_answered_at, answers
            FROM jimo.survey_steps
            EXCEPT
            (SELECT DISTINCT ON (a.experience_uid, coalesce(a.step_uid, ''))
                   a.experience_uid, coalesce(a.step_uid, ''), a.step_title, a.step_type,
                   a.step_position,
                   min(a.answered_at) OVER k, max(a.answered_at) OVER k,
                   (count(*) OVER k)::int
            FROM jimo.survey_answers a JOIN jimo.events e ON e.id = a.event_id
            WHERE a.experience_uid IS NOT NULL AND a.jimer_uid IS NOT NULL
            WINDOW k AS (PARTITION BY a.experience_uid, coalesce(a.step_uid, ''))
            ORDER BY a.experience_uid, coalesce(a.step_uid, ''),
                     a.answered_at DESC, jimo.event_rank(e.name) DESC, e.digest DESC)) d)
           AS steps_not_from_newest_answer;
-- ... and each step's scale (0.11) is the count, minimum, maximum, AND and
-- OR over its answers of each step type, NULL survey, step or type included.
SELECT (SELECT count(*) FROM jimo.survey_step_stats) AS step_stats,
       (SELECT count(*) FROM (
            SELECT * FROM jimo.survey_step_stats
            EXCEPT
            SELECT experience_uid, step_uid, step_type, min(answered_at), max(answered_at),
                   count(*), count(answer_number),
                   bool_and(coalesce(answer_number BETWEEN 0 AND 10
                                     AND answer_number = trunc(answer_number), false)),
                   trim_scale(min(answer_number)), trim_scale(max(answer_number)),
                   bool_or(answer_choices IS NOT NULL)
            FROM jimo.survey_answers
            GROUP BY 1, 2, 3) d) AS stats_not_from_answers,
       (SELECT count(*) FROM (SELECT DISTINCT experience_uid, step_uid, step_type
                              FROM jimo.survey_answers) d) AS answer_step_types;

-- Now other orders, other splits into calls: every table identical.
CREATE TEMP TABLE runs AS
SELECT s.seed, s.batch_size, r.*
FROM (VALUES ('seed-1', 1000), ('seed-2', 1000), ('seed-3', 1), ('seed-4', 7),
             ('seed-5', 2), ('seed-6', 0), ('', 0), ('seed-7', 13)) AS s(seed, batch_size)
CROSS JOIN LATERAL pg_temp.ingest_run(s.seed, s.batch_size) AS r;
-- the orders really differ from the reference order
SELECT count(DISTINCT ARRAY(SELECT d FROM deliveries ORDER BY md5(body || seed), d)) AS distinct_orders
FROM (VALUES (''), ('seed-1'), ('seed-2'), ('seed-3'), ('seed-4'), ('seed-5'), ('seed-6'), ('seed-7')) AS s(seed);
SELECT seed, batch_size, count(*) AS tables,
       count(*) FILTER (WHERE r.nrows = f.nrows AND r.digest IS NOT DISTINCT FROM f.digest) AS identical
FROM runs r JOIN reference f USING (tbl)
GROUP BY seed, batch_size ORDER BY seed, batch_size;

-- The same, split over several transactions (psql autocommits each call).
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
\set ECHO none
\o /dev/null
WITH o AS (SELECT body, row_number() OVER (ORDER BY md5(body || 'tx'), d) AS rn
           FROM deliveries)
SELECT format('SELECT count(*) FROM jimo.receive_batch(%L::text[])',
              array_agg(body ORDER BY rn))
FROM o GROUP BY (rn - 1) / 5 ORDER BY min(rn) \gexec
\o
\set ECHO all
SELECT count(*) AS tables, count(*) FILTER (WHERE s.nrows = f.nrows AND s.digest IS NOT DISTINCT FROM f.digest) AS identical
FROM pg_temp.snapshot() s JOIN reference f USING (tbl);

-- More repeats than the reference: everything but the delivery counters is
-- identical, and the counters count every delivery.
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;
SELECT status, count(*)
FROM jimo.receive_batch(ARRAY(SELECT body FROM deliveries, generate_series(1, 3)
                              ORDER BY md5(body || 'x3' || generate_series)))
GROUP BY status ORDER BY status;
SELECT sum(deliveries) AS event_deliveries FROM jimo.events;
SELECT sum(deliveries) AS rejected_deliveries FROM jimo.rejected;
CREATE TEMP TABLE reference_nodeliveries AS SELECT * FROM pg_temp.snapshot(false);
-- back to the reference deliveries (each once or a few times)
SELECT count(*) AS tables_reloaded FROM pg_temp.ingest_run('', 1000);
SELECT count(*) AS tables, count(*) FILTER (WHERE s.nrows = f.nrows AND s.digest IS NOT DISTINCT FROM f.digest) AS identical
FROM pg_temp.snapshot(false) s JOIN reference_nodeliveries f USING (tbl);
