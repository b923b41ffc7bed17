-- One call whose bodies need many months that do not exist yet (a backfill
-- of decades in one receive_batch call, a sender with a broken clock, or a
-- receiver run with --batch-max above about 300). Each new month is
-- five tables, with their TOAST tables and indexes, all created in the
-- caller's transaction, and each holds an AccessExclusiveLock until commit:
-- 300-400 months overflow PostgreSQL's shared lock table with the defaults
-- (max_locks_per_transaction 64, max_connections 100; fewer with fewer
-- connections, and fewer still when two such calls run at once; 256, the
-- receiver's batch, passes alone). The call then fails as a whole with
-- "out of shared memory" (53200), not a body error, and while it holds the
-- lock table other sessions that need a new lock may fail the same way.
--
-- NOT FIXED (found by QA round 6): the locks of relations created in a
-- transaction cannot be released before it ends, so the months of one call
-- cannot be created in pieces without a transaction of their own (a
-- background worker or a commit between months). Until then the tests are
-- TODO: pg_prove passes them, and says so when they start to pass.
-- Workaround: send a backfill of years in calls of at most a few dozen
-- months each, or create the months ahead with jimo.ensure_partitions() in
-- transactions of their own.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(3);

-- one hint.seen in each of 512 months from 2015-01 on
CREATE FUNCTION pg_temp.bodies() RETURNS text[] LANGUAGE sql AS $$
    SELECT array_agg(format('{"event": "hint.seen", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "HINT"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                            (extract(epoch FROM timestamptz '2015-01-15 00:00Z' + i * interval '1 month') * 1000)::bigint,
                            lpad(i::text, 12, '0')) ORDER BY i)
    FROM generate_series(0, 511) i
$$;

SELECT todo('a call needing 512 new months overflows the shared lock table (not fixed)', 2);
SELECT lives_ok($$SELECT count(*) FROM jimo.receive_batch(pg_temp.bodies())$$,
                'one call of 512 bodies in 512 new months does not fail');
SELECT is((SELECT count(*) FROM jimo.events), 512::bigint, 'and stores all of them');

-- the workaround: the same months created in calls of 32 months each, each
-- its own transaction (pg_prove runs each statement in autocommit)
SELECT is((SELECT count(*) FROM jimo.receive_batch((pg_temp.bodies())[1:32]))
        + (SELECT count(*) FROM jimo.receive_batch((pg_temp.bodies())[33:64])), 64::bigint,
          'calls of 32 new months each are stored');

SELECT * FROM finish();
