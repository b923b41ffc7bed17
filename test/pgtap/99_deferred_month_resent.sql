-- A body whose month a call may not create (past JIMO_MAX_NEW_MONTHS) is
-- rejected with 53400 and kept in jimo.rejected; the README promises it is
-- "stored when sent again: Jimo retries them (a 400 is a failed delivery)".
-- Sent again by Jimo (not through jimo.retry_rejected()), it is stored, but
-- its row stays in jimo.rejected, still saying that its month was not
-- created, and jimo.delivery_health keeps counting it as rejected: the same
-- two deliveries give other tables and views than when both come in calls
-- that create the month at once (the event then has 2 deliveries and nothing
-- is rejected). jimo.retry_rejected() reconciles it (it finds the body a
-- duplicate and carries its deliveries over), but nothing says it must be
-- run. Found by QA round 7; left as TODO (see the report): the fix counts
-- deliveries and delivery health across two rows, as retry_rejected() does.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

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

-- Jimo retries the delivery answered 400: a later call creates its month
SELECT is((SELECT status FROM jimo.receive_batch(ARRAY[pg_temp.body(64)])), 'stored',
          'sent again, the deferred body is stored');
SELECT is((SELECT count(*) FROM jimo.events), 65::bigint, 'every body is stored once');

SELECT is((SELECT sum(deliveries) FROM jimo.delivery_health), 66::numeric,
          'delivery_health counts 66 deliveries in all');

SELECT todo('QA round 7: a deferred body stored when sent again stays in jimo.rejected', 3);
SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint,
          'no body is left in jimo.rejected once it is stored');
SELECT is((SELECT deliveries FROM jimo.events ORDER BY occurred_at DESC LIMIT 1), 2,
          'the event counts both deliveries, as when no month had to wait');
SELECT is((SELECT sum(rejected) FROM jimo.delivery_health), 0::numeric,
          'delivery_health counts no rejected body');

SELECT * FROM finish();
