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
