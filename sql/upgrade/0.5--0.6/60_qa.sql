-- QA round 6: jimo.survey_choices counted an option as often as one answer
-- listed it (["red", "red"] made two selections of red); it counts each
-- option once per answer now. Same columns: replaced in place, comments kept.
-- (With the join of answers to their step of 31_survey_views.sql.)
CREATE OR REPLACE VIEW jimo.survey_choices AS
SELECT
    c.experience_uid,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    c.step_uid,
    c.choice,
    c.selections,
    c.respondents,
    t.respondents AS step_respondents,
    round(c.respondents::numeric / nullif(t.respondents, 0), 4) AS share_of_respondents,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
FROM (
    SELECT a.experience_uid, a.step_uid, o.choice,
           count(*) AS selections,
           count(DISTINCT a.jimer_uid) AS respondents
    FROM jimo.survey_answers a
    JOIN jimo.survey_step_scales k
      ON k.is_choice
     AND coalesce(k.experience_uid::text, '') = coalesce(a.experience_uid::text, '')
     AND coalesce(k.step_uid, '') = coalesce(a.step_uid, '')
     AND (k.step_uid IS NULL) = (a.step_uid IS NULL)
    -- each option once per answer: an answer that lists it twice chose it once
    CROSS JOIN LATERAL (SELECT DISTINCT u.choice
                        FROM unnest(coalesce(a.answer_choices, ARRAY[a.answer_text])) AS u(choice)) AS o
    WHERE o.choice IS NOT NULL
    GROUP BY a.experience_uid, a.step_uid, o.choice
) c
JOIN (
    SELECT a.experience_uid, a.step_uid, count(DISTINCT a.jimer_uid) AS respondents
    FROM jimo.survey_answers a
    GROUP BY a.experience_uid, a.step_uid
) t ON coalesce(t.experience_uid::text, '') = coalesce(c.experience_uid::text, '')
   AND coalesce(t.step_uid, '') = coalesce(c.step_uid, '')
   AND (t.step_uid IS NULL) = (c.step_uid IS NULL)
LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid;
