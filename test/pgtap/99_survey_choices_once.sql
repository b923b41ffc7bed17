-- jimo.survey_choices.selections is "answers that chose it": an answer that
-- lists an option twice (["red", "red", "blue"]) chose red once. 0.5 counted
-- every element of the answer's list, so red had more selections than answers
-- (found by QA round 6).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(4);

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

-- (0.12) The view reads the step's answers once: an answer that chose no
-- option ([]) still makes its jimer one of the step's respondents, a jimer
-- who answered twice counts once, and an answer without a jimer is a
-- selection but no respondent.
CREATE FUNCTION pg_temp.answer_by(k integer, jimer integer, answer text) RETURNS text LANGUAGE sql AS $$
    SELECT jsonb_strip_nulls(jsonb_build_object(
        'event', 'survey.step.answered', 'time', 1740133769000 + k,
        'experience', jsonb_build_object('uid', 'aaaaaaaa-0000-4000-8000-000000000001', 'type', 'SURVEY'),
        'jimer', CASE WHEN jimer IS NOT NULL
                      THEN jsonb_build_object('uid', 'bbbbbbbb-0000-4000-8000-' || lpad(jimer::text, 12, '0')) END,
        'step', jsonb_build_object('uid', 'colour', 'type', 'MULTIPLE_CHOICE'),
        'answer', answer::jsonb))::text
$$;
SELECT is((SELECT string_agg(status, ',') FROM jimo.receive_batch(ARRAY[
              pg_temp.answer_by(4, 4, '[]'), pg_temp.answer_by(5, 1, '["blue"]'),
              pg_temp.answer_by(6, NULL, '["green"]')])),
          'stored,stored,stored', 'an empty answer, a second answer of jimer 1, an answer without a jimer');
SELECT results_eq(
    $$SELECT choice, selections, respondents, step_respondents, share_of_respondents
      FROM jimo.survey_choices ORDER BY choice$$,
    $$VALUES ('blue', 3::bigint, 2::bigint, 4::bigint, 0.5000), ('green', 1, 0, 4, 0.0000), ('red', 2, 2, 4, 0.5000)$$,
    'every answer of the step counts its jimer among the step''s respondents, once');

SELECT * FROM finish();
