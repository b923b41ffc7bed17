-- A date string in a payload is stored the same whatever the ingesting
-- session's DateStyle. Dates are read leniently (ISO-8601, "UTC when they
-- have no offset"), through PostgreSQL's own parser, which reads an ambiguous
-- "01-02-2025" or "01-02-03" in the session's DateStyle field order: the same
-- body stored created_at 2025-01-02 under 'ISO, MDY' (initdb's default in many
-- locales) and 2025-02-01 under 'ISO, DMY', so two receivers, or a receiver
-- and a backfill, with different settings stored different tables, and which
-- one counted depended on which delivery came first (found by QA round 7).
-- The fields are now always read year first (ISO-8601's order): "01-02-03" is
-- 2001-02-03, and "01-02-2025", which has no year first, is not a date (NULL,
-- the payload keeps it).
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE FUNCTION pg_temp.created(n integer) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "tour.created", "time": 1740133769000, "experience": {"uid": "c3c3c3c3-0000-4000-8000-%s", "type": "TOUR", "createdAt": "01-02-2025", "publishedAt": "01-02-03", "expiresAt": "2025-02-01 10:37:10"}, "user": {"uid": "c3c3c3c3-0000-4000-8000-0000000000a1"}}',
                  lpad(n::text, 12, '0'))
$$;

SET LOCAL DateStyle = 'ISO, MDY';
SELECT is((SELECT status FROM jimo.receive(pg_temp.created(1))), 'stored', 'stored by a session in MDY order');
SET LOCAL DateStyle = 'SQL, DMY';
SELECT is((SELECT status FROM jimo.receive(pg_temp.created(2))), 'stored', 'the same dates by a session in DMY order');
SET LOCAL DateStyle = 'ISO, YMD';

SELECT is((SELECT count(DISTINCT (created_at, published_at, expires_at)) FROM jimo.experiences), 1::bigint,
          'both experiences have the same dates');
SELECT results_eq(
    $$SELECT created_at, published_at, expires_at FROM jimo.experiences ORDER BY uid$$,
    $$VALUES (NULL::timestamptz, timestamptz '2001-02-03 00:00Z', timestamptz '2025-02-01 10:37:10Z'),
             (NULL::timestamptz, timestamptz '2001-02-03 00:00Z', timestamptz '2025-02-01 10:37:10Z')$$,
    'read year first: 01-02-03 is 2001-02-03, 01-02-2025 is no date, an ISO date is itself');
SELECT is((SELECT current_setting('DateStyle')), 'ISO, YMD', 'the session''s DateStyle is left as it was');

SELECT * FROM finish();
ROLLBACK;
