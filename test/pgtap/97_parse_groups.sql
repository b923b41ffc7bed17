-- Bodies are read 64 to a subtransaction; a group that holds a bad body is
-- read again one body at a time, so that the bad body alone is rejected, with
-- its own error, and every other body of the group is stored. Here 200 bodies
-- in one call, with bad ones at the first and last place of a group, in the
-- middle of one, two in a row across a group boundary, and last of the call.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE TEMP TABLE bodies AS
SELECT k,
       CASE k
         WHEN 1 THEN '{"event": "tour.started", "time": 17'                        -- truncated JSON
         WHEN 64 THEN '{"event": "tour.started", "time": "not a time"}'            -- bad time
         WHEN 65 THEN '{"event": "tour.started", "time": 1709251200000, "jimer": {"uid": "nope"}}' -- bad uuid
         WHEN 100 THEN '["an", "array"]'                                           -- not an object
         WHEN 200 THEN 'null'
         ELSE format('{"event": "tour.started", "time": %s, "experience": {"uid": "c3c3c3c3-0000-4000-8000-000000000001"}, "jimer": {"uid": "d4d4d4d4-0000-4000-8000-%s"}}',
                     1709251200000 + k * 1000, lpad(k::text, 12, '0'))
       END AS body
FROM generate_series(1, 200) AS k;

CREATE TEMP TABLE answers AS
SELECT r.* FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY k)) AS r;

SELECT is((SELECT string_agg(ord::text, ',' ORDER BY ord) FROM answers WHERE status = 'rejected'),
          '1,64,65,100,200', 'exactly the five bad bodies are rejected');
SELECT is((SELECT count(*) FROM answers WHERE status = 'stored'), 195::bigint,
          'the 195 others are stored');
SELECT is((SELECT count(*) FROM jimo.events), 195::bigint, 'jimo.events holds the 195');
SELECT is((SELECT count(DISTINCT error) FROM answers WHERE status = 'rejected'), 5::bigint,
          'each bad body has its own error, not its group''s first');
SELECT ok((SELECT bool_and(error IS NOT NULL AND error <> '') FROM answers WHERE status = 'rejected')
          AND (SELECT bool_and(error IS NULL) FROM answers WHERE status = 'stored'),
          'errors only on the rejected bodies');

SELECT * FROM finish();
