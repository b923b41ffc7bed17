-- A body whose month a call may not create (past JIMO_MAX_NEW_MONTHS) is
-- rejected with 53400 and kept in jimo.rejected; the README promises it is
-- "stored when sent again: Jimo retries them (a 400 is a failed delivery)".
-- Sent again by Jimo (not through jimo.retry_rejected()), 0.7 stored it as a
-- new body and left its row in jimo.rejected, still saying that its month
-- was not created: jimo.delivery_health kept counting it as rejected, and the
-- event counted one delivery, first received at the later time. Found by QA
-- round 7. Since 0.8 ingest first stores it from its row (src/deferred.c), so
-- the two deliveries give the tables and views that they give when the first
-- call can create the month: the event stored at the first delivery, the
-- second a redelivery, nothing rejected.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(14);

-- one hint.seen in each of 65 new months from 2030-01 on
CREATE FUNCTION pg_temp.body(i integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  (extract(epoch FROM timestamptz '2030-01-15 00:00Z' + i * interval '1 month') * 1000)::bigint,
                  lpad(i::text, 12, '0'))
$$;

CREATE TEMP TABLE first_call AS
SELECT * FROM jimo.receive_batch(ARRAY(SELECT pg_temp.body(i) FROM generate_series(0, 64) AS i));
SELECT is((SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
             FROM (SELECT status, count(*) AS n FROM first_call GROUP BY status) s),
          'rejected 1, stored 64',
          'one call needing 65 new months: 64 stored, the 65th deferred');
SELECT is((SELECT sqlstate FROM jimo.rejected), '53400', 'and kept with 53400');
CREATE TEMP TABLE deferred AS SELECT received_at FROM jimo.rejected;

-- other bodies, while it waits, are stored as always and leave it alone
SELECT is((SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY[replace(pg_temp.body(3), 'd4d4d4d4', 'e5e5e5e5'),
           pg_temp.body(5)])), 'stored,duplicate',
          'a call of other bodies stores and counts them as always');
SELECT is((SELECT deliveries FROM jimo.rejected), 1, 'and leaves the deferred body as it was');
SELECT pg_sleep(0.01);

-- Jimo retries the delivery answered 400: a later call creates its month
CREATE TEMP TABLE resent AS SELECT * FROM jimo.receive_batch(ARRAY[pg_temp.body(64)]);
SELECT is((SELECT status FROM resent), 'duplicate',
          'sent again, the deferred body is a redelivery: its first delivery is stored first');
SELECT is((SELECT event_id FROM resent),
          (SELECT id FROM jimo.events ORDER BY occurred_at DESC LIMIT 1),
          'with the id of its event');
SELECT is((SELECT count(*) FROM jimo.events), 66::bigint, 'every body is stored once');

SELECT is((SELECT sum(deliveries) FROM jimo.delivery_health), 68::numeric,
          'delivery_health counts 68 deliveries in all');

SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint,
          'no body is left in jimo.rejected once it is stored');
SELECT is((SELECT deliveries FROM jimo.events ORDER BY occurred_at DESC LIMIT 1), 2,
          'the event counts both deliveries, as when no month had to wait');
SELECT is((SELECT sum(rejected) FROM jimo.delivery_health), 0::numeric,
          'delivery_health counts no rejected body');
SELECT is((SELECT received_at FROM jimo.events ORDER BY occurred_at DESC LIMIT 1),
          (SELECT received_at FROM deferred),
          'the event was first received at the first delivery');
SELECT ok((SELECT last_received_at > received_at FROM jimo.events ORDER BY occurred_at DESC LIMIT 1),
          'and last received at the second');
SELECT is((SELECT sum(stored) FROM jimo.delivery_health), 66::numeric,
          'delivery_health counts 66 events stored');

SELECT * FROM finish();
