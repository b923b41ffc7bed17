-- The bulk write compresses payloads itself (99_payload_compression), but only
-- where PostgreSQL would: a payload column set to STORAGE EXTERNAL (as a user
-- does so that substring reads of large values are fast) or PLAIN is never
-- compressed, whatever its compression method says. 0.7 compressed them
-- anyway: against the column's setting, and a PLAIN column must never hold
-- a compressed value (found by QA round 8). MAIN still compresses.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(7);

-- a tour.started of about 900 bytes on day DAY of 2024-03, jimer K
CREATE FUNCTION pg_temp.body(k integer, day integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "TOUR", "title": "%s"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s", "username": "Jimer %s"}}',
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + day * interval '1 day') * 1000)::bigint,
                  repeat('Welcome tour ', 60), lpad(k::text, 12, '0'), k)
$$;
CREATE FUNCTION pg_temp.stored(k integer) RETURNS text LANGUAGE sql AS $$
    SELECT coalesce(pg_column_compression(payload), 'none') || ' ' ||
           (payload = pg_temp.body(k, k)::jsonb)::text
    FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer ' || k
$$;

SELECT is((SELECT status FROM jimo.receive(pg_temp.body(1, 1))), 'stored', 'a month is created');
-- ALTER on the partitioned table reaches its months
ALTER TABLE jimo.events ALTER COLUMN payload SET STORAGE EXTERNAL;
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(2, 2))), 'stored', 'a payload stored with STORAGE EXTERNAL');
SELECT is(pg_temp.stored(2), 'none true', 'is not compressed, and reads back equal');
SELECT is(pg_temp.stored(1), 'lz4 true', 'the one stored before the change stays as it was');

ALTER TABLE jimo.events ALTER COLUMN payload SET STORAGE PLAIN;
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(3, 3))), 'stored', 'a payload stored with STORAGE PLAIN');
SELECT is(pg_temp.stored(3), 'none true', 'is not compressed either');

ALTER TABLE jimo.events ALTER COLUMN payload SET STORAGE MAIN;
SELECT is(((SELECT status FROM jimo.receive(pg_temp.body(4, 4))), pg_temp.stored(4))::text, '(stored,"lz4 true")',
          'with STORAGE MAIN it is compressed with lz4, as PostgreSQL would');

SELECT * FROM finish();
