-- A kept body whose event was stored since (sent again with other bytes:
-- whitespace changes the raw digest jimo.rejected keys on, not the event's)
-- is a duplicate when jimo.retry_rejected() runs it again: its deliveries go
-- to the event, and the event's latest arrival is the later of the two, not
-- the time of the retry. Ingest counts the retry as an arrival now, and the
-- delivery rollup then showed a redelivery lag up to the retry (found by QA
-- round 8).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(10);

-- one hint.seen in each of 65 new months from 2040-01 on: the 65th is
-- deferred (53400) and kept
CREATE FUNCTION pg_temp.body(i integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000003", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  (extract(epoch FROM timestamptz '2040-01-15 00:00Z' + i * interval '1 month') * 1000)::bigint,
                  lpad(i::text, 12, '0'))
$$;
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT pg_temp.body(i) FROM generate_series(0, 64) AS i))
            WHERE status = 'rejected'), 1::bigint, 'the 65th new month of a call is deferred');
SELECT pg_sleep(0.05);

-- the same event with other bytes: a new body to jimo.rejected, stored
SELECT is((SELECT status FROM jimo.receive(' ' || pg_temp.body(64))), 'stored',
          'sent again with a leading space, the event is stored');
CREATE TEMP TABLE before_retry AS
SELECT e.last_received_at AS event_last, r.last_received_at AS kept_last
FROM jimo.events e, jimo.rejected r WHERE e.occurred_at >= '2045-05-01';
SELECT pg_sleep(0.05);

SELECT is((SELECT (retried, stored, still_rejected)::text FROM jimo.retry_rejected()), '(1,1,0)',
          'jimo.retry_rejected() takes the kept body');
SELECT is((SELECT deliveries FROM jimo.events WHERE occurred_at >= '2045-05-01'), 2,
          'the event counts both deliveries');
SELECT is((SELECT last_received_at FROM jimo.events WHERE occurred_at >= '2045-05-01'),
          (SELECT greatest(event_last, kept_last) FROM before_retry),
          'its latest arrival is the later of its own and the kept body''s');
SELECT cmp_ok((SELECT last_received_at FROM jimo.events WHERE occurred_at >= '2045-05-01'), '<',
              now() - interval '40 milliseconds', 'not the time of the retry');
SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint, 'nothing is left rejected');

-- a kept body sent again once its event is stored (src/deferred.c runs the
-- same retry first): three deliveries, the latest this one
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY(SELECT pg_temp.body(i) FROM generate_series(100, 164) AS i))
            WHERE status = 'rejected'), 1::bigint, 'another call defers its 65th new month');
SELECT is((SELECT status FROM jimo.receive(' ' || pg_temp.body(164))), 'stored',
          'its event is stored by a body with other bytes');
SELECT pg_sleep(0.05);
CREATE TEMP TABLE resent AS SELECT r.*, now() AS at FROM jimo.receive(pg_temp.body(164)) r;
SELECT is((SELECT (r.status, e.deliveries, e.last_received_at = r.at)::text
             FROM resent r JOIN jimo.events e ON e.id = r.event_id),
          '(duplicate,3,t)',
          'the kept body sent again: a duplicate, three deliveries, the latest that one');

SELECT * FROM finish();
