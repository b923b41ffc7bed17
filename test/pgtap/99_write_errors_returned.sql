-- The error receive_batch() returns for a body rejected at write time (a
-- constraint refusing it, its month deferred past the 64 new months of a
-- transaction, its time before the retention horizon) must be readable when
-- the call returns. Those errors were allocated in SPI's procedure context
-- whenever an SPI call came before them in the chunk (jimo.ensure_partitions(),
-- on a session's first call, a new month, or after any month was created or
-- dropped): SPI_finish() deleted it before the rows were returned, and the
-- call read freed memory. With a dozen bodies that a CHECK constraint refused
-- in one such call, the backend crashed (SIGSEGV in item_result(), every
-- session of the server with it); with fewer, the error text could come back
-- garbled. Found by QA round 7.
SET client_min_messages = warning;
SET timezone = 'UTC'; -- the errors write times in the session's zone
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(9);

-- a constraint of the user's that half the bodies break (README: "If writing
-- still fails on a body's content (an index or constraint you added, say) ...
-- it is rejected with the error")
ALTER TABLE jimo.events ADD CONSTRAINT qa_no_bad CHECK (name <> 'bad.event');

CREATE FUNCTION pg_temp.body(name text, t timestamptz, i integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "%s", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  name, (extract(epoch FROM t) * 1000)::bigint, lpad(i::text, 12, '0'))
$$;

-- this session's first call: its month is created first (an SPI call)
CREATE TEMP TABLE checked AS
SELECT * FROM jimo.receive_batch(ARRAY(
    SELECT pg_temp.body(CASE WHEN i % 2 = 0 THEN 'bad.event' ELSE 'hint.seen' END,
                        timestamptz '2025-02-21 10:00Z' + i * interval '1 second', i)
    FROM generate_series(1, 200) AS i));

SELECT is((SELECT count(*) FROM checked), 200::bigint, 'the call answers for its 200 bodies');
SELECT is((SELECT count(*) FROM checked WHERE status = 'stored'), 100::bigint,
          'the 100 bodies the constraint allows are stored');
SELECT is((SELECT count(*) FROM checked
            WHERE status = 'rejected'
              AND error LIKE 'jimo: the event could not be stored: new row for relation "events_p2025_02" violates check constraint "qa_no_bad"%'),
          100::bigint, 'the other 100 are rejected, each with the constraint''s error');
SELECT is((SELECT count(*) FROM jimo.rejected r JOIN checked c ON c.error = r.error), 100::bigint,
          'the same errors as jimo.rejected keeps');

-- 70 bodies in 70 new months: 6 deferred with 53400
CREATE TEMP TABLE deferred AS
SELECT * FROM jimo.receive_batch(ARRAY(
    SELECT pg_temp.body('hint.seen', timestamptz '2030-01-15 00:00Z' + i * interval '1 month', i)
    FROM generate_series(0, 69) AS i));
SELECT is((SELECT count(*) FROM deferred WHERE status = 'stored'), 64::bigint, '64 new months created');
SELECT is((SELECT count(*) FROM deferred
            WHERE status = 'rejected'
              AND error ~ '^jimo: the month of event time 20[0-9-]+ 00:00:00\+00 was not created: one transaction creates at most 64 new months$'),
          6::bigint, 'the 6 deferred bodies come back with their error');

-- an expired month: bodies before the horizon
SELECT ok(jimo.ensure_partitions(ARRAY[timestamptz '2020-06-15']) IS NULL, 'a month of 2020');
SELECT is((SELECT count(*) FROM jimo.expire('30 days') WHERE lower_bound = '2020-06-01'), 1::bigint,
          'expired');
CREATE TEMP TABLE expired AS
SELECT * FROM jimo.receive_batch(ARRAY(
    SELECT pg_temp.body('hint.seen', timestamptz '2020-06-15' + i * interval '1 minute', i)
    FROM generate_series(1, 50) AS i));
SELECT is((SELECT count(*) FROM expired
            WHERE status = 'rejected'
              AND error ~ '^jimo: the event time 2020-06-15 [0-9:]+\+00 is before the retention horizon [0-9-]+ 00:00:00\+00: its month was removed by jimo.expire\(\)$'),
          50::bigint, 'bodies before the retention horizon come back with their error');

SELECT * FROM finish();
