-- One call whose bodies need many months that do not exist yet (a backfill
-- of decades in one receive_batch call, a sender with a broken clock, or a
-- receiver run with a large --batch-max). Each new month is five tables, with
-- their TOAST tables and indexes, all created in the caller's transaction,
-- each locked until commit (about 44 locks a month): 300-400 months overflowed
-- PostgreSQL's shared lock table with the defaults, and the call failed as a
-- whole with "out of shared memory" (53200), other sessions with it (found by
-- QA round 6). A transaction now creates at most 64 new months
-- (JIMO_MAX_NEW_MONTHS); the bodies whose month is left for later are
-- rejected alone with 53400 and kept, and sent again (Jimo retries a 400;
-- jimo.retry_rejected() by hand) they are stored by a later call.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(11);

-- one hint.seen in each of 512 months from 2015-01 on
CREATE FUNCTION pg_temp.bodies() RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                            (extract(epoch FROM timestamptz '2015-01-15 00:00Z' + i * interval '1 month') * 1000)::bigint,
                            lpad(i::text, 12, '0')) ORDER BY i)
    FROM generate_series(0, 511) i
$$;

CREATE TEMP TABLE first_call AS
SELECT * FROM jimo.receive_batch(pg_temp.bodies());

SELECT is((SELECT count(*) FROM first_call), 512::bigint,
          'one call of 512 bodies in 512 new months answers for every body (it used to fail whole)');
SELECT is((SELECT count(*) FROM first_call WHERE status = 'stored'), 64::bigint,
          'the first 64 months are created and their bodies stored');
SELECT is((SELECT count(*) FROM jimo.events WHERE occurred_at < '2020-05-01'), 64::bigint,
          'those of 2015-01 to 2020-04');
SELECT is((SELECT count(*) FROM first_call WHERE status = 'rejected'), 448::bigint,
          'the other 448 are rejected alone');
SELECT is((SELECT array_agg(DISTINCT sqlstate) FROM jimo.rejected), ARRAY['53400'],
          'kept in jimo.rejected with 53400 (configuration limit exceeded)');
SELECT ok((SELECT bool_and(error ~ '^jimo: the month of event time .* was not created: one transaction creates at most 64 new months$')
             FROM jimo.rejected),
          'and an error that says why');

-- sent again, a call creates 64 more months: each body kept there is
-- first stored from its row (its first delivery, src/deferred.c), and this
-- delivery is a redelivery of it
CREATE TEMP TABLE second_call AS
SELECT * FROM jimo.receive_batch((pg_temp.bodies())[65:512]);
SELECT is((SELECT string_agg(status || ' ' || n, ', ' ORDER BY status)
             FROM (SELECT status, count(*) AS n FROM second_call GROUP BY status) s),
          'duplicate 64, rejected 384',
          'sent again, the next 64 months are stored, the rest kept again');
SELECT is((SELECT count(*) FROM jimo.events WHERE deliveries = 2), 64::bigint,
          'those 64 events count both deliveries');

-- jimo.retry_rejected(), one transaction per call: 64 kept bodies in new
-- months each time
SELECT is((SELECT r.stored FROM jimo.retry_rejected() AS r), 64,
          'jimo.retry_rejected() stores the kept bodies of 64 new months');
DO $$ BEGIN FOR i IN 1..5 LOOP PERFORM jimo.retry_rejected(); COMMIT; END LOOP; END $$;

SELECT is((SELECT count(*) FROM jimo.events), 512::bigint, 'in the end every body is stored');
SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint, 'and none is left rejected');

SELECT * FROM finish();
