-- A survey step whose answers carry an NPS type and another type (an author who
-- turned an NPS step into a 1-5 opinion scale, keeping its uid) is not NPS: 0.14
-- took a step for NPS when any answer's type said so, and counted a 3 sent as
-- OPINION_SCALE as a detractor (found by an audit of the views).  Its answers are
-- numbers, so it is a rating.  A step whose typed answers all say NPS stays NPS,
-- with untyped answers beside them too; and the outcome is the same in any order.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(8);

CREATE FUNCTION pg_temp.answer(step text, type text, answer text, t bigint, jimer int) RETURNS text
LANGUAGE sql AS $$
SELECT format('{"event":"survey.step.answered","version":"0","time":%s,'
              '"experience":{"uid":"00000000-0000-4000-8000-000000000002","type":"SURVEY","title":"Surv","state":"LIVE"},'
              '"jimer":{"uid":"00000000-0000-4000-8000-%s"},'
              '"step":{"uid":"%s","title":"%s"%s},"answer":%s}',
              t, lpad(jimer::text, 12, '0'), step, step,
              CASE WHEN type IS NULL THEN '' ELSE format(',"type":"%s"', type) END, answer)
$$;

CREATE TEMP TABLE bodies AS
SELECT * FROM (VALUES
    -- mixed: NPS first, then OPINION_SCALE
    (1, pg_temp.answer('mixed', 'NPS', '9', 1740787260000, 1)),
    (2, pg_temp.answer('mixed', 'OPINION_SCALE', '3', 1740787320000, 2)),
    -- NPS in every typed answer, one answer untyped
    (3, pg_temp.answer('nps', 'NPS', '10', 1740787260000, 1)),
    (4, pg_temp.answer('nps', NULL, '2', 1740787320000, 2)),
    (5, pg_temp.answer('nps', 'nps', '8', 1740787380000, 3))
) b(ord, body);

CREATE TEMP TABLE forward AS
SELECT * FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY ord));
SELECT is((SELECT string_agg(status, ' ' ORDER BY ord) FROM forward), 'stored stored stored stored stored', 'five answers stored');

SELECT is((SELECT is_nps::text || ' ' || is_rating::text || ' ' || nps_typed::text || ' ' || step_type
             FROM jimo.survey_step_scales WHERE step_uid = 'mixed'),
          'false true false OPINION_SCALE', 'the step sent as NPS and as OPINION_SCALE: not NPS, a rating');
SELECT is((SELECT count(*)::int FROM jimo.survey_nps WHERE step_uid = 'mixed'), 0, 'survey_nps does not show it');
SELECT is((SELECT responses || ' ' || mean FROM jimo.survey_ratings WHERE step_uid = 'mixed'), '2 6.00',
          'survey_ratings shows its two answers');
SELECT is((SELECT is_nps::text || ' ' || nps_typed::text FROM jimo.survey_step_scales WHERE step_uid = 'nps'),
          'true true', 'a step whose typed answers all say NPS (any case), an untyped one beside: NPS');
SELECT is((SELECT responses || ' ' || promoters || ' ' || passives || ' ' || detractors || ' ' || nps
             FROM jimo.survey_nps WHERE step_uid = 'nps'), '3 1 1 1 0.0', 'its NPS counts every answer');

-- the same answers in the opposite order, each sent twice, in another database state
CREATE TEMP TABLE before AS
SELECT step_uid, is_nps, is_rating, nps_typed, step_type FROM jimo.survey_step_scales;
TRUNCATE jimo.survey_step_stats;
DELETE FROM jimo.survey_answers;
DELETE FROM jimo.events;
SELECT is((SELECT count(*)::int FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies, generate_series(1, 2) ORDER BY ord DESC))), 10,
          'the answers again, newest first, each twice');
SELECT is((SELECT count(*)::int FROM (SELECT step_uid, is_nps, is_rating, nps_typed, step_type FROM jimo.survey_step_scales
                                     EXCEPT SELECT * FROM before) d), 0, 'the same scales in the other order');

SELECT * FROM finish();
ROLLBACK;
