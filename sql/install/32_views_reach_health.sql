-------------------------------------------------------------------------------
-- Reach of hints, banners and anything else that is "seen"
-------------------------------------------------------------------------------

CREATE VIEW jimo.experience_reach AS
SELECT
    k.experience_uid,
    k.type,
    k.title,
    k.state,
    k.is_deleted,
    coalesce(a.unique_jimers, 0) AS unique_jimers,
    coalesce(a.views, 0) AS views,
    a.first_seen_at,
    a.last_seen_at,
    k.project_uid,
    k.tags
FROM jimo.all_experiences k
LEFT JOIN (
    SELECT experience_uid,
           count(*) AS unique_jimers,
           sum(views) AS views,
           min(first_seen_at) AS first_seen_at,
           max(last_seen_at) AS last_seen_at
    FROM jimo.journeys
    WHERE views > 0
    GROUP BY experience_uid
) a ON a.experience_uid = k.experience_uid
WHERE k.type IN ('HINT', 'BANNER') OR a.views > 0;

COMMENT ON VIEW jimo.experience_reach IS 'One row per hint and banner (deleted ones too), and per any other experience with a *.seen event: how many jimers saw it, how often. No click-through: Jimo sends only *.seen for hints and banners, no click or CTA event';
COMMENT ON COLUMN jimo.experience_reach.experience_uid IS 'The hint, banner or other seen experience';
COMMENT ON COLUMN jimo.experience_reach.type IS 'HINT, BANNER, ... (upper case)';
COMMENT ON COLUMN jimo.experience_reach.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.experience_reach.unique_jimers IS 'Distinct jimers who saw it';
COMMENT ON COLUMN jimo.experience_reach.views IS 'Distinct *.seen events of jimers (redeliveries of one event count once); counted from the journeys, so an event sent without a jimer is not counted here (jimo.events keeps it)';
COMMENT ON COLUMN jimo.experience_reach.first_seen_at IS 'First time anyone saw it';
COMMENT ON COLUMN jimo.experience_reach.last_seen_at IS 'Latest time anyone saw it';

-- From the daily rollup jimo.seen_day_totals (one row per UTC day and
-- experience, kept at ingest): a filter on day becomes a range of its primary
-- key, and the view reads as many rows as it shows.
CREATE VIEW jimo.experience_reach_daily AS
SELECT
    t.day,
    t.experience_uid,
    coalesce(upper(x.type), upper(x.event_type COLLATE "default"),
             upper(t.event_prefix COLLATE "default")) AS type,
    x.title,
    coalesce(x.is_deleted, false) AS is_deleted,
    t.unique_jimers::bigint AS unique_jimers,
    t.views::bigint AS views,
    t.new_jimers::bigint AS new_jimers,
    t.first_seen_at,
    t.last_seen_at,
    x.project_uid,
    x.tags
FROM jimo.seen_day_totals t
-- tag names computed once per experience, not once per day: grouped by its
-- key, the subquery is not pulled up into the join (a filter on the
-- experience still reaches its primary key); 0.5 named the tags of every
-- day's row, most of the view's time (10.5 -> 6.5 ms at 1M events). Every
-- column it reads is in its GROUP BY (0.7): Citus, given a query that reads
-- only some of them (SELECT count(*) FROM the view), did not see that the
-- key determines the rest and refused it.
LEFT JOIN (
    SELECT e.uid, e.type, e.event_type, e.title, e.is_deleted, e.project_uid, jimo.tag_names(e.tags) AS tags
    FROM jimo.experiences e
    GROUP BY e.uid, e.type, e.event_type, e.title, e.is_deleted, e.project_uid, e.tags
) x ON x.uid = t.experience_uid;

COMMENT ON VIEW jimo.experience_reach_daily IS 'jimo.experience_reach per UTC day on which the experience was seen, counted like jimo.journeys counts them (distinct *.seen events of a jimer). Reads the daily rollup jimo.seen_day_totals (one row per day and experience), so WHERE day BETWEEN ... reads only those days. Days are UTC days whatever the session''s TimeZone (0.1 used the session''s zone and read every row of jimo.events).';
COMMENT ON COLUMN jimo.experience_reach_daily.day IS 'UTC day of the *.seen events';
COMMENT ON COLUMN jimo.experience_reach_daily.experience_uid IS 'The hint, banner or other seen experience';
COMMENT ON COLUMN jimo.experience_reach_daily.type IS 'HINT, BANNER, ... (upper case), as jimo.all_experiences tells it (0.10; before, an experience whose snapshots carry no type took the first part of that day''s event names)';
COMMENT ON COLUMN jimo.experience_reach_daily.title IS 'Title (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach_daily.is_deleted IS 'True once the experience was deleted';
COMMENT ON COLUMN jimo.experience_reach_daily.unique_jimers IS 'Distinct jimers who saw it that day';
COMMENT ON COLUMN jimo.experience_reach_daily.views IS 'Distinct *.seen events of jimers that day (an event sent without a jimer is not counted; jimo.events keeps it)';
COMMENT ON COLUMN jimo.experience_reach_daily.new_jimers IS 'Jimers who saw it for the first time ever that day (summed over days: unique_jimers of experience_reach)';
COMMENT ON COLUMN jimo.experience_reach_daily.first_seen_at IS 'First view of the day';
COMMENT ON COLUMN jimo.experience_reach_daily.last_seen_at IS 'Latest view of the day';

-------------------------------------------------------------------------------
-- Changelog posts
-------------------------------------------------------------------------------

CREATE VIEW jimo.post_engagement AS
SELECT
    coalesce(x.uid, a.experience_uid) AS experience_uid,
    x.title,
    x.state,
    coalesce(x.is_deleted, false) AS is_deleted,
    coalesce(a.likes, 0) AS likes,
    coalesce(a.comments, 0) AS comments,
    coalesce(a.engaged_jimers, 0) AS engaged_jimers,
    coalesce(a.liking_jimers, 0) AS liking_jimers,
    coalesce(a.commenting_jimers, 0) AS commenting_jimers,
    a.first_engaged_at,
    a.last_engaged_at,
    x.project_uid,
    jimo.tag_names(x.tags) AS tags
-- a post whose snapshots carry no type is one by its event names (0.10)
FROM (SELECT * FROM jimo.experiences
      WHERE coalesce(upper(type), upper(event_type COLLATE "default")) = 'POST') x
FULL JOIN (
    SELECT experience_uid,
           sum(likes) AS likes,
           sum(comments) AS comments,
           count(*) AS engaged_jimers,
           count(*) FILTER (WHERE likes > 0) AS liking_jimers,
           count(*) FILTER (WHERE comments > 0) AS commenting_jimers,
           min(least(first_liked_at, first_commented_at)) AS first_engaged_at,
           max(greatest(last_liked_at, last_commented_at)) AS last_engaged_at
    FROM jimo.journeys
    WHERE likes > 0 OR comments > 0
    GROUP BY experience_uid
) a ON a.experience_uid = x.uid;

COMMENT ON VIEW jimo.post_engagement IS 'One row per changelog post (deleted ones too), and per any other experience with likes or comments: likes, comments and engaged jimers';
COMMENT ON COLUMN jimo.post_engagement.experience_uid IS 'The post';
COMMENT ON COLUMN jimo.post_engagement.title IS 'Title of the post (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.state IS 'LIVE or PAUSED (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.is_deleted IS 'True once the post was deleted';
COMMENT ON COLUMN jimo.post_engagement.likes IS 'Distinct post.liked events of jimers; counted from the journeys, so one sent without a jimer is not counted here (jimo.post_likes and jimo.events keep it)';
COMMENT ON COLUMN jimo.post_engagement.comments IS 'Distinct post.commented events of jimers; one sent without a jimer is not counted here (jimo.post_comments and jimo.events keep it)';
COMMENT ON COLUMN jimo.post_engagement.engaged_jimers IS 'Distinct jimers who liked or commented';
COMMENT ON COLUMN jimo.post_engagement.liking_jimers IS 'Distinct jimers who liked';
COMMENT ON COLUMN jimo.post_engagement.commenting_jimers IS 'Distinct jimers who commented';
COMMENT ON COLUMN jimo.post_engagement.first_engaged_at IS 'First like or comment';
COMMENT ON COLUMN jimo.post_engagement.last_engaged_at IS 'Latest like or comment';

-------------------------------------------------------------------------------
-- Delivery health: from the rollups jimo.delivery_days (one row per UTC day of
-- first arrival and writer slot) and jimo.delivery_lags (the day's lags, for
-- the median), kept at ingest. A filter on day is a range of their primary
-- keys; nothing reads jimo.events.
-------------------------------------------------------------------------------

-- The pos-th smallest lag bucket (1-based) among the events that first arrived
-- on a day.
CREATE FUNCTION jimo.delivery_lag_at(day date, pos bigint) RETURNS bigint
    LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
    SELECT lag_seconds
    FROM (SELECT l.lag_seconds, sum(sum(l.events)) OVER (ORDER BY l.lag_seconds) AS upto
          FROM jimo.delivery_lags l
          WHERE l.day = $1
          GROUP BY l.lag_seconds) c
    WHERE upto >= $2
    ORDER BY lag_seconds
    LIMIT 1
$$;
COMMENT ON FUNCTION jimo.delivery_lag_at(date, bigint) IS
'The pos-th smallest lag (jimo.delivery_lag_bucket, in seconds) among the events that first arrived on that UTC day, from jimo.delivery_lags; NULL when there are fewer';

CREATE VIEW jimo.delivery_health AS
SELECT
    d.day,
    d.stored,
    d.deliveries - d.stored AS duplicate_deliveries,
    d.rejected,
    d.rejected_deliveries,
    d.deliveries + d.rejected_deliveries AS deliveries,
    -- percentile_cont(0.5) of the lag buckets: the mean of the two middle
    -- ones when their number is even
    CASE WHEN d.stored > 0 THEN
        m.lo + (m.hi - m.lo) * 0.5
    END AS median_lag_seconds,
    date_part('epoch', d.max_lag) AS max_lag_seconds,
    date_part('epoch', d.max_redelivery_lag) AS max_redelivery_lag_seconds
FROM (
    SELECT day,
           sum(stored)::bigint AS stored,
           sum(deliveries)::bigint AS deliveries,
           sum(rejected)::bigint AS rejected,
           sum(rejected_deliveries)::bigint AS rejected_deliveries,
           max(max_lag) AS max_lag,
           max(max_redelivery_lag) AS max_redelivery_lag
    FROM jimo.delivery_days
    GROUP BY day
    HAVING sum(stored) > 0 OR sum(rejected) > 0
) d
CROSS JOIN LATERAL (
    SELECT jimo.delivery_lag_at(d.day, (d.stored - 1) / 2 + 1)::double precision AS lo,
           jimo.delivery_lag_at(d.day, d.stored / 2 + 1)::double precision AS hi
) m;

COMMENT ON VIEW jimo.delivery_health IS 'Per UTC day of first arrival: events stored, redeliveries, rejected bodies and delivery lag. Redeliveries are counted on the day the event first arrived, whenever they came. Reads the rollups jimo.delivery_days and jimo.delivery_lags (kept at ingest), so WHERE day BETWEEN ... reads only those days. Days are UTC days whatever the session''s TimeZone, and the median lag is taken over lags rounded down to the second under an hour, to the minute under a day, to the hour beyond (0.2 used the session''s zone and unrounded lags, reading all of jimo.events and jimo.rejected). What it cannot tell: when each redelivery came (only the latest arrival of an event is kept), and deliveries Jimo gave up on.';
COMMENT ON COLUMN jimo.delivery_health.day IS 'UTC day of first arrival';
COMMENT ON COLUMN jimo.delivery_health.stored IS 'Distinct events that first arrived that day';
COMMENT ON COLUMN jimo.delivery_health.duplicate_deliveries IS 'Further deliveries of those events, whenever they came: sum(deliveries - 1)';
COMMENT ON COLUMN jimo.delivery_health.rejected IS 'Distinct rejected bodies that first arrived that day (see jimo.rejected)';
COMMENT ON COLUMN jimo.delivery_health.rejected_deliveries IS 'All deliveries of those rejected bodies, first one included';
COMMENT ON COLUMN jimo.delivery_health.deliveries IS 'All deliveries of the day''s events and rejected bodies: stored + duplicate_deliveries + rejected_deliveries';
COMMENT ON COLUMN jimo.delivery_health.median_lag_seconds IS 'Median of first arrival minus event time, in seconds, over lags rounded down to the second under an hour, to the minute under a day, to the hour beyond (jimo.delivery_lag_bucket): to the second whenever it is under an hour. Negative when the sender''s clock is ahead';
COMMENT ON COLUMN jimo.delivery_health.max_lag_seconds IS 'Largest first arrival minus event time, in seconds (Jimo retries for up to ~11 days)';
COMMENT ON COLUMN jimo.delivery_health.max_redelivery_lag_seconds IS 'Largest latest arrival minus event time, in seconds';

-- Every per-experience view carries its project and tags, to filter or group
-- by them without a join.
COMMENT ON COLUMN jimo.experience_reach.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.experience_reach_daily.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.experience_reach_daily.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
COMMENT ON COLUMN jimo.post_engagement.project_uid IS 'The experience''s Jimo project (latest snapshot)';
COMMENT ON COLUMN jimo.post_engagement.tags IS 'Tag names of the experience (latest snapshot), e.g. WHERE ''release-3'' = ANY (tags)';
