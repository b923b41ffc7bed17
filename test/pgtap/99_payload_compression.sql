-- Payloads are compressed as the bulk write stores them (src/bulk.c), with the
-- compression method of jimo.events.payload (lz4 as installed): PostgreSQL
-- itself would compress only rows above about 2 kB, and a Jimo payload is
-- mostly under 1 kB. Compressed payloads must read back, deduplicate and
-- query exactly as before; small ones and a column set back to its default
-- stay as COPY would store them; another method set by the user is honoured.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(13);

-- k-th event of a tour, 2024-03 onwards; pad adds a title of that many bytes
CREATE FUNCTION pg_temp.body(k integer, pad integer, day integer DEFAULT 1) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.started", "version": "0", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001", "type": "TOUR", "title": "%s", "state": "LIVE"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s", "username": "Jimer %s"}, "project": {"uid": "e5e5e5e5-0000-4000-8000-000000000001", "name": "Acme"}}',
                  (extract(epoch FROM timestamptz '2024-03-01 00:00Z' + day * interval '1 day' + k * interval '1 second') * 1000)::bigint,
                  repeat('Welcome tour ', pad / 13), lpad(k::text, 12, '0'), k)
$$;

-- a body of about 200 bytes
CREATE FUNCTION pg_temp.small(k integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s", "username": "Jimer %s"}}',
                  (extract(epoch FROM timestamptz '2024-03-02 00:00Z' + k * interval '1 second') * 1000)::bigint,
                  lpad(k::text, 12, '0'), k)
$$;

SELECT is((SELECT attcompression FROM pg_attribute
            WHERE attrelid = 'jimo.events'::regclass AND attname = 'payload'),
          'l', 'jimo.events.payload is set to lz4 by the install');

-- 1. lz4: a payload of 600+ bytes is stored compressed and reads back the same
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[pg_temp.body(1, 400), pg_temp.small(2)])),
          'stored,stored', 'a large and a small payload stored');
SELECT is((SELECT pg_column_compression(payload) FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 1'),
          'lz4', 'the large payload is stored compressed with lz4');
SELECT ok((SELECT pg_column_size(payload) < octet_length(payload::text) / 2
             FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 1'),
          'and takes less than half its text');
SELECT is((SELECT pg_column_compression(payload) FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 2'),
          NULL, 'a payload under 256 bytes is stored as it is');
SELECT ok((SELECT payload = pg_temp.body(1, 400)::jsonb FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 1')
          AND (SELECT payload = pg_temp.small(2)::jsonb FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 2'),
          'both payloads read back equal to what was sent');

-- 2. a compressed payload sent again is a redelivery: the digest is the
-- payload's, not its stored form's
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(1, 400))), 'duplicate', 'the large payload sent again is a duplicate');
SELECT is((SELECT deliveries FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 1'), 2,
          'its row counts two deliveries');
SELECT is((SELECT count(*)::int FROM jimo.journeys), 2, 'the journeys of both were written');

-- 3. the column set back to its default: stored as COPY would store them
-- (on jimo.events it applies to the months created afterwards)
ALTER TABLE jimo.events ALTER COLUMN payload SET COMPRESSION default;
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(3, 400, 40))), 'stored', 'a large payload of a new month stored with compression off');
SELECT is((SELECT pg_column_compression(payload) FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 3'),
          NULL, 'and stored uncompressed');

-- 4. a method the user sets on a month is the one used there
ALTER TABLE jimo.events_p2024_03 ALTER COLUMN payload SET COMPRESSION pglz;
SELECT is((SELECT status FROM jimo.receive(pg_temp.body(4, 800))), 'stored', 'a large payload stored with pglz set');
SELECT is((SELECT pg_column_compression(payload) FROM jimo.events WHERE payload->'jimer'->>'username' = 'Jimer 4'),
          'pglz', 'and compressed with pglz');

SELECT * FROM finish();
