-------------------------------------------------------------------------------
-- Citus: the same schema spread over workers.
--
-- jimo.distribute() turns a database with this extension, on a Citus
-- coordinator that has workers, into the distributed layout: everything that
-- grows with jimers (events, facts, journeys, step journeys, seen days and
-- the jimers themselves) is sharded by jimer and colocated, so that a jimer's
-- rows are on one worker and ingest, journeys and funnels join there; the
-- small tables the views join to (experiences, projects, users, survey steps,
-- per-day reach totals) become reference tables, a copy on every node.
-- Tables that only the coordinator writes and reads alone (rejected bodies,
-- the delivery rollup, expired months) stay local to the coordinator.
--
-- Citus never recreates a table that belongs to an extension on the workers:
-- the schema distributed is the one CREATE EXTENSION made, which is why every
-- unique key of a sharded table already holds its shard column (jimer_key or
-- jimer_uid, never NULL) on one node too.  Ingest must go through the
-- coordinator: event ids come from the coordinator's sequence (a worker's
-- copy of the sequence would start again at 1).
-------------------------------------------------------------------------------

-- The layout: each table, how it is placed, and its shard column.
CREATE FUNCTION jimo.citus_tables(OUT table_name name, OUT placement text,
                                  OUT shard_column name)
    RETURNS SETOF record
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    -- jimers first: the others are colocated with it
    VALUES ('jimers'::name, 'distributed'::text, 'uid'::name),
           ('events', 'distributed', 'jimer_key'),
           ('survey_answers', 'distributed', 'jimer_key'),
           ('checklist_tasks', 'distributed', 'jimer_key'),
           ('post_comments', 'distributed', 'jimer_key'),
           ('post_likes', 'distributed', 'jimer_key'),
           ('journeys', 'distributed', 'jimer_uid'),
           ('survey_step_journeys', 'distributed', 'jimer_uid'),
           ('seen_days', 'distributed', 'jimer_uid'),
           ('experiences', 'reference', NULL),
           ('projects', 'reference', NULL),
           ('users', 'reference', NULL),
           ('survey_steps', 'reference', NULL),
           ('seen_day_totals', 'reference', NULL),
           ('rejected', 'coordinator', NULL),
           ('delivery_days', 'coordinator', NULL),
           ('delivery_lags', 'coordinator', NULL),
           ('expired_months', 'coordinator', NULL),
           ('survey_step_stats', 'coordinator', NULL),
           ('funnel_cohort_marks', 'coordinator', NULL),
           ('funnel_cohort_cache', 'coordinator', NULL),
           ('funnel_cohort_state', 'coordinator', NULL),
           ('jimer_journey_counts', 'coordinator', NULL)
$$;
COMMENT ON FUNCTION jimo.citus_tables() IS 'How jimo.distribute() places each table on Citus: distributed by its shard column and colocated with jimo.jimers, a reference table on every node, or local to the coordinator';

CREATE FUNCTION jimo.distribute(shard_count integer DEFAULT NULL,
    OUT table_name name, OUT placement text, OUT shard_column name, OUT changed boolean)
    RETURNS SETOF record
    LANGUAGE plpgsql VOLATILE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    t record;
    workers bigint;
    rel regclass;
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'jimo.distribute: Citus is not installed in this database'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'On the Citus coordinator: shared_preload_libraries = ''citus'', CREATE EXTENSION citus, add the workers with citus_add_node(), then call jimo.distribute(). A single node needs none of this.';
    END IF;
    -- Citus' catalog exists only with Citus: read it through EXECUTE.
    EXECUTE 'SELECT count(*) FROM pg_dist_node WHERE noderole = ''primary'' AND isactive AND groupid <> 0'
        INTO workers;
    IF workers = 0 THEN
        RAISE EXCEPTION 'jimo.distribute: this Citus coordinator has no workers'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add them first, e.g. SELECT citus_add_node(''worker-1'', 5432), on the coordinator.';
    END IF;
    IF NOT (SELECT citus_is_coordinator()) THEN
        RAISE EXCEPTION 'jimo.distribute: this node is not the Citus coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Call it on the coordinator; ingest must go through the coordinator too.';
    END IF;
    FOR t IN SELECT * FROM jimo.citus_tables() LOOP
        rel := format('jimo.%I', t.table_name)::regclass;
        table_name := t.table_name;
        placement := t.placement;
        shard_column := t.shard_column;
        changed := false;
        IF t.placement <> 'coordinator'
           AND NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = rel) THEN
            IF t.placement = 'reference' THEN
                PERFORM create_reference_table(rel);
            ELSIF t.table_name = 'jimers' THEN
                PERFORM create_distributed_table(rel, t.shard_column::text,
                                                 colocate_with => 'none',
                                                 shard_count => shard_count);
            ELSE
                PERFORM create_distributed_table(rel, t.shard_column::text,
                                                 colocate_with => 'jimo.jimers');
            END IF;
            changed := true;
        END IF;
        RETURN NEXT;
    END LOOP;
    -- every time: an ALTER EXTENSION UPDATE may have put back the one-node text
    PERFORM jimo.use_citus_views();
END
$$;
COMMENT ON FUNCTION jimo.distribute(integer) IS 'On a Citus coordinator with workers: distribute the jimo tables by jimer (colocated) and make the small ones reference tables, as jimo.citus_tables() says; shard_count (default citus.shard_count) applies when the tables are first distributed; then the views Citus cannot plan as written get definitions it can (jimo.use_citus_views()). Idempotent: a table already placed is left alone.';
