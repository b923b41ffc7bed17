-------------------------------------------------------------------------------
-- Helpers the views share.
-------------------------------------------------------------------------------

-- The tag names of an experience's latest snapshot, as a text array. In C
-- (src/tags.c, 0.7): as SQL with an aggregate it could not be inlined, and
-- journey_conversions calls it on every row.
CREATE FUNCTION jimo.tag_names(tags jsonb) RETURNS text[]
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_tag_names';
COMMENT ON FUNCTION jimo.tag_names(jsonb) IS
'Names of the tags in an experience''s tags array ([{uid, name}, ...]), in order; NULL when there are none';

-- When the conversion window of a first start closes: the start plus
-- jimo.funnel_window as an elapsed duration, a day 24 hours and a month 30
-- days, as interval comparison counts them (journey_conversions compares
-- completed - started with the window). timestamptz + interval adds days and
-- months in the session's TimeZone and calendar instead, so a window of
-- '1 mon' from Jan 31 closed on Feb 28 (conversions counted until Mar 2) and
-- a '1 day' window closed an hour off across a DST change (0.7). A plain SQL
-- function of its arguments: inlined.
CREATE FUNCTION jimo.funnel_window_end(started timestamptz, funnel_window interval)
    RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT started
           + ((extract(year FROM funnel_window) * 12 + extract(month FROM funnel_window)) * 30
              + extract(day FROM funnel_window))::double precision * interval '24 hours'
           + (funnel_window - date_trunc('day', funnel_window))
$$;
COMMENT ON FUNCTION jimo.funnel_window_end(timestamptz, interval) IS
'The moment a conversion window opened at started closes: started plus the window as elapsed time (a day 24 hours, a month 30 days, whatever the session''s TimeZone), the last moment a completion still converts';

-- The answers of one survey step, for the views that summarise a step at a
-- time (0.12): an index range of each month's (experience_uid, step_uid,
-- answered_at) index, instead of every answer of every step joined to its
-- step.  Survey and step may each be NULL, and NULL matches NULL, as in
-- jimo.survey_step_scales; each case is an index condition of its own (the
-- branches are disjoint).  since/until bound the answer time (a period of a
-- trend): the months outside are not read, and inside a month only the
-- period's range of the index.  A SQL function of its arguments only,
-- inlined into the view (parameters are qualified: survey_answers has a
-- column named step).
CREATE FUNCTION jimo.step_answers(experience uuid, step text,
                                  since timestamptz DEFAULT '-infinity',
                                  until timestamptz DEFAULT 'infinity')
    RETURNS SETOF jimo.survey_answers
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT * FROM jimo.survey_answers a
     WHERE a.experience_uid = step_answers.experience AND a.step_uid = step_answers.step
       AND a.answered_at >= step_answers.since AND a.answered_at < step_answers.until
    UNION ALL
    SELECT * FROM jimo.survey_answers a
     WHERE step_answers.step IS NULL AND a.experience_uid = step_answers.experience AND a.step_uid IS NULL
       AND a.answered_at >= step_answers.since AND a.answered_at < step_answers.until
    UNION ALL
    SELECT * FROM jimo.survey_answers a
     WHERE step_answers.experience IS NULL AND a.experience_uid IS NULL AND a.step_uid IS NOT DISTINCT FROM step_answers.step
       AND a.answered_at >= step_answers.since AND a.answered_at < step_answers.until
$$;
COMMENT ON FUNCTION jimo.step_answers(uuid, text, timestamptz, timestamptz) IS
'The answers of one survey step (NULL survey or step matching NULL) answered in [since, until): what the per-step survey views read, one index range per month';

-- The weeks or months (grain) from the one of first_at to the one of
-- last_at, in the session's time zone: the periods of a trend.  Not inlined
-- (SET): as generate_series the planner took it for 1 000 rows per step, and
-- the cost of reading each period's answers switched on JIT compilation,
-- which took 1.5 s for a query of 55 ms.
CREATE FUNCTION jimo.answer_periods(grain text, first_at timestamptz, last_at timestamptz)
    RETURNS SETOF timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 8
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT generate_series(date_trunc(grain, first_at), last_at, ('1 ' || grain)::interval)
$$;
COMMENT ON FUNCTION jimo.answer_periods(text, timestamptz, timestamptz) IS
'The starts of the weeks or months (grain) from the one holding first_at to the one holding last_at, in the session''s time zone: the periods of the survey trends';

-- The same periods for one step, without the empty ones past a bound: every
-- week or month from 2000 to a year from now that the step's first and last
-- answers span, and beyond those bounds only the periods its answers fall in.
-- An answer is accepted up to the year 275760; one there made the trends
-- generate 14 million weeks for its step (an audit of 0.15: over 120 s).
CREATE FUNCTION jimo.answer_periods(grain text, survey uuid, step text,
                                    first_at timestamptz, last_at timestamptz)
    RETURNS SETOF timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE ROWS 8
    SET search_path = pg_catalog, pg_temp
AS $$
    WITH b AS (SELECT greatest(first_at, timestamptz '2000-01-01 00:00+00') AS lo,
                      least(last_at, now() + interval '1 year') AS hi)
    SELECT generate_series(date_trunc(grain, b.lo), b.hi, ('1 ' || grain)::interval)
    FROM b WHERE b.lo <= b.hi
    UNION
    SELECT date_trunc(grain, a.answered_at)
    FROM b, jimo.step_answers(survey, step, first_at, b.lo) a
    UNION
    SELECT date_trunc(grain, a.answered_at)
    FROM b, jimo.step_answers(survey, step, b.hi, last_at + interval '1 microsecond') a
$$;
COMMENT ON FUNCTION jimo.answer_periods(text, uuid, text, timestamptz, timestamptz) IS
'The starts of the weeks or months (grain) of a survey step''s answers, in the session''s time zone: every one from the period of its first answer to that of its last between 2000 and a year from now, and outside that only those its answers fall in (0.16): the periods of the survey trends';
