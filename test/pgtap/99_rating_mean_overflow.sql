-- Two answers of a rating step made survey_ratings and survey_ratings_trend
-- fail for every survey: a JSON number may be written out with up to 131 072
-- digits (130 kB, well under the receiver's 1 MiB), numeric holds it, and
-- the mean's sum of two such answers overflowed numeric ("value overflows
-- numeric format"). The mean now counts an answer beyond +-1e1000 (the
-- largest a number in exponent notation can be) as +-1e1000; the other
-- answers, and every other step, keep their exact mean. Found by QA round 9.
BEGIN;
SET LOCAL client_min_messages = warning;
SET LOCAL timezone = 'UTC';
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

CREATE FUNCTION pg_temp.answer(survey int, jimer int, t bigint, answer text) RETURNS text LANGUAGE sql AS $$
    SELECT format('{"event": "survey.step.answered", "time": %s, "experience": {"uid": "c7c7c7c7-0000-4000-8000-%s", "type": "SURVEY"}, "jimer": {"uid": "d2d2d2d2-0000-4000-8000-%s"}, "step": {"uid": "r", "type": "RATING"}, "answer": %s}',
                  t, lpad(survey::text, 12, '0'), lpad(jimer::text, 12, '0'), answer)
$$;

-- survey 1: an ordinary 1-5 rating step; survey 2: three answers of 131 072
-- nines, one of minus that, and a 3; survey 3: 1e1000 and 3
SELECT is((SELECT count(*) FROM jimo.receive_batch(ARRAY[
    pg_temp.answer(1, 1, 1740133769000, '4'),
    pg_temp.answer(1, 2, 1740133769001, '5'),
    pg_temp.answer(1, 3, 1740133769002, '2'),
    pg_temp.answer(2, 1, 1740133769003, repeat('9', 131072)),
    pg_temp.answer(2, 2, 1740133769004, repeat('9', 131072)),
    pg_temp.answer(2, 3, 1740133769005, repeat('9', 131072)),
    pg_temp.answer(2, 4, 1740133769006, '-' || repeat('9', 131072)),
    pg_temp.answer(2, 5, 1740133769007, '3'),
    pg_temp.answer(3, 1, 1740133769008, '1e1000'),
    pg_temp.answer(3, 2, 1740133769009, '3')]) WHERE status = 'stored'),
    10::bigint, 'ten answers stored, four of 131 072 digits among them');

SELECT lives_ok('SELECT * FROM jimo.survey_ratings', 'jimo.survey_ratings can be read');
SELECT lives_ok('SELECT * FROM jimo.survey_ratings_trend', 'jimo.survey_ratings_trend can be read');
SELECT results_eq(
    $$SELECT experience_uid::text, responses, mean FROM jimo.survey_ratings ORDER BY 1$$,
    $$VALUES ('c7c7c7c7-0000-4000-8000-000000000001', 3::bigint, 3.67::numeric),
             ('c7c7c7c7-0000-4000-8000-000000000002', 5::bigint, round((2e1000 + 3) / 5, 2)),
             ('c7c7c7c7-0000-4000-8000-000000000003', 2::bigint, round((1e1000 + 3) / 2, 2))$$,
    'the ordinary step''s mean is exact; 1e1000 counts whole; beyond it an answer counts as +-1e1000');
SELECT results_eq(
    $$SELECT experience_uid::text, responses, mean FROM jimo.survey_ratings_trend WHERE grain = 'month' ORDER BY 1$$,
    $$VALUES ('c7c7c7c7-0000-4000-8000-000000000001', 3::bigint, 3.67::numeric),
             ('c7c7c7c7-0000-4000-8000-000000000002', 5::bigint, round((2e1000 + 3) / 5, 2)),
             ('c7c7c7c7-0000-4000-8000-000000000003', 2::bigint, round((1e1000 + 3) / 2, 2))$$,
    'the trend''s means too');
SELECT is((SELECT median FROM jimo.survey_ratings WHERE experience_uid = 'c7c7c7c7-0000-4000-8000-000000000002'),
          'Infinity'::double precision, 'the median is as before: beyond double precision an answer sorts as +-Infinity');
SELECT ok((SELECT scale_max_seen = repeat('9', 131072)::numeric AND scale_min_seen = ('-' || repeat('9', 131072))::numeric
           FROM jimo.survey_ratings WHERE experience_uid = 'c7c7c7c7-0000-4000-8000-000000000002'),
          'the scale seen keeps the answers whole');
SELECT is((SELECT count(*) FROM jimo.survey_answers WHERE answer_number = repeat('9', 131072)::numeric),
          3::bigint, 'and so does jimo.survey_answers');

SELECT * FROM finish();
ROLLBACK;
