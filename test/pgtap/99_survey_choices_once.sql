-- jimo.survey_choices.selections is "answers that chose it": an answer that
-- lists an option twice (["red", "red", "blue"]) chose red once. 0.5 counted
-- every element of the answer's list, so red had more selections than answers
-- (found by QA round 6).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(2);

CREATE FUNCTION pg_temp.answer(k integer, answer text) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "survey.step.answered", "time": %s, "experience": {"uid": "aaaaaaaa-0000-4000-8000-000000000001", "type": "SURVEY"}, "jimer": {"uid": "bbbbbbbb-0000-4000-8000-%s"}, "step": {"uid": "colour", "type": "MULTIPLE_CHOICE"}, "answer": %s}',
                  1740133769000 + k, lpad(k::text, 12, '0'), answer)
$$;

SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[
              pg_temp.answer(1, '["red", "red", "blue"]'), pg_temp.answer(2, '["red"]'), pg_temp.answer(3, '"blue"')])),
          'stored,stored,stored', 'three answers stored');
SELECT results_eq(
    $$SELECT choice, selections, respondents, step_respondents FROM jimo.survey_choices ORDER BY choice$$,
    $$VALUES ('blue', 2::bigint, 2::bigint, 3::bigint), ('red', 2, 2, 3)$$,
    'each option counts once per answer that chose it');

SELECT * FROM finish();
