--
-- Every way a body can be refused: the error and SQLSTATE kept with it in
-- jimo.rejected (receive, receive_batch), and raised by jimo.ingest().
-- Bodies that are odd but usable (1 MB, huge strings, deep nesting inside a
-- key) are stored.  Nothing may crash the backend.
--
SET timezone = 'UTC';
SET datestyle = 'ISO, YMD';
SET client_min_messages = warning;
TRUNCATE jimo.events, jimo.rejected, jimo.experiences, jimo.jimers,
         jimo.users, jimo.projects, jimo.journeys,
         jimo.survey_steps, jimo.survey_step_stats, jimo.survey_step_journeys, jimo.survey_answers,
         jimo.checklist_tasks, jimo.post_comments, jimo.post_likes;

-- ok(extra): a valid tour.started whose keys "extra" overrides
CREATE FUNCTION pg_temp.ok(extra jsonb DEFAULT '{}') RETURNS text LANGUAGE sql AS $$
SELECT (jsonb_build_object(
    'event', 'tour.started', 'version', '0', 'time', 1740133769000,
    'experience', jsonb_build_object('uid', '0814ae77-568d-41c0-912a-0b4c63dc03ff', 'title', 'Onboarding'),
    'jimer', jsonb_build_object('uid', '17dff65e-434d-4454-bb57-a1167fefbb6b')) || extra)::text
$$;

CREATE TEMP TABLE bodies (k int PRIMARY KEY, label text NOT NULL, body text);
INSERT INTO bodies VALUES
 ( 1, 'not JSON',                 'hello'),
 ( 2, 'truncated JSON',           '{"event": "tour.started", "time": 17401'),
 ( 3, 'empty body',               ''),
 ( 4, 'whitespace only',          E' \t\r\n '),
 ( 5, 'NULL element',             NULL),
 ( 6, 'array top level',          '[{"event": "tour.started", "time": 1740133769000}]'),
 ( 7, 'string top level',         '"tour.started"'),
 ( 8, 'number top level',         '1740133769000'),
 ( 9, 'null top level',           'null'),
 (10, 'empty object',             '{}'),
 (11, 'missing event',            pg_temp.ok() ::jsonb - 'event'),
 (12, 'event null',               pg_temp.ok('{"event": null}')),
 (13, 'empty event',              pg_temp.ok('{"event": ""}')),
 (14, 'event a number',           pg_temp.ok('{"event": 42}')),
 (15, 'event an object',          pg_temp.ok('{"event": {"name": "tour.started"}}')),
 (16, 'event of 201 bytes',       pg_temp.ok(jsonb_build_object('event', 'tour.' || repeat('x', 196)))),
 (17, 'missing time',             pg_temp.ok()::jsonb - 'time'),
 (18, 'time "yesterday"',         pg_temp.ok('{"time": "yesterday"}')),
 (19, 'time negative',            pg_temp.ok('{"time": -1740133769000}')),
 (20, 'time zero',                pg_temp.ok('{"time": 0}')),
 (21, 'time an object',           pg_temp.ok('{"time": {"ms": 1740133769000}}')),
 (22, 'time true',                pg_temp.ok('{"time": true}')),
 (23, 'time ISO string',          pg_temp.ok('{"time": "2025-02-21T10:29:29.000Z"}')),
 (24, 'time 1e400',               pg_temp.ok('{"time": 1e400}')),
 (25, 'time past year 294276',    pg_temp.ok('{"time": 9999999999999999999}')),
 (26, 'time numeric string 80 digits', pg_temp.ok(jsonb_build_object('time', repeat('1', 80)))),
 (27, 'experience.uid malformed', pg_temp.ok('{"experience": {"uid": "0814ae77-568d-41c0-912a-0b4c63dc03f"}}')),
 (28, 'experience.uid missing',   pg_temp.ok('{"experience": {"title": "Onboarding"}}')),
 (29, 'experience.uid a number',  pg_temp.ok('{"experience": {"uid": 814}}')),
 (30, 'experience.uid not hex',   pg_temp.ok('{"experience": {"uid": "0814ae77-568d-41c0-912a-0b4c63dc03fg"}}')),
 (31, 'experience.uid braces',    pg_temp.ok('{"experience": {"uid": "{0814ae77-568d-41c0-912a-0b4c63dc03ff}"}}')),
 (32, 'experience a string',      pg_temp.ok('{"experience": "0814ae77-568d-41c0-912a-0b4c63dc03ff"}')),
 (33, 'experience an array',      pg_temp.ok('{"experience": []}')),
 (34, 'jimer.uid malformed',      pg_temp.ok('{"jimer": {"uid": "sam"}}')),
 (35, 'user.uid malformed',       pg_temp.ok('{"user": {"uid": "17de6523-2033-4aaa-a500"}}')),
 (36, 'project.uid malformed',    pg_temp.ok('{"project": {"uid": ""}}')),
 (37, '\u0000 escape',            '{"event": "tour.started", "time": 1740133769000, "note": "a\u0000b"}'),
 (38, 'lone surrogate \ud800',    '{"event": "tour.started", "time": 1740133769000, "note": "\ud800"}'),
 (39, 'bad escape \x',            '{"event": "tour.started", "time": 1740133769000, "note": "\x41"}'),
 (40, '100000 levels of [',       repeat('[', 100000)),
 (41, '100000 levels in a key',   '{"event": "tour.started", "time": 1740133769000, "deep": '
                                  || repeat('[', 100000) || repeat(']', 100000) || '}'),
 (42, 'event of 1 MB',            pg_temp.ok(jsonb_build_object('event', repeat('é', 500000)))),
 (43, 'duplicate key: last wins, still bad', '{"event": "tour.started", "time": 1740133769000, "time": "later"}');

-- Bodies that look odd but are usable: stored.
INSERT INTO bodies VALUES
 (101, 'event of 200 bytes',      pg_temp.ok(jsonb_build_object('event', 'tour.' || repeat('x', 195)))),
 (102, '1 MB payload',            pg_temp.ok(jsonb_build_object('blob', repeat('x', 1024 * 1024)))),
 (103, '20 MB string value',      pg_temp.ok(jsonb_build_object('blob', repeat('é', 10 * 1024 * 1024)))),
 (104, '1000 levels in a key',    left(pg_temp.ok(), -1) || ', "deep": ' || repeat('[', 1000) || repeat(']', 1000) || '}'),
 (105, 'duplicate key: last wins', '{"event": "tour.started", "time": "later", "time": 1740133769000}'),
 (106, 'null uid objects are absent', pg_temp.ok('{"user": null, "project": null}')),
 (107, 'escaped unicode',         pg_temp.ok('{"note": "caf\u00e9 \ud83d\ude00"}'));

SELECT k, label, length(body) AS chars, octet_length(body) AS bytes
FROM bodies ORDER BY k;

-- One batch: each row tells its fate; the good ones do not suffer from the
-- bad ones around them.
CREATE TEMP TABLE got AS
SELECT b.k, r.*
FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY k)) AS r
JOIN (SELECT k, row_number() OVER (ORDER BY k) AS n FROM bodies) b ON b.n = r.ord;
SELECT k, b.label, g.ord, g.status, g.event_id IS NOT NULL AS has_event_id, g.error
FROM got g JOIN bodies b USING (k)
ORDER BY k;

-- what jimo.rejected keeps: the body as sent (or its bytes), error, SQLSTATE
SELECT r.sqlstate, r.deliveries, b.k, b.label,
       r.body IS NOT DISTINCT FROM coalesce(b.body, '') AS body_kept,
       r.body_bytes IS NULL AS no_bytes,
       r.digest = sha256(convert_to(coalesce(b.body, ''), 'UTF8')) AS digest_of_body,
       length(r.error) AS error_chars
FROM jimo.rejected r
LEFT JOIN bodies b ON r.body IS NOT DISTINCT FROM coalesce(b.body, '') AND b.k < 100
ORDER BY b.k, r.sqlstate;
SELECT count(*) AS rejected_rows, sum(deliveries) AS rejected_deliveries FROM jimo.rejected;

-- the usable ones were stored, whole
SELECT b.k, b.label, e.name = b.body::jsonb ->> 'event' AS name_ok, e.occurred_at,
       e.payload = b.body::jsonb AS payload_kept, pg_column_size(e.payload) > 1000000 AS over_1mb
FROM got g JOIN bodies b USING (k) JOIN jimo.events e ON e.id = g.event_id
ORDER BY b.k;
SELECT length(payload ->> 'blob') AS blob_chars, octet_length(payload ->> 'blob') AS blob_bytes
FROM jimo.events WHERE payload ? 'blob' ORDER BY 1;

-------------------------------------------------------------------------------
-- A rejected body delivered again counts deliveries; so does a repeat in a batch
-------------------------------------------------------------------------------
SELECT status, error FROM jimo.receive('hello');
SELECT ord, status FROM jimo.receive_batch(ARRAY['hello', 'hello', '', NULL]) ORDER BY ord;
SELECT body, deliveries, last_received_at >= received_at AS times_ok
FROM jimo.rejected WHERE body IN ('hello', '') ORDER BY body;

-------------------------------------------------------------------------------
-- jimo.ingest(): raises instead, with the SQLSTATE, and stores nothing
-------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.try_ingest(body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM jimo.ingest(body);
    RETURN st;
EXCEPTION WHEN others THEN
    RETURN SQLSTATE || ' ' || left(SQLERRM, 150);
END $$;
CREATE FUNCTION pg_temp.try_ingest_jsonb(body text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM jimo.ingest(body::jsonb);
    RETURN st;
EXCEPTION WHEN others THEN
    RETURN SQLSTATE || ' ' || left(SQLERRM, 150);
END $$;
CREATE TEMP TABLE before AS SELECT count(*) AS n, sum(deliveries) AS d FROM jimo.rejected;
SELECT k, label, pg_temp.try_ingest(coalesce(body, '')) AS ingest_text
FROM bodies WHERE k < 100 ORDER BY k;
-- the jsonb variant: the cast raises for what is not JSON; the rest the same
SELECT k, label, pg_temp.try_ingest_jsonb(body) AS ingest_jsonb
FROM bodies WHERE k < 100 AND k <> 5 ORDER BY k;
SELECT count(*) = (SELECT n FROM before) AS no_new_rejected,
       sum(deliveries) = (SELECT d FROM before) AS no_new_deliveries
FROM jimo.rejected;
-- and it says "duplicate" for a stored event
SELECT k, pg_temp.try_ingest(body) AS ingest_text FROM bodies WHERE k IN (105, 106) ORDER BY k;
-- through psql, with the SQLSTATE shown
\set VERBOSITY sqlstate
SELECT * FROM jimo.ingest('hello');
SELECT * FROM jimo.ingest('{"event": "tour.started"}');
SELECT * FROM jimo.ingest('{"event": "tour.started"}'::jsonb);
\set VERBOSITY default
SELECT * FROM jimo.ingest('{"event": "tour.started", "time": "yesterday"}');
SELECT * FROM jimo.ingest('{"event": "tour.started", "time": 1, "jimer": {"uid": "sam"}}'::jsonb);

-------------------------------------------------------------------------------
-- Raw bytes (the receiver's path): invalid UTF-8 and NUL bytes are kept as
-- bytes; valid bytes behave as text
-------------------------------------------------------------------------------
CREATE TEMP TABLE raw (k int, label text, body bytea);
INSERT INTO raw VALUES
 (1, 'invalid UTF-8',   '\x7b226576656e74223a2022ff227d'::bytea),   -- {"event": "<ff>"}
 (2, 'NUL byte',        convert_to('{"event": "tour.started", "time": 1740133769000}', 'UTF8') || '\x00'::bytea),
 (3, 'truncated UTF-8', convert_to('{"event": "caf', 'UTF8') || '\xc3'::bytea),
 (4, 'valid body',      convert_to(pg_temp.ok('{"note": "café"}'), 'UTF8')),
 (5, 'valid, not JSON', convert_to('héllo', 'UTF8')),
 (6, 'empty',           ''::bytea);
SELECT raw.k, raw.label, r.ord, r.status, r.error
FROM jimo.receive_batch(ARRAY(SELECT body FROM raw ORDER BY k)) r
JOIN raw ON raw.k = r.ord
ORDER BY r.ord;
-- found by the digest of the raw bytes
SELECT raw.k, raw.label, j.sqlstate, j.body, j.body_bytes,
       j.body_bytes IS NOT DISTINCT FROM raw.body AS bytes_kept, j.deliveries
FROM raw LEFT JOIN jimo.rejected j ON j.digest = sha256(raw.body)
ORDER BY raw.k;
-- the same bytes again count as deliveries of the same rejected body
SELECT ord, status FROM jimo.receive_batch(ARRAY(SELECT body FROM raw WHERE k <= 2 ORDER BY k)) ORDER BY ord;
SELECT raw.label, j.deliveries FROM raw JOIN jimo.rejected j ON j.digest = sha256(raw.body)
WHERE raw.k <= 2 ORDER BY raw.k;
-- the text of a valid byte body is the same event as the text body
SELECT status FROM jimo.receive(pg_temp.ok('{"note": "café"}'));

-------------------------------------------------------------------------------
-- Arrays: empty gives no rows; two dimensions is an error of the call
-------------------------------------------------------------------------------
SELECT count(*) AS rows FROM jimo.receive_batch('{}'::text[]);
\set VERBOSITY sqlstate
SELECT * FROM jimo.receive_batch(ARRAY[ARRAY['hello'], ARRAY['world']]);
\set VERBOSITY default

-------------------------------------------------------------------------------
-- jimo.retry_rejected(): nothing is accepted yet, so all stay, unchanged
-------------------------------------------------------------------------------
CREATE TEMP TABLE before_retry AS
SELECT id, digest, error, sqlstate, deliveries, body, body_bytes FROM jimo.rejected;
SELECT (SELECT count(*) FROM before_retry) AS rejected_before,
       retried = (SELECT count(*) FROM before_retry) AS retried_all,
       stored, still_rejected = retried AS all_still_rejected
FROM jimo.retry_rejected();
-- a retry is not a delivery: every row as it was, and no new rows
SELECT count(*) AS rows_changed_or_added FROM (
    SELECT id, digest, error, sqlstate, deliveries, body, body_bytes FROM jimo.rejected
    EXCEPT SELECT * FROM before_retry) d;
SELECT count(*) AS rows_now FROM jimo.rejected;
-- A body rejected by an older version (planted here) that this one accepts
-- is stored on retry and leaves jimo.rejected.
INSERT INTO jimo.rejected (digest, error, sqlstate, body)
VALUES (sha256(convert_to(pg_temp.ok('{"event": "tour.completed"}'), 'UTF8')),
        'rejected by an older version', '22023', pg_temp.ok('{"event": "tour.completed"}'));
SELECT retried, stored, still_rejected FROM jimo.retry_rejected();
SELECT count(*) AS left_in_rejected FROM jimo.rejected WHERE error = 'rejected by an older version';
SELECT name, occurred_at, deliveries FROM jimo.events WHERE name = 'tour.completed';
-- With a client encoding other than the database's, a retry must still
-- see the same body: nothing changes, nothing is added.
SELECT status, error FROM jimo.receive('{"event": "caf' || convert_from('\xc3a9', 'UTF8') || '"}');
CREATE TEMP TABLE before_latin1 AS
SELECT id, digest, error, sqlstate, deliveries, body, body_bytes FROM jimo.rejected;
SET client_encoding = 'LATIN1';
SELECT retried = still_rejected AS none_stored FROM jimo.retry_rejected();
RESET client_encoding;
SELECT count(*) AS rows_changed_or_added FROM (
    SELECT id, digest, error, sqlstate, deliveries, body, body_bytes FROM jimo.rejected
    EXCEPT SELECT * FROM before_latin1) d;

-- still alive, in the same session
SELECT 1 AS alive;
