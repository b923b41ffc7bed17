-- On a distributed database, the views replaced above that have a form of
-- their own for Citus (jimo.use_citus_views(): survey_ratings) get it back;
-- the other rewritten views are planned by Citus as they are written (and
-- time_to_complete's one-node form is now its Citus form).
DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF distributed THEN
        PERFORM jimo.use_citus_views();
    END IF;
END
$$;
