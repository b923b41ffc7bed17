-- QA round 6: jimo.survey_choices counted an option as often as one answer
-- listed it (["red", "red"] made two selections of red); it counts each
-- option once per answer now. Same columns: replaced in place, comments kept.
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
     AND k.experience_uid IS NOT DISTINCT FROM a.experience_uid
     AND k.step_uid IS NOT DISTINCT FROM a.step_uid
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
) t ON t.experience_uid IS NOT DISTINCT FROM c.experience_uid
   AND t.step_uid IS NOT DISTINCT FROM c.step_uid
LEFT JOIN jimo.experiences x ON x.uid = c.experience_uid;
