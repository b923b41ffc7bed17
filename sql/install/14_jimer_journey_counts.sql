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
