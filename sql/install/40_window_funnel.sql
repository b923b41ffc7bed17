-------------------------------------------------------------------------------
-- Ordered funnels over any events: jimo.window_funnel, ClickHouse's
-- windowFunnel as an aggregate (src/funnel.c says exactly what each mode
-- does), and jimo.event_funnel / jimo.experience_event_funnel, which run it
-- over jimo.events per jimer.
-------------------------------------------------------------------------------

-- Support functions of the aggregate.  The state is internal: the rows of a
-- group that matched a step, as (time, steps bitmask) pairs.
CREATE FUNCTION jimo.window_funnel_transition(state internal, funnel_window interval,
    ts timestamptz, steps boolean[])
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_trans'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_transition(internal, interval, timestamptz, boolean[]) IS
'Transition function of jimo.window_funnel(interval, timestamptz, boolean[]): adds one row to the group';

CREATE FUNCTION jimo.window_funnel_transition(state internal, funnel_window interval,
    mode text, ts timestamptz, steps boolean[])
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_trans_mode'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_transition(internal, interval, text, timestamptz, boolean[]) IS
'Transition function of jimo.window_funnel(interval, text, timestamptz, boolean[]): adds one row to the group';

CREATE FUNCTION jimo.window_funnel_final(state internal)
    RETURNS integer
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_final'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_final(internal) IS
'Final function of jimo.window_funnel: the number of steps reached (0 for an empty group)';

CREATE FUNCTION jimo.window_funnel_combine(state1 internal, state2 internal)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_combine'
    LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_combine(internal, internal) IS
'Combine function of jimo.window_funnel: merges the states of two parallel workers';

CREATE FUNCTION jimo.window_funnel_serialize(state internal)
    RETURNS bytea
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_serialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_serialize(internal) IS
'Serialization function of jimo.window_funnel (state of a parallel worker to bytes)';

CREATE FUNCTION jimo.window_funnel_deserialize(state bytea, unused internal)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'jimo_window_funnel_deserialize'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION jimo.window_funnel_deserialize(bytea, internal) IS
'Deserialization function of jimo.window_funnel (bytes back to a state)';

-- The final function leaves the state as it is (READ_ONLY, the default), so
-- the aggregate also works as a window function.  SSPACE is the state of a
-- group with a few matching rows (about 250 bytes), so that the planner's
-- memory estimate lets it hash many groups (it assumes far more otherwise).
CREATE AGGREGATE jimo.window_funnel(funnel_window interval, ts timestamptz,
    VARIADIC steps boolean[]) (
    SFUNC = jimo.window_funnel_transition,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = jimo.window_funnel_final,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = jimo.window_funnel_combine,
    SERIALFUNC = jimo.window_funnel_serialize,
    DESERIALFUNC = jimo.window_funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE jimo.window_funnel(interval, timestamptz, boolean[]) IS
'Ordered funnel (ClickHouse windowFunnel, default mode): how many of the steps, in order, were reached with every step at most funnel_window after the first; rows in any order; NULL steps are false, rows with a NULL ts are ignored; 1 to 32 steps';

CREATE AGGREGATE jimo.window_funnel(funnel_window interval, mode text, ts timestamptz,
    VARIADIC steps boolean[]) (
    SFUNC = jimo.window_funnel_transition,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = jimo.window_funnel_final,
    FINALFUNC_MODIFY = READ_ONLY,
    COMBINEFUNC = jimo.window_funnel_combine,
    SERIALFUNC = jimo.window_funnel_serialize,
    DESERIALFUNC = jimo.window_funnel_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE jimo.window_funnel(interval, text, timestamptz, boolean[]) IS
'Ordered funnel (ClickHouse windowFunnel) with a mode: a comma-separated list of strict_deduplication, strict_order, strict_increase, strict_once, allow_reentry (with strict_order), or '''' for the default';

-- One row per step: how many jimers reached at least that step, in order,
-- within funnel_window after their step 1.  Step i is "jimo.events.name =
-- step_events[i]", default mode, one funnel per jimer (jimer_uid not null).
-- The query is built for the number of steps, so that each row costs one
-- comparison per step; rows matching no step are left out before the
-- aggregate, as they change nothing in the default mode.  NULL experience:
-- every experience.
CREATE FUNCTION jimo.experience_event_funnel(experience uuid, funnel_window interval,
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
COMMENT ON FUNCTION jimo.experience_event_funnel(uuid, interval, text[]) IS
'As jimo.event_funnel, counting only the events of one experience (NULL: every experience)';

CREATE FUNCTION jimo.event_funnel(funnel_window interval, VARIADIC step_events text[])
    RETURNS TABLE (step integer, event_name text, jimers bigint,
                   conversion_from_first numeric, conversion_from_previous numeric)
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT * FROM jimo.experience_event_funnel(NULL, funnel_window, VARIADIC step_events)
$$;
COMMENT ON FUNCTION jimo.event_funnel(interval, text[]) IS
'Ordered funnel over jimo.events, one row per step: jimers who reached at least that step (event name = step_events[i]) in order, every step within funnel_window after their step 1 (jimo.window_funnel, default mode), and the share of step 1 and of the step before; e.g. event_funnel(''7 days'', ''tour.completed'', ''survey.completed'')';
