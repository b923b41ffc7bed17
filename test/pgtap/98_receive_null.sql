-- jimo.receive(NULL) answers like any body PostgreSQL cannot use: rejected,
-- with an error, and kept in jimo.rejected (as an empty body), as
-- jimo.receive_batch() answers and keeps a NULL element; not a row of NULLs
-- that a caller could take for "nothing happened".
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(4);

SELECT results_eq($$SELECT event_id, status, error IS NOT NULL FROM jimo.receive(NULL)$$,
                  $$VALUES (NULL::bigint, 'rejected', true)$$,
                  'receive(NULL) is rejected, with an error');
SELECT results_eq($$SELECT status, error FROM jimo.receive(NULL)$$,
                  $$SELECT status, error FROM jimo.receive_batch(ARRAY[NULL::text])$$,
                  'the same answer as a NULL element of receive_batch');
SELECT is((SELECT format('%s|%s', body, deliveries) FROM jimo.rejected), '|3',
          'kept once in jimo.rejected as an empty body, every delivery counted');
SELECT is((SELECT count(*) FROM jimo.events), 0::bigint, 'nothing stored as an event');

SELECT * FROM finish();
