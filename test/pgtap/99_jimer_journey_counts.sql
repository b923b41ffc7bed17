-- jimer_dimension's counts (0.14): per jimer, its journeys, those with a
-- start and those with a completion, kept at ingest in
-- jimo.jimer_journey_counts from the merged journeys.  Every step compares
-- them with the same counts taken from jimo.journeys (what the view computed
-- on every read before 0.14), whatever the order, the call size, the
-- redeliveries, and when some bodies of a call fail at write time; one case
-- is worked by hand.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(19);

-- ev(event, set letter, jimer number, experience number, time)
CREATE FUNCTION pg_temp.ev(name text, set text, jimer int, experience int, at timestamptz)
RETURNS text LANGUAGE sql AS $$
SELECT jsonb_build_object(
    'event', name, 'time', (extract(epoch FROM at) * 1000)::bigint,
    'experience', jsonb_build_object('uid', format('e1e1e1e1-0000-4000-8000-%s', lpad(experience::text, 12, '0')),
                                     'type', 'TOUR', 'title', 'Tour ' || experience),
    'jimer', jsonb_build_object('uid', format('%s-0000-4000-8000-%s', repeat(set, 8), lpad(jimer::text, 12, '0'))))::text
$$;

-- The same events for every set: 40 jimers x 6 experiences, a journey for
-- about two pairs in three, of 1 to 4 events among starts, completions (some
-- before the start), step progress, views and dismissals, and events that
-- make no journey (status changes) for every jimer.
CREATE FUNCTION pg_temp.events(set text) RETURNS TABLE (k int, body text)
LANGUAGE sql AS $$
SELECT row_number() OVER (ORDER BY j, x, i)::int,
       pg_temp.ev((ARRAY['tour.started', 'tour.completed', 'tour.step.completed', 'tour.seen',
                         'tour.dismissed', 'tour.started', 'tour.completed'])
                      [1 + abs(hashtext(format('%s/%s/%s', j, x, i))) % 7],
                  set, j, x,
                  timestamptz '2025-03-01 08:00Z' + (abs(hashtext(format('t%s/%s/%s', j, x, i))) % 5000) * interval '1 minute')
  FROM generate_series(1, 40) j, generate_series(1, 6) x, generate_series(1, 4) i
 WHERE abs(hashtext(format('p%s/%s', j, x))) % 3 <> 0
   AND i <= 1 + abs(hashtext(format('n%s/%s', j, x))) % 4
UNION ALL
SELECT 1000 + j, pg_temp.ev('tour.status-changed', set, j, 1, timestamptz '2025-03-02 08:00Z')
  FROM generate_series(1, 40) j
$$;

CREATE FUNCTION pg_temp.ingest(bodies text[]) RETURNS bigint
LANGUAGE sql AS $$ SELECT count(*) FROM jimo.receive_batch(bodies) WHERE status = 'stored' $$;

-- what 0.13's jimer_dimension computed on every read
CREATE TEMP VIEW ref AS
SELECT jimer_uid, count(*)::int AS experiences, count(*) FILTER (WHERE starts > 0)::int AS started,
       count(*) FILTER (WHERE completions > 0)::int AS completed
  FROM jimo.journeys GROUP BY jimer_uid;

CREATE FUNCTION pg_temp.counts_match(set text) RETURNS boolean
LANGUAGE sql AS $$
SELECT NOT EXISTS (
    (SELECT * FROM ref WHERE jimer_uid::text LIKE repeat(set, 8) || '%'
     EXCEPT ALL
     SELECT * FROM jimo.jimer_journey_counts WHERE jimer_uid::text LIKE repeat(set, 8) || '%')
    UNION ALL
    (SELECT * FROM jimo.jimer_journey_counts WHERE jimer_uid::text LIKE repeat(set, 8) || '%'
     EXCEPT ALL
     SELECT * FROM ref WHERE jimer_uid::text LIKE repeat(set, 8) || '%'))
$$;

-- Set a: one body per call, shuffled, each sent twice.
SELECT is(sum(pg_temp.ingest(ARRAY[e.body]))::bigint, (SELECT count(DISTINCT body) FROM pg_temp.events('a')),
          'set a: every event stored once, one body per call, shuffled, each sent twice')
  FROM (SELECT body FROM pg_temp.events('a'), generate_series(1, 2) r ORDER BY md5(body || r)) e;
SELECT ok((SELECT count(*) FROM ref WHERE jimer_uid::text LIKE 'aaaaaaaa%') > 20
          AND EXISTS (SELECT FROM jimo.journeys WHERE starts = 0 AND completions > 0)
          AND EXISTS (SELECT FROM jimo.journeys WHERE starts = 0 AND completions = 0)
          AND EXISTS (SELECT FROM jimo.journeys WHERE first_completed_at < first_started_at),
          'set a has jimers with journeys, completions without starts, journeys with neither, completions before starts');
SELECT ok(pg_temp.counts_match('a'), 'set a: the counts kept at ingest are those of the journeys');

-- Set b: newest first, in calls of 7.
SELECT is(sum(pg_temp.ingest(c.bodies))::bigint, (SELECT count(DISTINCT body) FROM pg_temp.events('b')),
          'set b: every event stored, newest first, calls of 7')
  FROM (SELECT array_agg(body ORDER BY k DESC) AS bodies
          FROM (SELECT k, body, (row_number() OVER (ORDER BY k DESC) - 1) / 7 AS g FROM pg_temp.events('b')) e
         GROUP BY g) c;
SELECT ok(pg_temp.counts_match('b'), 'set b: the counts are those of the journeys');

-- Set c: all in one call, every body twice in it.
SELECT is(pg_temp.ingest(ARRAY(SELECT body FROM pg_temp.events('c'), generate_series(1, 2) ORDER BY md5(body))),
          (SELECT count(DISTINCT body) FROM pg_temp.events('c')), 'set c: one call, each body twice in it');
SELECT ok(pg_temp.counts_match('c'), 'set c: the counts are those of the journeys');

SELECT is((SELECT count(*) FROM jimo.jimer_journey_counts a
             JOIN jimo.jimer_journey_counts b ON substr(b.jimer_uid::text, 9) = substr(a.jimer_uid::text, 9)
             JOIN jimo.jimer_journey_counts c ON substr(c.jimer_uid::text, 9) = substr(a.jimer_uid::text, 9)
            WHERE a.jimer_uid::text LIKE 'aaaaaaaa%' AND b.jimer_uid::text LIKE 'bbbbbbbb%'
              AND c.jimer_uid::text LIKE 'cccccccc%'
              AND (a.experiences, a.started, a.completed) = (b.experiences, b.started, b.completed)
              AND (a.experiences, a.started, a.completed) = (c.experiences, c.started, c.completed)),
          (SELECT count(*) FROM ref WHERE jimer_uid::text LIKE 'aaaaaaaa%'),
          'the same counts for every jimer of sets a, b and c: order and call size do not matter');

-- Set d: a constraint of the user's refuses its dismissals at write time;
-- the rest of each call of 10 is written again without them.
ALTER TABLE jimo.events ADD CONSTRAINT qa_no_dismissals
    CHECK (name <> 'tour.dismissed' OR jimer_key::text NOT LIKE 'dddddddd%');
SELECT is(sum(pg_temp.ingest(c.bodies))::bigint,
          (SELECT count(DISTINCT body) FROM pg_temp.events('d') WHERE body NOT LIKE '%tour.dismissed%'),
          'set d: every event but the dismissals stored, calls of 10')
  FROM (SELECT array_agg(body ORDER BY md5(body)) AS bodies
          FROM (SELECT body, (row_number() OVER (ORDER BY md5(body)) - 1) / 10 AS g FROM pg_temp.events('d')) e
         GROUP BY g) c;
SELECT ok(EXISTS (SELECT FROM jimo.rejected WHERE body LIKE '%tour.dismissed%dddddddd%'),
          'set d: the dismissals were rejected');
SELECT ok(pg_temp.counts_match('d'), 'set d: the counts are those of the journeys written');
ALTER TABLE jimo.events DROP CONSTRAINT qa_no_dismissals;

-- By hand: a completion without a start, then the start, a redelivery, a
-- second completion, a view of another experience; start and completion of
-- a third in one call.
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.completed', 'f', 1, 1, '2025-03-05 10:00Z')]), 1::bigint,
          'a completion without a start: stored');
SELECT results_eq($$SELECT experiences, started, completed FROM jimo.jimer_journey_counts WHERE jimer_uid::text LIKE 'ffffffff%'$$,
                  $$VALUES (1, 0, 1)$$, 'a completion without a start: one journey, completed, not started');
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.started', 'f', 1, 1, '2025-03-05 11:00Z')]), 1::bigint,
          'its start, later: stored');
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.started', 'f', 1, 1, '2025-03-05 11:00Z'),
                               pg_temp.ev('tour.completed', 'f', 1, 1, '2025-03-05 12:00Z')]), 1::bigint,
          'the start again and a second completion: only the completion stored');
SELECT results_eq($$SELECT experiences, started, completed FROM jimo.jimer_journey_counts WHERE jimer_uid::text LIKE 'ffffffff%'$$,
                  $$VALUES (1, 1, 1)$$, 'its start, a redelivery and a second completion: the same journey, now started');
SELECT is(pg_temp.ingest(ARRAY[pg_temp.ev('tour.seen', 'f', 1, 2, '2025-03-05 13:00Z'),
                               pg_temp.ev('tour.completed', 'f', 1, 3, '2025-03-05 14:00Z'),
                               pg_temp.ev('tour.started', 'f', 1, 3, '2025-03-05 13:30Z')]), 3::bigint,
          'a view of a second tour, start and completion of a third: stored');
SELECT results_eq($$SELECT experiences, experiences_started, experiences_completed FROM jimo.jimer_dimension WHERE jimer_uid::text LIKE 'ffffffff%'$$,
                  $$VALUES (3::bigint, 2::bigint, 2::bigint)$$,
                  'a view of a second tour, start and completion of a third in one call: 3 journeys, 2 started, 2 completed');

-- The view: every jimer, those without a journey at 0, as 0.13 computed it.
SELECT set_eq($$SELECT * FROM jimo.jimer_dimension$$,
              $$SELECT jm.uid, jm.identify_token, jm.email, jm.username, jm.project_uid, jm.created_at,
                       jm.last_activity_at, jm.first_event_at, jm.state_at,
                       coalesce(r.experiences, 0)::bigint AS e, coalesce(r.started, 0)::bigint AS s,
                       coalesce(r.completed, 0)::bigint AS c
                  FROM jimo.jimers jm LEFT JOIN ref r ON r.jimer_uid = jm.uid$$,
              'jimer_dimension: every jimer with the counts of its journeys');

SELECT * FROM finish();
ROLLBACK;
