COMMENT ON SCHEMA jimo IS 'Jimo webhook events (jimo_webhooks extension)';

-------------------------------------------------------------------------------
-- Raw events: one row per distinct payload (the dedup key is its digest)
-------------------------------------------------------------------------------

CREATE TABLE jimo.events (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    digest           bytea NOT NULL,
    name             text NOT NULL,
    version          text,
    occurred_at      timestamptz NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    last_received_at timestamptz NOT NULL DEFAULT now(),
    deliveries       integer NOT NULL DEFAULT 1,
    experience_uid   uuid,
    jimer_uid        uuid,
    user_uid         uuid,
    project_uid      uuid,
    payload          jsonb NOT NULL,
    jimer_key        uuid NOT NULL
) PARTITION BY RANGE (occurred_at);
-- Partitioned by month of event time: months are created when an event
-- first needs them, with their keys, PRIMARY KEY (id) and UNIQUE (digest),
-- and old ones can be expired (16_partitions.sql).  The digest covers the
-- whole payload, time included, so equal digests always land in the same
-- month: a unique digest per month is a unique digest, dedup stays exact,
-- and a redelivery is looked up in its own month only.  The keys belong to
-- the partitions, not to this table, because pg_dump cannot restore
-- partitions of an extension's table that has indexes of its own (it would
-- create each partition's index twice).
-- Only the keys are indexed: each index on this append-mostly table costs
-- ingest throughput, and the views read journeys and facts instead.  Add
-- indexes for your own ad-hoc queries (see README.md).
-- Payloads are compressed with lz4 as they are written (src/bulk.c): a Jimo
-- payload is mostly under 1 kB, and PostgreSQL compresses a value only in a
-- row above about 2 kB, so without this none would be.  Months inherit the
-- setting (INCLUDING COMPRESSION); SET COMPRESSION default turns it off for
-- the months created afterwards.  A PostgreSQL built without lz4 keeps
-- payloads uncompressed.
DO $$
BEGIN
    ALTER TABLE jimo.events ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'jimo_webhooks: this PostgreSQL has no lz4, payloads are stored uncompressed';
END
$$;

COMMENT ON TABLE jimo.events IS 'One row per distinct Jimo event (deduplicated on the SHA-256 of the canonical jsonb payload); redeliveries only bump deliveries. Partitioned by month of event time (UTC): see jimo.partitions and jimo.expire()';
COMMENT ON COLUMN jimo.events.id IS 'Surrogate id, in order of first arrival';
COMMENT ON COLUMN jimo.events.digest IS 'SHA-256 of the payload in jsonb normal form: whitespace and key order do not change it';
COMMENT ON COLUMN jimo.events.name IS 'Jimo event name as sent, e.g. tour.completed (unknown names are kept too)';
COMMENT ON COLUMN jimo.events.version IS 'Webhook API version from the envelope';
COMMENT ON COLUMN jimo.events.occurred_at IS 'Event time from the envelope key "time" (seconds or milliseconds)';
COMMENT ON COLUMN jimo.events.received_at IS 'Arrival of the first delivery';
COMMENT ON COLUMN jimo.events.last_received_at IS 'Arrival of the latest delivery';
COMMENT ON COLUMN jimo.events.deliveries IS 'How many times this exact event was delivered';
COMMENT ON COLUMN jimo.events.payload IS 'The whole payload, so that later versions can re-derive typed rows';
COMMENT ON COLUMN jimo.events.jimer_key IS 'jimer_uid, or the nil uuid for events without a jimer: the column jimo.distribute() shards by on Citus (which needs it never NULL and in every key)';

-------------------------------------------------------------------------------
-- Bodies that could not be understood, with their error (deduplicated too)
-------------------------------------------------------------------------------

CREATE TABLE jimo.rejected (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest           bytea NOT NULL UNIQUE,
    error            text NOT NULL,
    sqlstate         text NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    last_received_at timestamptz NOT NULL DEFAULT now(),
    deliveries       integer NOT NULL DEFAULT 1,
    body             text,
    body_bytes       bytea,
    CHECK ((body IS NULL) <> (body_bytes IS NULL))
);
CREATE INDEX rejected_received_at_idx ON jimo.rejected (received_at);
-- Bodies deferred for their month (53400) are looked for by every chunk of
-- ingest (src/deferred.c): an index of only those, empty unless one was.
CREATE INDEX rejected_deferred_idx ON jimo.rejected (digest) WHERE sqlstate = '53400';

COMMENT ON TABLE jimo.rejected IS 'Bodies that could not be stored as events, kept with their error; jimo.retry_rejected() tries them again';
COMMENT ON COLUMN jimo.rejected.digest IS 'SHA-256 of the raw body bytes';
COMMENT ON COLUMN jimo.rejected.error IS 'Why the body was rejected';
COMMENT ON COLUMN jimo.rejected.sqlstate IS 'SQLSTATE that jimo.ingest() would have raised';
COMMENT ON COLUMN jimo.rejected.body IS 'The body as text (NULL when it is not valid text, see body_bytes)';
COMMENT ON COLUMN jimo.rejected.body_bytes IS 'The raw body when it is not valid text in the database encoding or holds NUL bytes';

-------------------------------------------------------------------------------
-- Latest-state tables (fillfactor leaves room for in-page HOT updates: every
-- chunk of events rewrites the rows it touches). Each row holds the snapshot carried by the newest event
-- (by event time; ties broken by jimo.event_rank(name), then by digest), so
-- the result does not depend on arrival order.
-------------------------------------------------------------------------------

CREATE TABLE jimo.projects (
    uid              uuid PRIMARY KEY,
    name             text,
    snapshot         jsonb NOT NULL,
    first_event_at   timestamptz NOT NULL,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.projects IS 'Jimo projects (top-level "project" key), latest state by event time';

CREATE TABLE jimo.experiences (
    uid              uuid PRIMARY KEY,
    title            text,
    type             text,
    state            text,
    is_draft         boolean,
    created_at       timestamptz,
    published_at     timestamptz,
    expires_at       timestamptz,
    trigger_type     text,
    recurrency_type  text,
    recurrency_value numeric,
    tags             jsonb,
    project_uid      uuid,
    is_deleted       boolean NOT NULL GENERATED ALWAYS AS (deleted_at IS NOT NULL) STORED,
    deleted_at       timestamptz,
    snapshot         jsonb NOT NULL,
    first_event_at   timestamptz NOT NULL,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL,
    event_type       text COLLATE "C"
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.experiences IS 'Tours, surveys, checklists, hints, banners and posts: latest snapshot by event time; deleted ones stay with is_deleted';
COMMENT ON COLUMN jimo.experiences.type IS 'TOUR, SURVEY, CHECKLIST, HINT, BANNER or POST as sent';
COMMENT ON COLUMN jimo.experiences.state IS 'LIVE or PAUSED as sent (independent of is_draft)';
COMMENT ON COLUMN jimo.experiences.tags IS 'Array of {uid, name} when Jimo sends tags';
COMMENT ON COLUMN jimo.experiences.is_deleted IS 'True once any *.deleted event was received for it';
COMMENT ON COLUMN jimo.experiences.deleted_at IS 'Event time of the earliest *.deleted event';
COMMENT ON COLUMN jimo.experiences.snapshot IS 'The experience object of the newest event, whole';
COMMENT ON COLUMN jimo.experiences.first_event_at IS 'Time of the earliest event that mentions it';
COMMENT ON COLUMN jimo.experiences.state_at IS 'Time of the event whose snapshot this row holds';
COMMENT ON COLUMN jimo.experiences.event_type IS 'The first part of its event names (tour in tour.started), the least in byte order when they differ, kept at ingest: the type of an experience whose snapshots carry none, which stays known once its events expire (0.10)';

CREATE TABLE jimo.jimers (
    uid              uuid PRIMARY KEY,
    identify_token   text,
    username         text,
    email            text,
    created_at       timestamptz,
    last_activity_at timestamptz,
    project_uid      uuid,
    snapshot         jsonb NOT NULL,
    first_event_at   timestamptz NOT NULL,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);
-- A hash index: a btree entry cannot exceed about 2.7 kB, and an identify
-- token can be longer (a signed JWT); equality, what joins to a customer's own
-- user table need, is all that is looked up.
CREATE INDEX jimers_identify_token_idx ON jimo.jimers USING hash (identify_token);
COMMENT ON TABLE jimo.jimers IS 'End users of the customer''s app, latest state by event time';
COMMENT ON COLUMN jimo.jimers.identify_token IS 'The customer''s own user id (Jimo identify call); NULL for anonymous users';

CREATE TABLE jimo.users (
    uid              uuid PRIMARY KEY,
    email            text,
    first_name       text,
    last_name        text,
    project_uid      uuid,
    snapshot         jsonb NOT NULL,
    first_event_at   timestamptz NOT NULL,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.users IS 'Members of the customer''s team who author experiences, latest state by event time';

-- What ->> gives for a value taken with ->, but with numbers beyond 1e40
-- or below 1e-40 in exponent form (src/tags.c): ->> writes every digit, so
-- the 9 bytes of 1e131071 in a tag name made 131 072 characters on every
-- read (0.15).
CREATE FUNCTION jimo.json_text(value jsonb) RETURNS text
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'jimo_json_text';
COMMENT ON FUNCTION jimo.json_text(jsonb) IS
'The text of a JSON value as ->> gives it (NULL for JSON null), with numbers of magnitude 1e40 and over or under 1e-40 in exponent form (at most 16 significant digits) instead of every digit';

-- A view, not a table: tags always match the experience's latest snapshot.
CREATE VIEW jimo.experience_tags AS
SELECT e.uid AS experience_uid,
       jimo.json_text(t.tag -> 'uid') AS tag_uid,
       jimo.json_text(t.tag -> 'name') AS name
FROM jimo.experiences e
CROSS JOIN LATERAL jsonb_array_elements(e.tags) AS t(tag)
WHERE jsonb_typeof(e.tags) = 'array';
COMMENT ON VIEW jimo.experience_tags IS 'Tags of each experience as of its latest snapshot';
COMMENT ON COLUMN jimo.experience_tags.experience_uid IS 'The experience';
COMMENT ON COLUMN jimo.experience_tags.tag_uid IS 'Tag uid as sent';
COMMENT ON COLUMN jimo.experience_tags.name IS 'Tag name';

-------------------------------------------------------------------------------
-- Facts: one row per stored interaction event that carries a sub-object.
-- Sub-object ids are text: their shape is not published by Jimo.
-- Partitioned like jimo.events, by the same event time and months, so that a
-- month expires from both at once; each partition has PRIMARY KEY
-- (jimer_key, event_id) and an index on the experience (16_partitions.sql).
-- jimer_key is the event's: jimer_uid or the nil uuid, never NULL, so that
-- on Citus a fact lives on the shard of its event.  event_id is the id of
-- the event in jimo.events; there is no foreign key: ingest writes both in
-- one transaction, and only whole months are ever removed, from both.
-------------------------------------------------------------------------------

CREATE TABLE jimo.survey_answers (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    answered_at      timestamptz NOT NULL,
    step_uid         text,
    step_title       text,
    step_type        text,
    step_position    integer,
    answer_text      text,
    answer_number    numeric,
    answer_choices   text[],
    step             jsonb,
    answer           jsonb,
    jimer_key        uuid NOT NULL
) PARTITION BY RANGE (answered_at);
COMMENT ON TABLE jimo.survey_answers IS 'One row per survey.step.answered event';
COMMENT ON COLUMN jimo.survey_answers.answer_text IS 'The answer as text: a string answer, a number, or the text/value of an answer object; choices joined with ", "';
COMMENT ON COLUMN jimo.survey_answers.answer_number IS 'The answer as a number when it is one (NPS, rating, numeric string)';
COMMENT ON COLUMN jimo.survey_answers.answer_choices IS 'The chosen options when the answer is a list';

-- Per-step upkeep at ingest, so that survey funnels read one row per jimer and
-- step (or per step) instead of every answer. Steps without a uid share the
-- step_uid '' here.
CREATE TABLE jimo.survey_step_journeys (
    experience_uid     uuid NOT NULL,
    step_uid           text NOT NULL,
    jimer_uid          uuid NOT NULL,
    first_answered_at  timestamptz NOT NULL,
    last_answered_at   timestamptz NOT NULL,
    answers            integer NOT NULL,
    PRIMARY KEY (experience_uid, step_uid, jimer_uid)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.survey_step_journeys IS 'One row per survey step x jimer who answered it, maintained at ingest';
COMMENT ON COLUMN jimo.survey_step_journeys.step_uid IS 'The step uid as sent, or '''' when the step has none';
COMMENT ON COLUMN jimo.survey_step_journeys.answers IS 'Distinct survey.step.answered events of this jimer for this step';

CREATE TABLE jimo.survey_steps (
    experience_uid     uuid NOT NULL,
    step_uid           text NOT NULL,
    step_title         text,
    step_type          text,
    step_position      integer,
    first_answered_at  timestamptz NOT NULL,
    last_answered_at   timestamptz NOT NULL,
    answers            integer NOT NULL,
    state_at           timestamptz NOT NULL,
    state_rank         integer NOT NULL,
    state_digest       bytea NOT NULL,
    PRIMARY KEY (experience_uid, step_uid)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.survey_steps IS 'One row per survey step: title, type and position from its newest answer event, answer counts, maintained at ingest';
COMMENT ON COLUMN jimo.survey_steps.step_uid IS 'The step uid as sent, or '''' when the step has none';
COMMENT ON COLUMN jimo.survey_steps.answers IS 'Distinct survey.step.answered events for this step';

-- What each step is answered on, per step type sent, kept at ingest so that
-- jimo.survey_step_scales (which decides between NPS, rating and choices)
-- reads one row per step instead of every answer (0.11).  Counts, minimums,
-- maximums, AND and OR: the merge is order-independent.  Survey, step and
-- type may each be missing from an answer; NULLs are one key value here.
CREATE TABLE jimo.survey_step_stats (
    experience_uid     uuid,
    step_uid           text,
    step_type          text,
    first_answered_at  timestamptz NOT NULL,
    last_answered_at   timestamptz NOT NULL,
    answers            bigint NOT NULL,
    numeric_answers    bigint NOT NULL,
    all_scores         boolean NOT NULL,
    scale_min_seen     numeric,
    scale_max_seen     numeric,
    with_choices       boolean NOT NULL
) WITH (fillfactor = 80);
-- The type is keyed by its MD5: it is stored as sent, of any length, and an
-- index entry holds at most 2.7 kB (step uids are bounded at ingest).
CREATE UNIQUE INDEX survey_step_stats_key ON jimo.survey_step_stats
    (experience_uid, step_uid, md5(step_type)) NULLS NOT DISTINCT;
COMMENT ON TABLE jimo.survey_step_stats IS 'One row per survey, step and step type sent with its answers (NULLs included): how its answers are scaled, maintained at ingest from every survey.step.answered stored; jimo.survey_step_scales reads it (0.11)';
COMMENT ON COLUMN jimo.survey_step_stats.step_type IS 'The step type as sent with these answers (NULL when none was)';
COMMENT ON COLUMN jimo.survey_step_stats.first_answered_at IS 'Earliest answer time';
COMMENT ON COLUMN jimo.survey_step_stats.last_answered_at IS 'Latest answer time';
COMMENT ON COLUMN jimo.survey_step_stats.answers IS 'Distinct survey.step.answered events stored';
COMMENT ON COLUMN jimo.survey_step_stats.numeric_answers IS 'Those whose answer is a number';
COMMENT ON COLUMN jimo.survey_step_stats.all_scores IS 'True when every answer is an integer 0..10';
COMMENT ON COLUMN jimo.survey_step_stats.scale_min_seen IS 'Lowest numeric answer';
COMMENT ON COLUMN jimo.survey_step_stats.scale_max_seen IS 'Highest numeric answer';
COMMENT ON COLUMN jimo.survey_step_stats.with_choices IS 'True when some answer is a list of options';

CREATE TABLE jimo.checklist_tasks (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    occurred_at      timestamptz NOT NULL,
    outcome          text NOT NULL CHECK (outcome IN ('completed', 'skipped')),
    task_uid         text,
    task_title       text,
    task             jsonb,
    jimer_key        uuid NOT NULL
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE jimo.checklist_tasks IS 'One row per checklist.task.completed or checklist.task.skipped event';

CREATE TABLE jimo.post_comments (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    commented_at     timestamptz NOT NULL,
    comment_uid      text,
    content          text,
    comment          jsonb,
    jimer_key        uuid NOT NULL
) PARTITION BY RANGE (commented_at);
COMMENT ON TABLE jimo.post_comments IS 'One row per post.commented event';

CREATE TABLE jimo.post_likes (
    event_id         bigint NOT NULL,
    experience_uid   uuid,
    jimer_uid        uuid,
    liked_at         timestamptz NOT NULL,
    jimer_key        uuid NOT NULL
) PARTITION BY RANGE (liked_at);
COMMENT ON TABLE jimo.post_likes IS 'One row per post.liked event';

-------------------------------------------------------------------------------
-- Journeys: one row per (experience, jimer), kept current at ingest.
-- Every column is a min, max or count over stored events, so it does not
-- depend on arrival order.
-------------------------------------------------------------------------------

CREATE TABLE jimo.journeys (
    experience_uid      uuid NOT NULL,
    jimer_uid           uuid NOT NULL,
    first_started_at    timestamptz,
    last_started_at     timestamptz,
    starts              integer NOT NULL DEFAULT 0,
    first_progress_at   timestamptz,
    last_progress_at    timestamptz,
    progress_events     integer NOT NULL DEFAULT 0,
    first_completed_at  timestamptz,
    last_completed_at   timestamptz,
    completions         integer NOT NULL DEFAULT 0,
    first_dismissed_at  timestamptz,
    last_dismissed_at   timestamptz,
    dismissals          integer NOT NULL DEFAULT 0,
    first_seen_at       timestamptz,
    last_seen_at        timestamptz,
    views               integer NOT NULL DEFAULT 0,
    first_liked_at      timestamptz,
    last_liked_at       timestamptz,
    likes               integer NOT NULL DEFAULT 0,
    first_commented_at  timestamptz,
    last_commented_at   timestamptz,
    comments            integer NOT NULL DEFAULT 0,
    expired_completion_at timestamptz,
    PRIMARY KEY (experience_uid, jimer_uid)
) WITH (fillfactor = 80);
COMMENT ON TABLE jimo.journeys IS 'One row per jimer x experience: first/last time and count of each stage, maintained at ingest';
COMMENT ON COLUMN jimo.journeys.first_progress_at IS 'First survey.step.answered or checklist.task.* event';
COMMENT ON COLUMN jimo.journeys.expired_completion_at IS 'Set by jimo.expire() for a journey with a completion before its first start: the earliest completion at or after the first start among the events it dropped, so that the conversion stays what it was once they are gone (0.10); NULL otherwise';

