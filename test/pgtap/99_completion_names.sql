-- A completion is the same event for the journeys and for the lookup the
-- funnels make in jimo.events when journeys alone cannot tell (a completion
-- before the first start and others after it): a name ending in .completed
-- that is not a step's or a task's (classify() in src/event.c).  In 0.15 the
-- lookup left out names of three parts, so a jimer converted by
-- tour.v2.completed was un-converted when a second one arrived (an audit).
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE TEMP TABLE b (n int, body text);
INSERT INTO b
SELECT n, format('{"event":"%s","time":%s,"experience":{"uid":"0914ae77-568d-41c0-912a-0b4c63dc03ff","type":"TOUR"},"jimer":{"uid":"47dff65e-434d-4454-bb57-a1167fefbb6b"}}', e, t)
FROM (VALUES (1, 'tour.completed', 1740000700000), (2, 'tour.started', 1740000800000),
             (3, 'tour.v2.completed', 1740000900000), (4, 'tour.v2.completed', 1740001000000),
             (5, 'checklist.task.completed', 1740000850000)) v(n, e, t);
SELECT is((SELECT string_agg(status, ' ' ORDER BY ord) FROM jimo.receive_batch(ARRAY(SELECT body FROM b WHERE n <= 3 ORDER BY n))),
          'stored stored stored', 'completed, started, then tour.v2.completed');
SELECT is((SELECT started_jimers || ' ' || completed_jimers FROM jimo.tour_funnel WHERE experience_uid = '0914ae77-568d-41c0-912a-0b4c63dc03ff'),
          '1 1', 'converted by tour.v2.completed (journeys: two completions, one after the start)');
SELECT is((SELECT string_agg(status, ' ' ORDER BY ord) FROM jimo.receive_batch(ARRAY(SELECT body FROM b WHERE n IN (4, 5) ORDER BY n))),
          'stored stored', 'a second tour.v2.completed, and a task completion of the same jimer and experience after the start');
SELECT is((SELECT started_jimers || ' ' || completed_jimers FROM jimo.tour_funnel WHERE experience_uid = '0914ae77-568d-41c0-912a-0b4c63dc03ff'),
          '1 1', 'still converted: three completions, the lookup finds the first at or after the start (0.15: 1 0)');
SELECT is((SELECT jimo.completion_at_or_after('0914ae77-568d-41c0-912a-0b4c63dc03ff', '47dff65e-434d-4454-bb57-a1167fefbb6b',
                                              to_timestamp(1740000800)))::text,
          to_timestamp(1740000900)::text, 'the lookup: the tour.v2.completed at 900 s, not the task completion at 850 s');
SELECT * FROM finish();
ROLLBACK;
