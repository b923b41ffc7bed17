-- 0.14: per jimer, its journeys, with a start, with a completion, kept at
-- ingest for jimer_dimension (sql/install/14_jimer_journey_counts.sql), and
-- filled here from the journeys.  Ingest counts once the table exists
-- (src/jimer_counts.c asks after writing the journeys).  Writers of
-- jimo.journeys in flight now, with a library that found no table, are
-- waited for here, so that what they wrote is in the fill; later ones wait
-- for this upgrade to commit, then find the table.  A distributed database
-- counts nothing (its jimer_dimension reads the journeys): the table stays
-- empty there.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        LOCK TABLE jimo.journeys IN SHARE MODE;
    ELSIF NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = 'jimo.journeys'::regclass) THEN
        LOCK TABLE jimo.journeys IN SHARE MODE;
    END IF;
END
$$;

-------------------------------------------------------------------------------
-- Journeys per jimer (0.14), for jimo.jimer_dimension.  The dimension shows,
-- per jimer, how many experiences it has a journey with, how many of those it
-- started and how many it completed.  Counted from jimo.journeys on every
-- read, that was a GROUP BY over every journey: 0.6 s at 1M events, 3 s at
-- 10M, to list 90 000 jimers.  These counts depend on no session setting, so
-- ingest keeps them (src/jimer_counts.c), in the transaction that changes
-- the journeys: a journey counts once it exists, once it has a start and once
-- it has a completion, and since a journey only ever grows, each of these
-- happens once, whatever the order of its events (the journeys upsert returns
-- the merged row, and the row before is that row less what the chunk added).
-- On Citus nothing is kept here (jimo.distribute() empties the table on the
-- coordinator) and jimer_dimension counts the journeys on the workers
-- (55_citus_views.sql).
-------------------------------------------------------------------------------

CREATE TABLE jimo.jimer_journey_counts (
    jimer_uid    uuid PRIMARY KEY,
    experiences  integer NOT NULL,
    started      integer NOT NULL,
    completed    integer NOT NULL
);
COMMENT ON TABLE jimo.jimer_journey_counts IS 'Per jimer, the journeys (rows of jimo.journeys) it has, kept at ingest for jimo.jimer_dimension (0.14); empty on Citus, where jimer_dimension counts the journeys';
COMMENT ON COLUMN jimo.jimer_journey_counts.experiences IS 'Journeys of the jimer: experiences it interacted with';
COMMENT ON COLUMN jimo.jimer_journey_counts.started IS 'Of those, journeys with a start (starts > 0)';
COMMENT ON COLUMN jimo.jimer_journey_counts.completed IS 'Of those, journeys with a completion (completions > 0)';
SELECT pg_catalog.pg_extension_config_dump('jimo.jimer_journey_counts', '');
REVOKE ALL ON jimo.jimer_journey_counts FROM PUBLIC;
GRANT SELECT ON jimo.jimer_journey_counts TO jimo_reader;

DO $$
DECLARE
    distributed boolean := false;
BEGIN
    IF EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        EXECUTE 'SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ''jimo.journeys''::regclass)'
            INTO distributed;
    END IF;
    IF NOT distributed THEN
        INSERT INTO jimo.jimer_journey_counts (jimer_uid, experiences, started, completed)
        SELECT jimer_uid, count(*), count(*) FILTER (WHERE starts > 0),
               count(*) FILTER (WHERE completions > 0)
          FROM jimo.journeys
         GROUP BY jimer_uid;
    END IF;
END
$$;
