-- A body rejected again shows why it is rejected now. jimo.retry_rejected()
-- promises that a body still rejected keeps its row "with the current
-- error", but the upsert into jimo.rejected left error and sqlstate as the
-- first rejection wrote them: after a constraint was replaced, or a fix that
-- turned one error into another, the row still named the old reason (found
-- by QA round 6).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(6);

ALTER TABLE jimo.events ADD CONSTRAINT first_rule CHECK (name <> 'hint.seen');
SELECT is((SELECT status FROM jimo.receive('{"event": "hint.seen", "time": 1740133769000}')), 'rejected',
          'a body the first rule refuses is rejected');
ALTER TABLE jimo.events DROP CONSTRAINT first_rule;
ALTER TABLE jimo.events ADD CONSTRAINT second_rule CHECK (version IS NOT NULL);

SELECT results_eq($$SELECT retried, stored, still_rejected FROM jimo.retry_rejected()$$,
                  $$VALUES (1, 0, 1)$$, 'retried, still rejected by the second rule');
SELECT ok((SELECT error LIKE '%second_rule%' AND sqlstate = '23514' FROM jimo.rejected),
          'its row names the rule that refuses it now');
SELECT is((SELECT deliveries FROM jimo.rejected), 1, 'a retry is not a delivery');

-- a redelivery rejected for another reason: the row says that reason
ALTER TABLE jimo.events DROP CONSTRAINT second_rule;
ALTER TABLE jimo.events ADD CONSTRAINT third_rule CHECK (name <> 'hint.seen');
SELECT is((SELECT status FROM jimo.receive('{"event": "hint.seen", "time": 1740133769000}')), 'rejected',
          'redelivered, rejected by a third rule');
SELECT results_eq($$SELECT deliveries, error LIKE '%third_rule%' FROM jimo.rejected$$,
                  $$VALUES (2, true)$$, 'the redelivery is counted, and the third rule named');

SELECT * FROM finish();
