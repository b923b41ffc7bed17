-- jimo.event_funnel / experience_event_funnel: a steps array that does not
-- start at 1 (passed whole, VARIADIC '[5:6]={a,b}') is read from its first
-- element, and one of two dimensions is refused; 0.15 read NULL step names
-- for both and counted nobody (found by an audit).
CREATE OR REPLACE FUNCTION jimo.experience_event_funnel(experience uuid, funnel_window interval,
    VARIADIC step_events text[])
    RETURNS TABLE (step integer, event_name text, jimers bigint,
                   conversion_from_first numeric, conversion_from_previous numeric)
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    n integer := coalesce(cardinality(step_events), 0);
BEGIN
    IF funnel_window IS NULL THEN
        RAISE EXCEPTION 'jimo.event_funnel: the window must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    ELSIF funnel_window <= interval '0' THEN
        -- as jimo.window_funnel would, but also when no event matches
        RAISE EXCEPTION 'jimo.event_funnel: the window must be positive, got "%"', funnel_window
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The window is the longest time allowed from the first step to the last, e.g. ''7 days''.';
    ELSIF n = 0 THEN
        RAISE EXCEPTION 'jimo.event_funnel: at least one step event is needed'
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF n > 32 THEN
        RAISE EXCEPTION 'jimo.event_funnel: at most 32 steps, got %', n
            USING ERRCODE = 'too_many_arguments';
    ELSIF array_ndims(step_events) > 1 THEN
        RAISE EXCEPTION 'jimo.event_funnel: the step events must be a list, got an array of % dimensions',
                        array_ndims(step_events)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- step i is step_events[i]: an array passed whole may start elsewhere
    -- than 1 ('[5:6]={a,b}'; 0.15 read NULL names for it and counted nobody)
    step_events := ARRAY(SELECT unnest(step_events));
    RETURN QUERY EXECUTE format($q$
        WITH levels AS (
            SELECT jimo.window_funnel($2, e.occurred_at, %s) AS level
            FROM jimo.events e
            WHERE e.jimer_uid IS NOT NULL AND e.name = ANY ($3) %s
            GROUP BY e.jimer_uid
        ), reached AS (
            SELECT s.i AS step, $3[s.i] AS event_name, coalesce(sum(l.n), 0)::bigint AS jimers
            FROM generate_series(1, %s) AS s(i)
            LEFT JOIN (SELECT level, count(*) AS n FROM levels GROUP BY level) l ON l.level >= s.i
            GROUP BY s.i
        )
        SELECT step, event_name, jimers,
               round(jimers / nullif(first_value(jimers) OVER w, 0)::numeric, 4),
               round(jimers / nullif(lag(jimers) OVER w, 0)::numeric, 4)
        FROM reached
        WINDOW w AS (ORDER BY step)
        ORDER BY step
        $q$,
        (SELECT string_agg(format('e.name = $3[%s]', i), ', ' ORDER BY i)
         FROM generate_series(1, n) AS i),
        CASE WHEN experience IS NOT NULL THEN 'AND e.experience_uid = $1' ELSE '' END,
        n)
    USING experience, funnel_window, step_events;
END
$$;
