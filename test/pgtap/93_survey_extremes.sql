-- One answer a survey step can carry must not take a view down for everyone.
-- answer_number is numeric, so JSON numbers far beyond double precision
-- (1e400, 1e-400) are stored whole; survey_ratings and survey_ratings_trend
-- took their medians with percentile_cont, which casts every answer to
-- double precision, and one such answer on any rating step made both views
-- fail ("... is out of range for type double precision") for every survey,
-- and jimo-report with them, until its month expired.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

CREATE FUNCTION pg_temp.answer(survey int, step text, jimer int, t bigint, answer text) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "survey.step.answered", "time": %s, "experience": {"uid": "c1c1c1c1-0000-4000-8000-%s", "type": "SURVEY"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-%s"}, "step": {"uid": "%s", "type": "RATING"}, "answer": %s}',
                  t, lpad(survey::text, 12, '0'), lpad(jimer::text, 12, '0'), step, answer)
$$;

-- survey 1: an ordinary 1-5 rating step; survey 2: a rating step with one
-- answer of 1e400 and one of 1e-400 among ordinary ones.
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer(1, 's1', 1, 1740133769000, '4'),
    pg_temp.answer(1, 's1', 2, 1740133769001, '5'),
    pg_temp.answer(1, 's1', 3, 1740133769002, '2'),
    pg_temp.answer(2, 's2', 1, 1740133769003, '3'),
    pg_temp.answer(2, 's2', 2, 1740133769004, '1e400'),
    pg_temp.answer(2, 's2', 3, 1740133769005, '-1e400'),
    pg_temp.answer(2, 's2', 4, 1740133769006, '1e-400'),
    pg_temp.answer(2, 's2', 5, 1740133769007, '4')]) WHERE status = 'stored'),
    8::bigint, 'eight answers stored, huge and tiny numbers included');

SELECT lives_ok('SELECT * FROM jimo.survey_ratings', 'jimo.survey_ratings can be read');
SELECT lives_ok('SELECT * FROM jimo.survey_ratings_trend', 'jimo.survey_ratings_trend can be read');
SELECT results_eq(
    $$SELECT responses, mean, median FROM jimo.survey_ratings WHERE step_uid = 's1'$$,
    $$VALUES (3::bigint, 3.67::numeric, 4::double precision)$$,
    'the ordinary step''s numbers are exact');
SELECT results_eq(
    $$SELECT responses, median FROM jimo.survey_ratings_trend WHERE step_uid = 's1' AND grain = 'month'$$,
    $$VALUES (3::bigint, 4::double precision)$$,
    'and so is its trend');
-- s2 sorted: -1e400, 1e-400, 3, 4, 1e400: the median is 3, the extremes are
-- kept whole in the scale seen
SELECT results_eq(
    $$SELECT responses, median, scale_min_seen = -1e400::numeric, scale_max_seen = 1e400::numeric FROM jimo.survey_ratings WHERE step_uid = 's2'$$,
    $$VALUES (5::bigint, 3::double precision, true, true)$$,
    'the step with extreme answers: five responses, median 3, the scale seen kept exact');
SELECT results_eq(
    $$SELECT responses, median FROM jimo.survey_ratings_trend WHERE step_uid = 's2' AND grain = 'month'$$,
    $$VALUES (5::bigint, 3::double precision)$$,
    'its trend has the same median');
SELECT is((SELECT median FROM jimo.survey_ratings_trend WHERE step_uid = 's2' AND grain = 'week'
           AND period_start = date_trunc('week', timestamptz '2025-02-21 10:29:29+00')),
          3::double precision, 'weekly too');

SELECT * FROM finish();
ROLLBACK;
