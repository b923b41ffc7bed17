-- The survey trends with answers at the ends of the accepted times.  An answer
-- of the year 275760 (time 8640000000000000 ms, the largest accepted) made
-- survey_nps_trend and survey_ratings_trend generate every week and month from
-- the step's first answer to it, 14 million weeks, and not answer in 120 s
-- (an audit of 0.15).  Since 0.16 the periods outside 2000 .. a year from now
-- are only those the answers fall in (jimo.answer_periods).
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;
SET LOCAL TimeZone = 'UTC';

SELECT plan(6);

CREATE TEMP TABLE bodies AS
SELECT n, format('{"event":"survey.step.answered","time":%s,"experience":{"uid":"0814ae77-568d-41c0-912a-0b4c63dc03ff","type":"SURVEY"},"jimer":{"uid":"37dff65e-434d-4454-bb57-a1167fefbb%s"},"step":{"uid":"%s","type":"%s"},"answer":%s}',
              t, lpad(n::text, 2, '0'), step, typ, answer) AS body
FROM (VALUES (1, 1740000000000, 'q1', 'NPS', 10), (2, 1740003600000, 'q1', 'NPS', 3),
             (3, 8640000000000000, 'q1', 'NPS', 10), (4, 1000, 'q1', 'NPS', 9),
             (5, 1740000000000, 'q2', 'OPINION_SCALE', 4), (6, 8640000000000000, 'q2', 'OPINION_SCALE', 2))
     AS v(n, t, step, typ, answer);
SELECT is((SELECT string_agg(status, ' ' ORDER BY ord) FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY n))),
          'stored stored stored stored stored stored', 'answers of 1970, 2025 and the year 275760 stored');

SET LOCAL statement_timeout = '20s';
SELECT is((SELECT string_agg(extract(year FROM period_start)::int || '-' || to_char(period_start, 'MM-DD') || ' ' || responses || ' ' || nps, ', ' ORDER BY period_start)
           FROM jimo.survey_nps_trend WHERE step_uid = 'q1' AND grain = 'month'),
          '1970-01-01 1 100.0, 2025-02-01 2 0.0, 275760-09-01 1 100.0',
          'survey_nps_trend by month: the three months that hold answers, in 20 s at most');
SELECT is((SELECT count(*)::int FROM jimo.survey_nps_trend WHERE step_uid = 'q1' AND grain = 'week'), 3,
          'and its weeks: three');
SELECT is((SELECT string_agg(extract(year FROM period_start)::int || '-' || to_char(period_start, 'MM') || ' ' || responses || ' ' || mean, ', ' ORDER BY period_start)
           FROM jimo.survey_ratings_trend WHERE step_uid = 'q2' AND grain = 'month'),
          '2025-02 1 4.00, 275760-09 1 2.00', 'survey_ratings_trend by month: the two months that hold answers');
-- every period between 2000 and a year from now is still a period, as before 0.16
SELECT is((SELECT count(*)::int FROM jimo.answer_periods('month', '0814ae77-568d-41c0-912a-0b4c63dc03ff', 'q1',
                                                          '2001-01-15', '2001-12-15')),
          12, 'answer_periods: every month from the first answer''s to the last''s within 2000 .. a year from now');
SELECT is((SELECT count(*)::int FROM jimo.answer_periods('week', '0814ae77-568d-41c0-912a-0b4c63dc03ff', 'q1',
                                                          '1970-01-01 00:00:01+00', '275760-09-13 00:00+00')),
          (SELECT count(*)::int FROM generate_series(date_trunc('week', timestamptz '2000-01-01 00:00+00'), now() + interval '1 year', '1 week')) + 2,
          'over 1970 .. 275760: the weeks of 2000 .. a year from now, and the two weeks of the answers outside');
SELECT * FROM finish();
ROLLBACK;
