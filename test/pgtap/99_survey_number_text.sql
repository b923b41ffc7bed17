-- A survey view shows the same numbers whatever order the answers arrived
-- in. answer_number keeps a number as sent, so 5 and 5.0 (or 4.5 and 4.50)
-- are equal numbers with different texts; survey_step_scales (scale_min_seen,
-- scale_max_seen, and survey_ratings through it) took the min and max of
-- equal numbers, and survey_ratings keyed its distribution by the text of
-- one of the equal answers of a group: which one depended on the order the
-- rows were read in, so the same answers in another order showed 5.0 or
-- {"5.0": 2} instead of 5 or {"5": 2} (found by QA round 7, comparing two
-- databases fed the same deliveries in two orders). Equal numbers now show
-- in their shortest form (trim_scale).
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(5);

CREATE FUNCTION pg_temp.answer(survey int, jimer int, answer text) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "survey.step.answered", "time": %s, "experience": {"uid": "c1c1c1c1-0000-4000-8000-%s", "type": "SURVEY"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-%s"}, "step": {"uid": "rate", "type": "RATING"}, "answer": %s}',
                  1740133769000 + jimer, lpad(survey::text, 12, '0'), lpad(jimer::text, 12, '0'), answer)
$$;

-- survey 1 gets 5.0, 5, 4.50, 4.5, 2; survey 2 the same answers in the
-- opposite order, one call each
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer(1, 1, '5.0'), pg_temp.answer(1, 2, '5'), pg_temp.answer(1, 3, '4.50'),
    pg_temp.answer(1, 4, '4.5'), pg_temp.answer(1, 5, '2.00')]) WHERE status = 'stored'),
    5::bigint, 'survey 1: five answers stored');
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer(2, 5, '2.00'), pg_temp.answer(2, 4, '4.5'), pg_temp.answer(2, 3, '4.50'),
    pg_temp.answer(2, 2, '5'), pg_temp.answer(2, 1, '5.0')]) WHERE status = 'stored'),
    5::bigint, 'survey 2: the same answers in the other order');

SELECT results_eq(
    $$SELECT scale_min_seen::text, scale_max_seen::text FROM jimo.survey_step_scales ORDER BY experience_uid$$,
    $$VALUES ('2', '5'), ('2', '5')$$,
    'survey_step_scales: the same scale for both, in its shortest form');
SELECT results_eq(
    $$SELECT scale_min_seen::text, scale_max_seen::text, distribution FROM jimo.survey_ratings ORDER BY experience_uid$$,
    $$VALUES ('2', '5', '{"2": 1, "4.5": 2, "5": 2}'::jsonb), ('2', '5', '{"2": 1, "4.5": 2, "5": 2}'::jsonb)$$,
    'survey_ratings: the same scale and distribution for both');
SELECT results_eq(
    $$SELECT responses, mean FROM jimo.survey_ratings ORDER BY experience_uid$$,
    $$VALUES (5::bigint, 4.20::numeric), (5::bigint, 4.20::numeric)$$,
    'and the same counts and mean');

SELECT * FROM finish();
ROLLBACK;
