-- A JSON number in exponent form is a few bytes in a body and as many digits as
-- its exponent once written out: numeric_out writes 1e131071 as 131 072
-- characters.  Before 0.15, one stored body whose tags were 8 300 such names
-- made every view that shows tags fail (a text array over 1 GB), and a 9 kB
-- survey answer of 1 000 of them took 4.5 s and 131 MB of answer text (90 kB:
-- 1.5 GB of memory, then rejected; under a memory cap the whole call failed).
-- Numbers of magnitude 1e40 and over, or under 1e-40, are now written in
-- exponent form wherever the extension makes text of them (tag names, answer
-- text and choices, experience_tags through jimo.json_text), and the others
-- exactly as ->> writes them.
-- Since 0.16 a body whose numbers would write out to more than twice its
-- length plus 1 MB is rejected (number_text.c): stored, 8 300 of them made its
-- payload over 1 GB as text, and SELECT payload and pg_dump failed.  A few are
-- stored; the views are checked on 8 300 as a database of 0.15 may hold them.
BEGIN;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS jimo_webhooks;

SELECT plan(17);

-- jimo.json_text is ->> for every value in range, whatever its type and scale
CREATE TEMP TABLE vals (v jsonb);
INSERT INTO vals VALUES ('"x"'), ('""'), ('"r\u00e9tention"'), ('true'), ('false'), ('{"a": [1, null]}'),
    ('[1, "b"]'), ('0'), ('-0'), ('0.000'), ('1.50'), ('-12345.678'), ('1e39'), ('-9.999999e39'),
    ('1e-40'), ('-1.5e-40'), ('123456789012345678901234567890123456789'), ('0.1e-39');
-- magnitudes from 1e-38 to 1e39, both signs
INSERT INTO vals SELECT to_jsonb(((CASE WHEN random() < 0.5 THEN -1 ELSE 1 END) * (0.1 + random() * 0.8)
                                  * 10 ^ (random() * 76 - 37))::numeric) FROM generate_series(1, 500);
SELECT is((SELECT count(*)::int FROM vals WHERE jimo.json_text(v) IS DISTINCT FROM (jsonb_build_array(v) ->> 0)), 0,
          'jimo.json_text gives what ->> gives for every string, boolean, container and number in range');
SELECT is(jimo.json_text('null'), NULL, 'JSON null: NULL, as ->>');
SELECT is(ARRAY[jimo.json_text('1e40'), jimo.json_text('-1e40'), jimo.json_text('1e131071'),
                jimo.json_text('1e-41'), jimo.json_text('-2.5e-16000'),
                jimo.json_text('123456789012345678901234567890e100'), jimo.json_text('1.50e45')],
          ARRAY['1e+40', '-1e+40', '1e+131071', '1e-41', '-2.5e-16000', '1.234567890123457e+129', '1.5e+45'],
          'beyond 1e40 and below 1e-40: exponent form, at most 16 significant digits, no trailing zeros');
SELECT is(jimo.tag_names('[{"name": 1e131071}, {"name": 1e39}, {"name": "beta"}]'),
          ARRAY['1e+131071', '1000000000000000000000000000000000000000', 'beta'], 'tag_names: the same rule');

-- In one call: 8 300 such tag names, and a survey answer of 10 000 of them (90 kB),
-- both rejected alone; an ordinary event; five such tag names and an answer of five,
-- stored.
CREATE TEMP TABLE bodies AS
SELECT 1 AS ord, format('{"event":"tour.started","time":1740000000999,"experience":{"uid":"bbbbbbbb-1111-1111-1111-111111111111","type":"TOUR","title":"T","tags":[%s,{"uid":12345.678,"name":"beta"}]},"jimer":{"uid":"cccccccc-2222-2222-2222-222222222222"}}',
                        (SELECT string_agg('{"uid":1e-16000,"name":1e131071}', ',') FROM generate_series(1, 8300))) AS body
UNION ALL
SELECT 2, '{"event":"tour.started","time":1740000001000,"experience":{"uid":"dddddddd-1111-1111-1111-111111111111","type":"TOUR","title":"U"},"jimer":{"uid":"cccccccc-2222-2222-2222-222222222222"}}'
UNION ALL
SELECT 3, format('{"event":"survey.step.answered","time":1740000002000,"experience":{"uid":"eeeeeeee-1111-1111-1111-111111111111","type":"SURVEY","title":"S"},"jimer":{"uid":"cccccccc-2222-2222-2222-222222222222"},"step":{"uid":"ffffffff-1111-1111-1111-111111111111","type":"MULTIPLE_CHOICE","position":1},"answer":[%s]}',
                 (SELECT string_agg('1e131071', ',') FROM generate_series(1, 10000)))
UNION ALL
SELECT 4, format('{"event":"tour.started","time":1740000003000,"experience":{"uid":"bbbbbbbb-1111-1111-1111-111111111112","type":"TOUR","title":"T5","tags":[%s,{"uid":12345.678,"name":"beta"}]},"jimer":{"uid":"cccccccc-2222-2222-2222-222222222222"}}',
                 (SELECT string_agg('{"uid":1e-40,"name":1e131071}', ',') FROM generate_series(1, 5)))
UNION ALL
SELECT 5, format('{"event":"survey.step.answered","time":1740000004000,"experience":{"uid":"eeeeeeee-1111-1111-1111-111111111111","type":"SURVEY","title":"S"},"jimer":{"uid":"cccccccc-2222-2222-2222-222222222223"},"step":{"uid":"ffffffff-1111-1111-1111-111111111111","type":"MULTIPLE_CHOICE","position":1},"answer":[%s]}',
                 (SELECT string_agg('1e131071', ',') FROM generate_series(1, 5)));
SELECT is((SELECT string_agg(status, ' ' ORDER BY ord) FROM jimo.receive_batch(ARRAY(SELECT body FROM bodies ORDER BY ord))),
          'rejected stored rejected stored stored', 'in one call: the two bodies of thousands of such numbers rejected alone, the others stored');
SELECT is((SELECT count(*)::int FROM jimo.rejected
            WHERE sqlstate = '54000' AND error LIKE 'jimo: the numbers of this body would be over % characters written out as text%'),
          2, 'rejected as too long written out (54000), and kept');
SELECT is((SELECT count(*)::int FROM jimo.rejected WHERE body IN (SELECT body FROM bodies WHERE ord IN (1, 3))), 2,
          'both kept as they came');
SELECT lives_ok('SELECT payload::text FROM jimo.events', 'every stored payload can be read as text (pg_dump''s COPY writes it so)');
-- five names of 131 072 digits, five uids of 1e-40 (42 characters), the JSON around them
SELECT is((SELECT max(length(payload::text)) FROM jimo.events), 655921, 'the largest, five tags of 1e131071: 656 kB written out');
SELECT is((SELECT length(answer_text) || ' ' || cardinality(answer_choices) FROM jimo.survey_answers),
          '53 5', 'the stored survey answer: 5 choices, its text short (five 1e+131071 and their separators)');

-- The views over 8 301 such tag names, as a database of 0.15 may hold them (its
-- ingest stored such bodies): put on the experience stored above.
UPDATE jimo.experiences
   SET tags = (SELECT jsonb_agg(t) FROM (SELECT '{"uid":1e-16000,"name":1e131071}'::jsonb AS t FROM generate_series(1, 8300)
                                         UNION ALL SELECT '{"uid":12345.678,"name":"beta"}') x)
 WHERE uid = 'bbbbbbbb-1111-1111-1111-111111111112';
SELECT is((SELECT cardinality(tags) FROM jimo.all_experiences WHERE experience_uid = 'bbbbbbbb-1111-1111-1111-111111111112'),
          8301, 'all_experiences shows the 8 301 tags');
SELECT is((SELECT max(length(t)) FROM jimo.all_experiences, unnest(tags) t), 9, 'each name at most 9 characters (1e+131071)');
SELECT lives_ok('SELECT * FROM jimo.tour_funnel', 'SELECT * FROM tour_funnel runs');
SELECT lives_ok('SELECT * FROM jimo.tour_funnel_daily', 'SELECT * FROM tour_funnel_daily runs');
SELECT lives_ok('SELECT * FROM jimo.journey_conversions', 'SELECT * FROM journey_conversions runs');
SELECT is((SELECT count(*)::int || ' ' || max(length(name)) || ' ' || max(length(tag_uid)) FROM jimo.experience_tags),
          '8301 9 9', 'experience_tags: every tag, names and uids in exponent form');
SELECT is((SELECT name || ' ' || tag_uid FROM jimo.experience_tags WHERE name = 'beta'), 'beta 12345.678',
          'the ordinary tag as ->> gives it');

SELECT * FROM finish();
ROLLBACK;
