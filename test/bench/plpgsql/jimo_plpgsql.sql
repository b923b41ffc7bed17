-- A plain PL/pgSQL implementation of jimo_webhooks' ingest contract, as a capable user
-- would write it without C: the baseline that test/bench/ingest measures the extension
-- against (contender "plpgsql"). Load it into a database of its own:
--
--     psql -v ON_ERROR_STOP=1 -d mydb -f test/bench/plpgsql/jimo_plpgsql.sql
--
-- It creates schema jimo (the same name as the extension's, so the same calls work) and
-- needs no extension. Same entry points and result rows as the extension:
--
--   jimo.receive_batch(bodies text[]) -> (ord, event_id, status, error) per element
--   jimo.receive(body text)           -> (event_id, status, error)
--   jimo.ingest(payload jsonb|text)   -> (event_id, status); raises on unusable input
--
-- status is stored, duplicate or rejected. What it does per body, row at a time, each
-- body in its own subtransaction (BEGIN ... EXCEPTION), so one bad body never spoils the
-- others:
--   * dedup on the SHA-256 of the payload in jsonb normal form (key order, whitespace and
--     \u escapes do not change it): INSERT ... ON CONFLICT (digest) DO UPDATE bumps
--     deliveries and last_received_at;
--   * latest state of experiences, jimers and users by event time, ties broken by a fixed
--     event-name precedence and then by digest (an upsert whose DO UPDATE only fires for a
--     newer (time, rank, digest)); an experience keeps the time of its earliest *.deleted;
--   * one typed fact row per survey answer, checklist task, post comment and post like;
--   * a body that cannot be stored is kept in jimo.rejected with its error and SQLSTATE
--     (deduplicated on the SHA-256 of its bytes, with a delivery count).
--
-- Less than the extension does, on purpose (so the baseline is not slowed by features a
-- first version would leave out): no journeys, rollups, survey-step tables, project
-- latest state or snapshots of whole objects, no foreign keys, no privileges. Nothing in it
-- is deliberately slow; it is not tuned beyond the obvious either.

CREATE SCHEMA jimo;

CREATE TABLE jimo.events (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest           bytea NOT NULL UNIQUE,
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
    payload          jsonb NOT NULL
);

CREATE TABLE jimo.rejected (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    digest           bytea NOT NULL UNIQUE,
    error            text NOT NULL,
    sqlstate         text NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    last_received_at timestamptz NOT NULL DEFAULT now(),
    deliveries       integer NOT NULL DEFAULT 1,
    body             text NOT NULL
);

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
    deleted_at       timestamptz,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);

CREATE TABLE jimo.jimers (
    uid              uuid PRIMARY KEY,
    identify_token   text,
    username         text,
    email            text,
    created_at       timestamptz,
    last_activity_at timestamptz,
    project_uid      uuid,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);

CREATE TABLE jimo.users (
    uid              uuid PRIMARY KEY,
    email            text,
    first_name       text,
    last_name        text,
    project_uid      uuid,
    state_at         timestamptz NOT NULL,
    state_rank       integer NOT NULL,
    state_digest     bytea NOT NULL
) WITH (fillfactor = 80);

CREATE TABLE jimo.survey_answers (
    event_id         bigint PRIMARY KEY,
    experience_uid   uuid,
    jimer_uid        uuid,
    answered_at      timestamptz NOT NULL,
    step_uid         text,
    step_title       text,
    step_type        text,
    answer           jsonb
);

CREATE TABLE jimo.checklist_tasks (
    event_id         bigint PRIMARY KEY,
    experience_uid   uuid,
    jimer_uid        uuid,
    occurred_at      timestamptz NOT NULL,
    outcome          text NOT NULL,
    task_uid         text,
    task_title       text
);

CREATE TABLE jimo.post_comments (
    event_id         bigint PRIMARY KEY,
    experience_uid   uuid,
    jimer_uid        uuid,
    commented_at     timestamptz NOT NULL,
    comment_uid      text,
    content          text
);

CREATE TABLE jimo.post_likes (
    event_id         bigint PRIMARY KEY,
    experience_uid   uuid,
    jimer_uid        uuid,
    liked_at         timestamptz NOT NULL
);

-- Precedence among events with the same time (as the extension's jimo.event_rank):
-- created < published < status-changed < started/seen < step/task/like/comment
-- < completed/dismissed < deleted. A SQL function, not STRICT, so that it is inlined
-- (a STRICT one whose body is a CASE is not, and costs a function call per event).
CREATE FUNCTION jimo.event_rank(name text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN name LIKE '%.step.%' OR name LIKE '%.task.%'
          OR name LIKE '%.liked' OR name LIKE '%.commented' THEN 50
        WHEN name LIKE '%.created' THEN 10
        WHEN name LIKE '%.published' THEN 20
        WHEN name LIKE '%.status-changed' THEN 30
        WHEN name LIKE '%.started' OR name LIKE '%.seen' THEN 40
        WHEN name LIKE '%.completed' OR name LIKE '%.dismissed' THEN 60
        WHEN name LIKE '%.deleted' THEN 70
        ELSE 45
    END
$$;

-- Store one event; raises 22023 for a payload it cannot use.
CREATE FUNCTION jimo.ingest(p jsonb, OUT event_id bigint, OUT status text)
    LANGUAGE plpgsql
AS $$
DECLARE
    d   bytea;
    n   text;
    tv  jsonb;
    tn  numeric;
    t   timestamptz;
    r   integer;
    x   jsonb;
    j   jsonb;
    u   jsonb;
    pr  uuid;
    x_uid uuid;
    j_uid uuid;
    u_uid uuid;
    k   integer;
BEGIN
    IF jsonb_typeof(p) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'jimo: payload must be a JSON object, got %', jsonb_typeof(p)
            USING ERRCODE = '22023';
    END IF;
    n := p ->> 'event';
    IF jsonb_typeof(p -> 'event') IS DISTINCT FROM 'string' OR n = '' THEN
        RAISE EXCEPTION 'jimo: key "event" must be a non-empty string' USING ERRCODE = '22023';
    END IF;
    tv := p -> 'time';
    IF tv IS NULL OR jsonb_typeof(tv) NOT IN ('number', 'string')
       OR (p ->> 'time') !~ '^[0-9]+(\.[0-9]+)?$' THEN
        RAISE EXCEPTION 'jimo: key "time" must be a unix time in milliseconds (or seconds), got %',
            coalesce(tv::text, 'nothing') USING ERRCODE = '22023';
    END IF;
    tn := (p ->> 'time')::numeric;
    IF tn < 1e11 THEN
        tn := tn * 1000;
    END IF;
    t := to_timestamp(tn / 1000);

    x := p -> 'experience';
    j := p -> 'jimer';
    u := p -> 'user';
    IF jsonb_typeof(x) IS DISTINCT FROM 'object' THEN x := NULL; END IF;
    IF jsonb_typeof(j) IS DISTINCT FROM 'object' THEN j := NULL; END IF;
    IF jsonb_typeof(u) IS DISTINCT FROM 'object' THEN u := NULL; END IF;
    x_uid := (x ->> 'uid')::uuid;
    j_uid := (j ->> 'uid')::uuid;
    u_uid := (u ->> 'uid')::uuid;
    pr := (p -> 'project' ->> 'uid')::uuid;
    d := sha256(convert_to(p::text, 'UTF8'));

    INSERT INTO jimo.events AS e
        (digest, name, version, occurred_at, experience_uid, jimer_uid, user_uid, project_uid, payload)
    VALUES (d, n, p ->> 'version', t, x_uid, j_uid, u_uid, pr, p)
    ON CONFLICT (digest) DO UPDATE
        SET deliveries = e.deliveries + 1, last_received_at = now()
    RETURNING e.id, e.deliveries INTO event_id, k;
    IF k > 1 THEN
        status := 'duplicate';
        RETURN;
    END IF;
    status := 'stored';
    r := jimo.event_rank(n);

    IF x_uid IS NOT NULL THEN
        INSERT INTO jimo.experiences AS o
            (uid, title, type, state, is_draft, created_at, published_at, expires_at,
             trigger_type, recurrency_type, recurrency_value, tags, project_uid, deleted_at,
             state_at, state_rank, state_digest)
        VALUES (x_uid, x ->> 'title', x ->> 'type', x ->> 'state', (x ->> 'isDraft')::boolean,
                (x ->> 'createdAt')::timestamptz, (x ->> 'publishedAt')::timestamptz,
                (x ->> 'expiresAt')::timestamptz, x ->> 'triggerType', x ->> 'recurrencyType',
                (x ->> 'recurrencyValue')::numeric, x -> 'tags', pr,
                CASE WHEN n LIKE '%.deleted' THEN t END, t, r, d)
        ON CONFLICT (uid) DO UPDATE
            SET title = excluded.title, type = excluded.type, state = excluded.state,
                is_draft = excluded.is_draft, created_at = excluded.created_at,
                published_at = excluded.published_at, expires_at = excluded.expires_at,
                trigger_type = excluded.trigger_type, recurrency_type = excluded.recurrency_type,
                recurrency_value = excluded.recurrency_value, tags = excluded.tags,
                project_uid = excluded.project_uid,
                deleted_at = least(o.deleted_at, excluded.deleted_at),
                state_at = excluded.state_at, state_rank = excluded.state_rank,
                state_digest = excluded.state_digest
            WHERE (excluded.state_at, excluded.state_rank, excluded.state_digest)
                > (o.state_at, o.state_rank, o.state_digest);
        -- an older *.deleted than the state held: the row was not updated above
        IF n LIKE '%.deleted' THEN
            UPDATE jimo.experiences SET deleted_at = t
             WHERE uid = x_uid AND (deleted_at IS NULL OR deleted_at > t);
        END IF;
    END IF;

    IF j_uid IS NOT NULL THEN
        INSERT INTO jimo.jimers AS o
            (uid, identify_token, username, email, created_at, last_activity_at, project_uid,
             state_at, state_rank, state_digest)
        VALUES (j_uid, j ->> 'identifyToken', j ->> 'username', j ->> 'email',
                (j ->> 'createdAt')::timestamptz, (j ->> 'lastActivityAt')::timestamptz, pr,
                t, r, d)
        ON CONFLICT (uid) DO UPDATE
            SET identify_token = excluded.identify_token, username = excluded.username,
                email = excluded.email, created_at = excluded.created_at,
                last_activity_at = excluded.last_activity_at, project_uid = excluded.project_uid,
                state_at = excluded.state_at, state_rank = excluded.state_rank,
                state_digest = excluded.state_digest
            WHERE (excluded.state_at, excluded.state_rank, excluded.state_digest)
                > (o.state_at, o.state_rank, o.state_digest);
    END IF;

    IF u_uid IS NOT NULL THEN
        INSERT INTO jimo.users AS o
            (uid, email, first_name, last_name, project_uid, state_at, state_rank, state_digest)
        VALUES (u_uid, u ->> 'email', u ->> 'firstName', u ->> 'lastName', pr, t, r, d)
        ON CONFLICT (uid) DO UPDATE
            SET email = excluded.email, first_name = excluded.first_name,
                last_name = excluded.last_name, project_uid = excluded.project_uid,
                state_at = excluded.state_at, state_rank = excluded.state_rank,
                state_digest = excluded.state_digest
            WHERE (excluded.state_at, excluded.state_rank, excluded.state_digest)
                > (o.state_at, o.state_rank, o.state_digest);
    END IF;

    -- per-event facts
    IF n = 'survey.step.answered' THEN
        INSERT INTO jimo.survey_answers
        VALUES (event_id, x_uid, j_uid, t, p -> 'step' ->> 'uid', p -> 'step' ->> 'title',
                p -> 'step' ->> 'type', p -> 'answer');
    ELSIF n = 'checklist.task.completed' OR n = 'checklist.task.skipped' THEN
        INSERT INTO jimo.checklist_tasks
        VALUES (event_id, x_uid, j_uid, t, substr(n, 16), p -> 'task' ->> 'uid',
                p -> 'task' ->> 'title');
    ELSIF n = 'post.commented' THEN
        INSERT INTO jimo.post_comments
        VALUES (event_id, x_uid, j_uid, t, p -> 'comment' ->> 'uid',
                coalesce(p -> 'comment' ->> 'text', p -> 'comment' ->> 'content'));
    ELSIF n = 'post.liked' THEN
        INSERT INTO jimo.post_likes VALUES (event_id, x_uid, j_uid, t);
    END IF;
END
$$;

CREATE FUNCTION jimo.ingest(payload text, OUT event_id bigint, OUT status text)
    LANGUAGE sql
AS $$ SELECT * FROM jimo.ingest(payload::jsonb) $$;

-- Keep a body that could not be stored, with its error (called from an exception handler).
CREATE FUNCTION jimo.reject(body text, err text, state text) RETURNS void
    LANGUAGE sql
AS $$
    INSERT INTO jimo.rejected AS o (digest, error, sqlstate, body)
    VALUES (sha256(convert_to(body, 'UTF8')), err, state, body)
    ON CONFLICT (digest) DO UPDATE
        SET deliveries = o.deliveries + 1, last_received_at = now(),
            error = excluded.error, sqlstate = excluded.sqlstate
$$;

-- One body; never raises for bad input.
CREATE FUNCTION jimo.receive(body text, OUT event_id bigint, OUT status text, OUT error text)
    LANGUAGE plpgsql
AS $$
BEGIN
    SELECT i.event_id, i.status INTO event_id, status FROM jimo.ingest(body::jsonb) i;
EXCEPTION WHEN OTHERS THEN
    event_id := NULL;
    status := 'rejected';
    error := SQLERRM;
    PERFORM jimo.reject(body, SQLERRM, SQLSTATE);
END
$$;

-- Many bodies, one row per element in order; never raises for bad input.
CREATE FUNCTION jimo.receive_batch(bodies text[])
    RETURNS TABLE (ord integer, event_id bigint, status text, error text)
    LANGUAGE plpgsql
AS $$
DECLARE
    b text;
BEGIN
    ord := 0;
    FOREACH b IN ARRAY bodies LOOP
        ord := ord + 1;
        error := NULL;
        BEGIN
            IF b IS NULL THEN
                RAISE EXCEPTION 'jimo: body is NULL' USING ERRCODE = '22004';
            END IF;
            SELECT i.event_id, i.status INTO event_id, status FROM jimo.ingest(b::jsonb) i;
        EXCEPTION WHEN OTHERS THEN
            event_id := NULL;
            status := 'rejected';
            error := SQLERRM;
            IF b IS NOT NULL THEN
                PERFORM jimo.reject(b, SQLERRM, SQLSTATE);
            END IF;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
