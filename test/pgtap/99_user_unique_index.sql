-- A unique index a user adds to jimo.events (or to one month) is a limit on a
-- body's content like any other: a body whose values it refuses, against a
-- stored event or another body of the same call, must fail alone, in the
-- bulk write and in the INSERT statement path alike. Both paths end in the
-- statement's ON CONFLICT DO NOTHING, which has no conflict target (the
-- parent has no index to name) and so skips a row that conflicts on ANY
-- unique index; the event was then neither inserted nor found, and the
-- whole call failed with 40001, every retry too (found by QA round 6).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(17);

-- one tour.started of jimer k at minute m; extra sets a key that makes the
-- body (and its digest) differ without changing what the user's index holds
CREATE FUNCTION pg_temp.body(k integer, m integer, extra integer DEFAULT 0) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.started", "time": %s, "extra": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "TOUR"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + m * interval '1 minute') * 1000)::bigint,
                  extra, lpad(k::text, 12, '0'))
$$;

-- "one start per jimer and minute", as a user might declare it
CREATE UNIQUE INDEX one_start ON jimo.events (jimer_uid, name, occurred_at);

-- 1. the bulk write (no trigger, no row security)
-- Of two bodies of one call that conflict, the one written first is stored:
-- a chunk is written in (month, digest) order, so which one it is does not
-- depend on the order of the call. Learn it in one order (rolled back), then
-- check the other order stores the same one.
BEGIN;
SELECT string_agg(status, ',' ORDER BY ord) AS first_order
  FROM jimo.receive_batch(ARRAY[pg_temp.body(1, 1), pg_temp.body(1, 1, 1)]) \gset
ROLLBACK;
SELECT ok(:'first_order' IN ('stored,rejected', 'rejected,stored'),
          'bulk write: of two bodies that conflict on a user''s unique index, one is stored, one rejected');
-- from here on, body_won() is the one stored, body_lost() the other
CREATE TEMP TABLE won AS SELECT CASE :'first_order' WHEN 'stored,rejected' THEN 0 ELSE 1 END AS extra;
CREATE FUNCTION pg_temp.body_won() RETURNS text LANGUAGE sql AS $$ SELECT pg_temp.body(1, 1, (SELECT extra FROM won)) $$;
CREATE FUNCTION pg_temp.body_lost() RETURNS text LANGUAGE sql AS $$ SELECT pg_temp.body(1, 1, 1 - (SELECT extra FROM won)) $$;
SELECT results_eq(
    $$SELECT status FROM jimo.receive_batch(ARRAY[
          pg_temp.body(1, 1, 1), pg_temp.body(1, 1), pg_temp.body(2, 1), pg_temp.body_won()]) ORDER BY ord$$,
    $$VALUES (CASE (SELECT extra FROM won) WHEN 1 THEN 'stored' ELSE 'rejected' END),
             (CASE (SELECT extra FROM won) WHEN 0 THEN 'stored' ELSE 'rejected' END),
             ('stored'), ('duplicate')$$,
    'the same one in the other order, beside a new event and a redelivery, which are stored and counted');
SELECT is((SELECT sqlstate || ' ' || (error LIKE '%neither inserted%')::text FROM jimo.rejected WHERE body = pg_temp.body_lost()), '23505 true',
          'the other is kept in jimo.rejected as a unique violation');
SELECT results_eq(
    $$SELECT status FROM jimo.receive_batch(ARRAY[pg_temp.body(1, 1, 2), pg_temp.body(3, 1)]) ORDER BY ord$$,
    $$VALUES ('rejected'), ('stored')$$,
    'bulk write: a body that conflicts with a stored event is rejected, the rest of the call stored');
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(1, 1, 3))), 'rejected',
          'jimo.receive() of such a body rejects it rather than raising');
SELECT is((SELECT status FROM jimo.receive(pg_temp.body_won())), 'duplicate',
          'the stored event is still deduplicated');
SELECT is((SELECT count(*) FROM jimo.events), 3::bigint, 'three events stored');
SELECT is((SELECT deliveries FROM jimo.events WHERE payload = pg_temp.body_won()::jsonb), 3,
          'the stored event counts its three deliveries');
SELECT is((SELECT started_jimers FROM jimo.tour_funnel), 3::bigint,
          'the journeys hold the stored events only');

-- 2. the INSERT statement (an insert trigger on jimo.events sends every chunk there)
CREATE TABLE public.inserted (id bigint);
CREATE FUNCTION public.note_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO public.inserted VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER note_insert AFTER INSERT ON jimo.events FOR EACH ROW EXECUTE FUNCTION public.note_insert();
SELECT results_eq(
    $$SELECT CASE WHEN ord <= 2 THEN 'one of the pair' ELSE status END, string_agg(status, ',' ORDER BY status)
        FROM jimo.receive_batch(ARRAY[pg_temp.body(4, 2), pg_temp.body(4, 2, 1), pg_temp.body(1, 1, 4), pg_temp.body(5, 2)])
       GROUP BY 1 ORDER BY 1$$,
    $$VALUES ('one of the pair', 'rejected,stored'), ('rejected', 'rejected'), ('stored', 'stored')$$,
    'statement path: bodies that conflict on a user''s unique index are rejected alone');
SELECT is((SELECT count(*) FROM public.inserted), 2::bigint, 'the trigger fired for the two stored events only');
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(4, 2, 2))), 'rejected',
          'statement path: jimo.receive() rejects such a body');
DROP TRIGGER note_insert ON jimo.events;
DROP INDEX jimo.one_start;

-- 3. a unique index on one month only
CREATE UNIQUE INDEX one_start_march ON jimo.events_p2024_03 (jimer_uid, occurred_at);
SELECT results_eq(
    $$SELECT CASE WHEN ord <= 2 THEN 'one of the pair' ELSE status END, string_agg(status, ',' ORDER BY status)
        FROM jimo.receive_batch(ARRAY[pg_temp.body(6, 3), pg_temp.body(6, 3, 1), pg_temp.body(7, 3)])
       GROUP BY 1 ORDER BY 1$$,
    $$VALUES ('one of the pair', 'rejected,stored'), ('stored', 'stored')$$,
    'a unique index on one month: the conflicting body is rejected alone');
DROP INDEX jimo.one_start_march;

-- 4. a BEFORE trigger that skips some events: those are rejected, the call stands
CREATE FUNCTION public.skip_extra() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN IF NEW.payload->>'extra' = '9' THEN RETURN NULL; END IF; RETURN NEW; END $$;
CREATE TRIGGER skip_extra BEFORE INSERT ON jimo.events FOR EACH ROW EXECUTE FUNCTION public.skip_extra();
SELECT results_eq(
    $$SELECT status FROM jimo.receive_batch(ARRAY[pg_temp.body(8, 4), pg_temp.body(9, 4, 9)]) ORDER BY ord$$,
    $$VALUES ('stored'), ('rejected')$$,
    'an event a BEFORE trigger skips is rejected alone');
DROP TRIGGER skip_extra ON jimo.events;

-- 5. without the user's index, the rejected bodies are accepted on retry
SELECT is((SELECT stored FROM jimo.retry_rejected()), 8,
          'retry_rejected() stores the eight refused bodies once nothing refuses them');
SELECT is((SELECT count(*) FROM jimo.rejected), 0::bigint, 'nothing left rejected');
SELECT is((SELECT count(*) FROM jimo.events), 16::bigint, 'every distinct event stored once');

SELECT * FROM finish();
