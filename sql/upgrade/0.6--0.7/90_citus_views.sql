-- On a distributed database, the views replaced above that have a Citus form
-- of their own (time_to_complete, survey_ratings) get it back, once, after
-- every fragment (jimo.use_citus_views(), as jimo.distribute() gives it).
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
