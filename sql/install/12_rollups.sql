-------------------------------------------------------------------------------
-- Daily rollups, kept current at ingest (src/rollups.c) like journeys: every
-- column is a min, max or count over stored events, so redeliveries and
-- arrival order change nothing. Per-day views read these by a range of days
-- instead of reading every row of jimo.events. Days are UTC days: a rollup
-- fixes its day boundaries when it is written, and a fixed zone is what lets
-- a date filter become a range of the primary key (which starts with day).
-------------------------------------------------------------------------------

CREATE TABLE jimo.seen_days (
    day              date NOT NULL,
    experience_uid   uuid NOT NULL,
    jimer_uid        uuid NOT NULL,
    views            integer NOT NULL,
    first_seen_at    timestamptz NOT NULL,
    last_seen_at     timestamptz NOT NULL,
    event_prefix     text COLLATE "C" NOT NULL,
    PRIMARY KEY (day, experience_uid, jimer_uid)
) WITH (fillfactor = 90);
-- "Did this jimer see it on an earlier day?" (new jimers per day) is one probe.
CREATE INDEX seen_days_jimer_idx ON jimo.seen_days (experience_uid, jimer_uid, day);
COMMENT ON TABLE jimo.seen_days IS 'One row per UTC day, experience and jimer with *.seen events (the events jimo.journeys counts as views), maintained at ingest';
COMMENT ON COLUMN jimo.seen_days.day IS 'UTC day of the events';
COMMENT ON COLUMN jimo.seen_days.views IS 'Distinct *.seen events of the jimer that day';
COMMENT ON COLUMN jimo.seen_days.first_seen_at IS 'First of them';
COMMENT ON COLUMN jimo.seen_days.last_seen_at IS 'Latest of them';
COMMENT ON COLUMN jimo.seen_days.event_prefix IS 'Event name prefix (hint, banner, ...): the type when the experience object carries none';

CREATE TABLE jimo.seen_day_totals (
    day              date NOT NULL,
    experience_uid   uuid NOT NULL,
    unique_jimers    integer NOT NULL,
    views            integer NOT NULL,
    new_jimers       integer NOT NULL,
    first_seen_at    timestamptz,
    last_seen_at     timestamptz,
    event_prefix     text COLLATE "C",
    PRIMARY KEY (day, experience_uid)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.seen_day_totals IS 'One row per UTC day and experience with *.seen events: what experience_reach_daily shows, maintained at ingest from jimo.seen_days';
COMMENT ON COLUMN jimo.seen_day_totals.unique_jimers IS 'Jimers who saw it that day (rows of jimo.seen_days)';
COMMENT ON COLUMN jimo.seen_day_totals.views IS 'Distinct *.seen events that day';
COMMENT ON COLUMN jimo.seen_day_totals.new_jimers IS 'Jimers whose first day of seeing it is this day';
COMMENT ON COLUMN jimo.seen_day_totals.first_seen_at IS 'First view of the day';
COMMENT ON COLUMN jimo.seen_day_totals.last_seen_at IS 'Latest view of the day';
COMMENT ON COLUMN jimo.seen_day_totals.event_prefix IS 'Smallest event name prefix (hint, banner, ...): the type when the experience object carries none';
