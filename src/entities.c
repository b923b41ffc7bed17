/*-------------------------------------------------------------------------
 * entities.c
 *	  Latest-state tables: experiences, jimers, users, projects.
 *
 * Every event carries a full snapshot of the objects it mentions.  A row
 * holds the snapshot of the newest event by event time, with ties broken by
 * the event's rank and then by digest: a total order over events, so the
 * final row is the same whatever order deliveries arrive in.  Earliest
 * times (first_event_at, deleted_at) merge with LEAST for the same reason.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "entities.h"
#include "extract.h"

typedef enum FieldReader
{
	READ_TEXT,
	READ_BOOL,
	READ_TIME,
	READ_NUMERIC,
	READ_ARRAY
} FieldReader;

/* a descriptive column and the Jimo key it is read from */
typedef struct EntityField
{
	const char *json_key;
	FieldReader reader;
} EntityField;

typedef struct EntitySpec
{
	const char *payload_key;
	const EntityField *fields;	/* columns 1 .. nfields */
	int			nfields;
	bool		has_project_uid;	/* the column after the fields */
	bool		has_deleted_at; /* the column after that */
	bool		has_event_type; /* the column after the state tail */
} EntitySpec;

#define COL(name, type) {name, type, JCOL_STATE, NULL}

/* every latest-state table ends with these columns, in this order */
#define STATE_TAIL_COLS \
	{"snapshot", JSONBOID, JCOL_STATE, NULL}, \
	{"first_event_at", TIMESTAMPTZOID, JCOL_MIN, NULL}, \
	{"state_at", TIMESTAMPTZOID, JCOL_STATE, NULL}, \
	{"state_rank", INT4OID, JCOL_STATE, NULL}, \
	{"state_digest", BYTEAOID, JCOL_STATE, NULL}
#define STATE_TAIL_NCOLS 5

static const JimoColumn experience_cols[] = {
	{"uid", UUIDOID, JCOL_KEY, NULL},
	COL("title", TEXTOID),
	COL("type", TEXTOID),
	COL("state", TEXTOID),
	COL("is_draft", BOOLOID),
	COL("created_at", TIMESTAMPTZOID),
	COL("published_at", TIMESTAMPTZOID),
	COL("expires_at", TIMESTAMPTZOID),
	COL("trigger_type", TEXTOID),
	COL("recurrency_type", TEXTOID),
	COL("recurrency_value", NUMERICOID),
	COL("tags", JSONBOID),
	COL("project_uid", UUIDOID),
	{"deleted_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	STATE_TAIL_COLS,
	/* 0.10: absent from older schemas, so last (see jimo_entity_row) */
	{"event_type", TEXTOID, JCOL_MIN, NULL}
};
static const EntityField experience_fields[] = {
	{"title", READ_TEXT},
	{"type", READ_TEXT},
	{"state", READ_TEXT},
	{"isDraft", READ_BOOL},
	{"createdAt", READ_TIME},
	{"publishedAt", READ_TIME},
	{"expiresAt", READ_TIME},
	{"triggerType", READ_TEXT},
	{"recurrencyType", READ_TEXT},
	{"recurrencyValue", READ_NUMERIC},
	{"tags", READ_ARRAY},
};

static const JimoColumn jimer_cols[] = {
	{"uid", UUIDOID, JCOL_KEY, NULL},
	COL("identify_token", TEXTOID),
	COL("username", TEXTOID),
	COL("email", TEXTOID),
	COL("created_at", TIMESTAMPTZOID),
	COL("last_activity_at", TIMESTAMPTZOID),
	COL("project_uid", UUIDOID),
	STATE_TAIL_COLS
};
static const EntityField jimer_fields[] = {
	{"identifyToken", READ_TEXT},
	{"username", READ_TEXT},
	{"email", READ_TEXT},
	{"createdAt", READ_TIME},
	{"lastActivityAt", READ_TIME},
};

static const JimoColumn user_cols[] = {
	{"uid", UUIDOID, JCOL_KEY, NULL},
	COL("email", TEXTOID),
	COL("first_name", TEXTOID),
	COL("last_name", TEXTOID),
	COL("project_uid", UUIDOID),
	STATE_TAIL_COLS
};
static const EntityField user_fields[] = {
	{"email", READ_TEXT},
	{"firstName", READ_TEXT},
	{"lastName", READ_TEXT},
};

static const JimoColumn project_cols[] = {
	{"uid", UUIDOID, JCOL_KEY, NULL},
	COL("name", TEXTOID),
	STATE_TAIL_COLS
};
static const EntityField project_fields[] = {
	{"name", READ_TEXT},
};

#define SPEC(key, fields, project, deleted, event_type) \
	{key, fields, lengthof(fields), project, deleted, event_type}

static const EntitySpec entity_specs[JIMO_NENTITIES] = {
	[JENT_EXPERIENCE] = SPEC("experience", experience_fields, true, true, true),
	[JENT_JIMER] = SPEC("jimer", jimer_fields, true, false, false),
	[JENT_USER] = SPEC("user", user_fields, true, false, false),
	[JENT_PROJECT] = SPEC("project", project_fields, false, false, false),
};

/* the column lists above must match the field lists */
#define NCOLS(fields, project, deleted, event_type) \
	(1 + lengthof(fields) + (project) + (deleted) + STATE_TAIL_NCOLS + (event_type))
StaticAssertDecl(lengthof(experience_cols) == NCOLS(experience_fields, 1, 1, 1),
				 "experience columns out of sync");
StaticAssertDecl(lengthof(jimer_cols) == NCOLS(jimer_fields, 1, 0, 0),
				 "jimer columns out of sync");
StaticAssertDecl(lengthof(user_cols) == NCOLS(user_fields, 1, 0, 0),
				 "user columns out of sync");
StaticAssertDecl(lengthof(project_cols) == NCOLS(project_fields, 0, 0, 0),
				 "project columns out of sync");
StaticAssertDecl(lengthof(experience_cols) <= JIMO_ENTITY_MAXCOLS,
				 "JIMO_ENTITY_MAXCOLS too small");

#define TABLE(name, cols) \
	{name, cols, lengthof(cols), JCONFLICT_LATEST, NULL, NULL, NULL, 0, 0, NULL, 0}

JimoTable	jimo_entity_tables[JIMO_NENTITIES] = {
	[JENT_EXPERIENCE] = TABLE("jimo.experiences", experience_cols),
	[JENT_JIMER] = TABLE("jimo.jimers", jimer_cols),
	[JENT_USER] = TABLE("jimo.users", user_cols),
	[JENT_PROJECT] = TABLE("jimo.projects", project_cols),
};

/*
 * The first part of an event's name (tour in tour.started): the type of an
 * experience whose snapshots carry none.  Kept at ingest because the events
 * it was once read from expire.  Of several, the least in byte order (the
 * column is COLLATE "C", so LEAST in the upsert agrees): the same whatever
 * order and chunks the events arrive in.
 */
void
jimo_entity_event_type(JimoEntityState *st, const JimoEvent *ev, bool first)
{
	const char *dot = strchr(ev->name, '.');
	int			len = dot ? (int) (dot - ev->name) : (int) strlen(ev->name);
	int			cmp;

	if (!first)
	{
		cmp = memcmp(ev->name, st->event_type, Min(len, st->event_type_len));
		if (cmp > 0 || (cmp == 0 && len >= st->event_type_len))
			return;
	}
	st->event_type = ev->name;
	st->event_type_len = len;
}

/* is event a newer than event b in the total order used for latest state? */
bool
jimo_entity_newer(const JimoEvent *a, const JimoEvent *b)
{
	if (a->occurred_at != b->occurred_at)
		return a->occurred_at > b->occurred_at;
	if (a->rank != b->rank)
		return a->rank > b->rank;
	/* same order as bytea comparison in SQL: digests have equal length */
	return memcmp(a->digest.bytes, b->digest.bytes, sizeof(a->digest.bytes)) > 0;
}

static bool
read_field(JsonbValue *v, FieldReader reader, Datum *out)
{
	switch (reader)
	{
		case READ_TEXT:
			return jimo_text(v, out);
		case READ_BOOL:
			return jimo_bool(v, out);
		case READ_TIME:
			return jimo_timestamptz(v, out);
		case READ_NUMERIC:
			return jimo_numeric(v, out);
		case READ_ARRAY:
			if (jimo_as_array(v) == NULL)
				return false;
			*out = jimo_jsonb_datum(v);
			return true;
	}
	return false;
}

void
jimo_entity_row(JimoEntityKind kind, const JimoEntityState *st,
				Datum *values, bool *nulls)
{
	const EntitySpec *spec = &entity_specs[kind];
	const JimoEvent *ev = st->winner;
	JsonbValue *obj = ev->object[kind];
	int			col = 0;
	int			i;

	values[col] = UUIDPGetDatum(&st->uid);
	nulls[col++] = false;
	for (i = 0; i < spec->nfields; i++, col++)
		nulls[col] = !read_field(jimo_get(obj->val.binary.data,
										  spec->fields[i].json_key),
								 spec->fields[i].reader, &values[col]);
	if (spec->has_project_uid)
	{
		values[col] = UUIDPGetDatum(&ev->uid[JENT_PROJECT]);
		nulls[col++] = !ev->has[JENT_PROJECT];
	}
	if (spec->has_deleted_at)
	{
		values[col] = TimestampTzGetDatum(st->deleted_at);
		nulls[col++] = !st->deleted;
	}
	values[col] = jimo_jsonb_datum(obj);
	nulls[col++] = false;
	values[col] = TimestampTzGetDatum(st->first_event_at);
	nulls[col++] = false;
	values[col] = TimestampTzGetDatum(ev->occurred_at);
	nulls[col++] = false;
	values[col] = Int32GetDatum(ev->rank);
	nulls[col++] = false;
	values[col] = jimo_digest_datum(&ev->digest);
	nulls[col++] = false;
	if (spec->has_event_type)
	{
		values[col] = PointerGetDatum(cstring_to_text_with_len(st->event_type,
															   st->event_type_len));
		nulls[col++] = false;
	}
	Assert(col == jimo_entity_tables[kind].ncols);
}
