-- A redelivery touches its own month only: the update that counts it names
-- that month's partition, so a call that redelivers an event locks and opens
-- one partition of jimo.events, not every month of the history (a statement
-- over jimo.events locks all of them, which made a redelivery twice as slow
-- with six years of months). Not one transaction like the other files: the
-- locks are looked at in a transaction of their own, after the events of six
-- months were stored and committed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE TEMP TABLE ev AS
SELECT k, format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                 (extract(epoch FROM timestamptz '2024-01-10 12:00Z' + k * interval '1 month') * 1000)::bigint,
                 lpad(k::text, 12, '0')) AS body
FROM generate_series(0, 5) AS k;
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT body FROM ev ORDER BY k)) WHERE status = 'stored'),
          6::bigint, 'six events of six months stored');
SELECT is((SELECT count(*) FROM jimo.partitions WHERE table_name = 'events' AND partition_name ~ '_p\d'),
          6::bigint, 'six monthly partitions of jimo.events');

-- a new transaction: redeliver the events of March and May 2024
BEGIN;
SELECT results_eq(
    $$SELECT status FROM jimo.receive_batch(ARRAY(SELECT body FROM ev WHERE k IN (2, 4) ORDER BY k))$$,
    $$VALUES ('duplicate'), ('duplicate')$$,
    'the two are redeliveries');
SELECT is(
    (SELECT array_agg(DISTINCT c.relname::text ORDER BY c.relname::text)
       FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
      WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND c.relkind = 'r'
        AND c.relnamespace = 'jimo'::regnamespace AND c.relname ~ '^events_'),
    ARRAY['events_p2024_03', 'events_p2024_05'],
    'the redelivery locked the partitions of its two months, and no other month');
COMMIT;

SELECT is((SELECT string_agg(deliveries::text, ',' ORDER BY occurred_at) FROM jimo.events),
          '1,1,2,1,2,1', 'the two redeliveries were counted on their events');

SELECT * FROM finish();
