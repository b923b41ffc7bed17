-- New events are written without a statement (src/bulk.c, heap_multi_insert
-- into their month) wherever that writes exactly what INSERT would. Here: the
-- row it writes, and each thing a user may add to jimo.events that INSERT
-- honours and a bare heap insert would not (an insert trigger, a CHECK
-- constraint, NOT NULL on a column an event may leave empty, a column with a
-- default, a unique constraint checked after the row is in): with each, events
-- must be written as INSERT writes them, and a
-- body that breaks a user's constraint fails alone. And a month without its
-- unique (digest, jimer_key) index, which would store every redelivery again,
-- is refused whichever path would write it. The race with a
-- concurrent session is test/integration/insert_race.sh.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(22);

CREATE FUNCTION pg_temp.body(name text, k integer, version text DEFAULT '"1"') RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "%s", "version": %s, "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  name, version,
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + k * interval '1 day') * 1000)::bigint,
                  lpad(k::text, 12, '0'))
$$;

-- 1. the row written
SELECT is((SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 1), pg_temp.body('tour.completed', 40)])),
          'stored,stored', 'two events of two months stored');
SELECT results_eq(
    $$SELECT name, version, occurred_at, deliveries, experience_uid, jimer_uid, user_uid, project_uid, jimer_key,
             received_at = last_received_at, tableoid::regclass::text
        FROM jimo.events ORDER BY occurred_at$$,
    $$VALUES ('tour.started', '1', timestamptz '2024-03-02 00:00Z', 1, 'c3c3c3c3-0000-4000-8000-000000000001'::uuid,
              'd4d4d4d4-0000-4000-8000-000000000001'::uuid, NULL::uuid, NULL::uuid, 'd4d4d4d4-0000-4000-8000-000000000001'::uuid,
              true, 'jimo.events_p2024_03'),
             ('tour.completed', '1', timestamptz '2024-04-10 00:00Z', 1, 'c3c3c3c3-0000-4000-8000-000000000001'::uuid,
              'd4d4d4d4-0000-4000-8000-000000000040'::uuid, NULL::uuid, NULL::uuid, 'd4d4d4d4-0000-4000-8000-000000000040'::uuid,
              true, 'jimo.events_p2024_04')$$,
    'each row holds the event''s columns, in the month of its time');
SELECT ok((SELECT bool_and(payload = pg_temp.body(name, CASE name WHEN 'tour.started' THEN 1 ELSE 40 END)::jsonb)
             FROM jimo.events),
          'the payload is the body');
SELECT is((SELECT max(id) FROM jimo.events),
          (SELECT last_value FROM pg_sequences WHERE schemaname || '.' || sequencename = pg_get_serial_sequence('jimo.events', 'id')),
          'ids come from the identity of jimo.events');
SELECT is((SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 1), pg_temp.body('tour.started', 2)])),
          'duplicate,stored', 'a redelivery beside a new event');
SELECT is((SELECT string_agg(deliveries::text, ',' ORDER BY occurred_at) FROM jimo.events), '2,1,1',
          'the redelivery counted on its row, the new event stored');
SELECT is((SELECT last_value FROM jimo.events_id_seq), 3::bigint,
          'three ids spent on three new events, none on the redelivery (the INSERT statement spends one on each)');

-- 2. an insert trigger fires for every new event
CREATE TABLE public.inserted (id bigint);
CREATE FUNCTION public.note_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.inserted VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER note_insert AFTER INSERT ON jimo.events FOR EACH ROW EXECUTE FUNCTION public.note_insert();
SELECT is((SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 3), pg_temp.body('tour.started', 41)])),
          'stored,stored', 'two events stored with an insert trigger on jimo.events');
SELECT set_eq('SELECT id FROM public.inserted',
              $$SELECT id FROM jimo.events WHERE occurred_at IN ('2024-03-04 00:00Z', '2024-04-11 00:00Z')$$,
              'the trigger fired once for each');
DROP TRIGGER note_insert ON jimo.events;

-- 3. a CHECK constraint: the body that breaks it fails alone
ALTER TABLE jimo.events ADD CONSTRAINT no_dismissals CHECK (name <> 'tour.dismissed');
SELECT results_eq(
    $$SELECT status, error LIKE '%no_dismissals%' FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 4), pg_temp.body('tour.dismissed', 5)]) ORDER BY ord$$,
    $$VALUES ('stored', NULL::boolean), ('rejected', true)$$,
    'with a CHECK constraint, the event that breaks it is rejected alone');
ALTER TABLE jimo.events DROP CONSTRAINT no_dismissals;

-- 4. NOT NULL on a column an event may leave NULL
ALTER TABLE jimo.events ALTER version SET NOT NULL;
SELECT results_eq(
    $$SELECT status, error LIKE '%version%' FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 6), pg_temp.body('tour.started', 7, 'null')]) ORDER BY ord$$,
    $$VALUES ('stored', NULL::boolean), ('rejected', true)$$,
    'with NOT NULL on version, the event without one is rejected alone');
ALTER TABLE jimo.events ALTER version DROP NOT NULL;

-- 5. a column with a default
ALTER TABLE jimo.events ADD COLUMN source text DEFAULT 'jimo';
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 8)])),
          'stored', 'stored with a column added to jimo.events');
SELECT is((SELECT source FROM jimo.events WHERE occurred_at = '2024-03-09 00:00Z'), 'jimo',
          'the added column got its default');
ALTER TABLE jimo.events DROP COLUMN source;

-- 6. after the column is dropped (a dropped attribute in every month)
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.completed', 9)])),
          'stored', 'stored after a column of jimo.events was dropped');
SELECT is((SELECT format('%s %s %s', name, version, jimer_uid) FROM jimo.events WHERE occurred_at = '2024-03-10 00:00Z'),
          'tour.completed 1 d4d4d4d4-0000-4000-8000-000000000009', 'its row holds its columns');

-- 7. a deferrable unique constraint on a month (checked once the rows are in,
-- by an insert trigger that comes with it)
ALTER TABLE jimo.events_p2024_03 ADD CONSTRAINT one_name_per_jimer UNIQUE (name, jimer_key) DEFERRABLE INITIALLY IMMEDIATE;
-- INSERT ... ON CONFLICT cannot write there (PostgreSQL refuses a deferrable
-- arbiter), so neither does the bulk write: the call fails, as with 0.4,
-- rather than store two rows the constraint forbids
SELECT throws_ok(
    $$SELECT count(*) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.completed', 12), pg_temp.body('tour.completed', 12, '"2"')])$$,
    '55000', NULL,
    'with a deferrable unique constraint on a month, ingest there fails instead of passing it by');
SELECT is((SELECT count(*) FROM jimo.events WHERE occurred_at = '2024-03-13 00:00Z'), 0::bigint,
          'nothing of that call was stored');
ALTER TABLE jimo.events_p2024_03 DROP CONSTRAINT one_name_per_jimer;

-- 8. a month that lost its unique key (attached by hand, a restore whose
-- index failed): refused, not deduplicated by nothing
ALTER TABLE jimo.events_p2024_04 DROP CONSTRAINT events_p2024_04_digest_jimer_key_key;
SELECT throws_ok(
    $$SELECT count(*) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.completed', 40)])$$,
    '55000', 'jimo: month events_p2024_04 of jimo.events has no unique index on (digest, jimer_key)',
    'a redelivery into a month without its unique key is refused, not stored a second time');
CREATE TRIGGER note_insert AFTER INSERT ON jimo.events FOR EACH ROW EXECUTE FUNCTION public.note_insert();
SELECT throws_ok(
    $$SELECT count(*) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 42)])$$,
    '55000', NULL,
    'refused too when the INSERT statement would write (an insert trigger on jimo.events)');
DROP TRIGGER note_insert ON jimo.events;
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.started', 13)])),
          'stored', 'the other months take events meanwhile');
ALTER TABLE jimo.events_p2024_04 ADD UNIQUE (digest, jimer_key);
SELECT is((SELECT string_agg(status, ',' ORDER BY ord) FROM jimo.receive_batch(ARRAY[pg_temp.body('tour.completed', 40), pg_temp.body('tour.started', 43)])),
          'duplicate,stored', 'with the key back, the month deduplicates again');
SELECT is((SELECT string_agg(deliveries::text, ',') FROM jimo.events WHERE occurred_at = '2024-04-10 00:00Z'), '2',
          'the redelivered event is stored once, its refused delivery not counted');

SELECT * FROM finish();
