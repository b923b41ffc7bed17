-- The three cohort indexes of jimo.journeys hold only journeys that belong to
-- a cohort (started, or completed without a start): the journeys of banners,
-- hints and posts, only seen, liked or commented, are in no cohort and were
-- most of their entries (57 % of the journeys of the generated events), each
-- written at ingest and read by nobody.  Same names, same expressions; a
-- filter on a cohort's day, week or month implies the predicate, so it is
-- still a range of these indexes (see 12_rollups.sql).
-- On a distributed database the indexes are left whole: inside ALTER
-- EXTENSION, Citus fails to drop an index of a distributed table on the
-- workers ("cannot insert multiple commands into a prepared statement", on
-- a database distributed under 0.4), and whole indexes give the same
-- answers.  README "Scaling out" says how to swap them by hand there.
DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF distributed THEN
        RETURN;
    END IF;
    DROP INDEX jimo.journeys_first_day_idx;
    DROP INDEX jimo.journeys_first_week_idx;
    DROP INDEX jimo.journeys_first_month_idx;
    CREATE INDEX journeys_first_day_idx ON jimo.journeys
        (experience_uid, ((coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
    CREATE INDEX journeys_first_week_idx ON jimo.journeys
        (experience_uid, (date_trunc('week', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
    CREATE INDEX journeys_first_month_idx ON jimo.journeys
        (experience_uid, (date_trunc('month', coalesce(first_started_at, first_completed_at) AT TIME ZONE 'UTC')::date))
        WHERE coalesce(first_started_at, first_completed_at) IS NOT NULL;
END
$$;
