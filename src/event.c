/*-------------------------------------------------------------------------
 * event.c
 *	  Validate a Jimo event and classify it by name.
 *
 * Only what identifies an event is strict: its name, its time and the uids
 * of the objects it mentions.  A payload without them cannot be placed and
 * is rejected (and kept, by the caller).  Everything else is read leniently.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "datatype/timestamp.h"
#include "utils/builtins.h"

#include "event.h"
#include "extract.h"

/* event names are indexed; keep them well under btree's row size limit */
#define JIMO_MAX_EVENT_NAME 200

/*
 * The latest event time accepted: 8.64e15 ms after 1970, the end of a
 * JavaScript Date's range (+275760-09-13), which no sender of Jimo's can go
 * past.  PostgreSQL's own range runs to 294276, but the views subtract event
 * times (a completion minus a first start) and add the conversion window to
 * them: timestamptz minus timestamptz wraps around silently beyond 292 000
 * years in PostgreSQL 15, and a start in the window's last days before 294277
 * made "first start + window" raise, failing tour_funnel_daily and
 * funnel_cohorts for every experience.  Up to here, both stay in range.
 */
#define JIMO_MAX_EVENT_TIME_MS 8640000000000000.0

static const char *const entity_keys[JIMO_NENTITIES] = {
	"experience", "jimer", "user", "project"
};

static void
reject(const char *key, const char *what, JsonbValue *got, const char *hint)
{
	if (got == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo: key \"%s\" is missing", key),
				 hint ? errhint("%s", hint) : 0));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("jimo: key \"%s\" must be %s, got %s",
					key, what, jimo_describe(got)),
			 hint ? errhint("%s", hint) : 0));
}

/* the canonical 8-4-4-4-12 form that Jimo sends */
static bool
is_uuid(JsonbValue *v)
{
	int			i;

	if (v->type != jbvString || v->val.string.len != 36)
		return false;
	for (i = 0; i < 36; i++)
	{
		char		c = v->val.string.val[i];

		if (i == 8 || i == 13 || i == 18 || i == 23)
		{
			if (c != '-')
				return false;
		}
		else if (!isxdigit((unsigned char) c))
			return false;
	}
	return true;
}

static void
read_entity(JimoEvent *ev, JsonbContainer *root, JimoEntityKind kind)
{
	const char *key = entity_keys[kind];
	JsonbValue *v = jimo_get(root, key);
	JsonbValue *uid;
	char		uidkey[32];

	if (v == NULL)
		return;
	snprintf(uidkey, sizeof(uidkey), "%s.uid", key);
	if (jimo_as_object(v) == NULL)
		reject(key, "an object", v, NULL);
	uid = jimo_get(v->val.binary.data, "uid");
	if (uid == NULL || !is_uuid(uid))
		reject(uidkey, "a UUID", uid, "Jimo identifies every object by a UUID in \"uid\".");

	ev->has[kind] = true;
	ev->object[kind] = v;
	memcpy(ev->uid[kind].data,
		   DatumGetUUIDP(DirectFunctionCall1(uuid_in,
											 CStringGetDatum(pnstrdup(uid->val.string.val, 36))))->data,
		   UUID_LEN);
}

/*
 * Classify an event by the parts of its name.  Names have two or three
 * dot-separated parts (tour.completed, survey.step.answered); unknown names
 * get rank 0 and no stage, and are stored all the same.
 *
 * The rank orders events that share a time, so that the latest state does
 * not depend on arrival order: created < published < status-changed <
 * started/seen < step/task/like/comment < completed/dismissed < deleted.
 */
static void
classify(const char *name, int *rank, JimoStage *stage, JimoFactKind *fact,
		 bool *deletes)
{
	const char *last = strrchr(name, '.');
	const char *first_dot = strchr(name, '.');
	bool		three_parts = last != NULL && first_dot != last;
	char	   *middle = NULL;

	*rank = 0;
	*stage = JSTAGE_NONE;
	*fact = JFACT_NONE;
	*deletes = false;
	if (last == NULL)
		return;
	last++;
	if (three_parts)
		middle = pnstrdup(first_dot + 1, (last - 1) - (first_dot + 1));

	if (three_parts && (strcmp(middle, "step") == 0 || strcmp(middle, "task") == 0))
	{
		*rank = 50;
		*stage = JSTAGE_PROGRESS;
		if (strcmp(middle, "step") == 0 && strcmp(last, "answered") == 0)
			*fact = JFACT_SURVEY_ANSWER;
		else if (strcmp(middle, "task") == 0 &&
				 (strcmp(last, "completed") == 0 || strcmp(last, "skipped") == 0))
			*fact = JFACT_CHECKLIST_TASK;
		return;
	}
	if (strcmp(last, "created") == 0)
		*rank = 10;
	else if (strcmp(last, "published") == 0)
		*rank = 20;
	else if (strcmp(last, "status-changed") == 0)
		*rank = 30;
	else if (strcmp(last, "started") == 0)
		*rank = 40, *stage = JSTAGE_STARTED;
	else if (strcmp(last, "seen") == 0)
		*rank = 40, *stage = JSTAGE_SEEN;
	else if (strcmp(last, "liked") == 0)
		*rank = 50, *stage = JSTAGE_LIKED, *fact = JFACT_POST_LIKE;
	else if (strcmp(last, "commented") == 0)
		*rank = 50, *stage = JSTAGE_COMMENTED, *fact = JFACT_POST_COMMENT;
	else if (strcmp(last, "completed") == 0)
		*rank = 60, *stage = JSTAGE_COMPLETED;
	else if (strcmp(last, "dismissed") == 0)
		*rank = 60, *stage = JSTAGE_DISMISSED;
	else if (strcmp(last, "deleted") == 0)
		*rank = 90, *deletes = true;
}

/*
 * The event's jimer_key: its jimer's uid, or the nil uuid for an event
 * without one (authoring events).  Never NULL, because Citus shards by it.
 */
const pg_uuid_t *
jimo_jimer_key(const JimoEvent *ev)
{
	static const pg_uuid_t nil = {{0}};

	return ev->has[JENT_JIMER] ? &ev->uid[JENT_JIMER] : &nil;
}

int
jimo_rank_of(const char *name)
{
	int			rank;
	JimoStage	stage;
	JimoFactKind fact;
	bool		deletes;

	classify(name, &rank, &stage, &fact, &deletes);
	return rank;
}

void
jimo_event_parse(Jsonb *payload, JimoEvent *ev)
{
	JsonbContainer *root = &payload->root;
	JsonbValue *v;
	int			k;

	if (!JB_ROOT_IS_OBJECT(payload))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("jimo: payload must be a JSON object, got %s",
						JB_ROOT_IS_SCALAR(payload) ? "a scalar" : "an array"),
				 errhint("Jimo sends one JSON object per event.")));

	memset(ev, 0, sizeof(JimoEvent));
	ev->payload = payload;

	v = jimo_get(root, "event");
	if (v == NULL || v->type != jbvString || v->val.string.len == 0 ||
		v->val.string.len > JIMO_MAX_EVENT_NAME)
		reject("event", "a non-empty string of at most 200 bytes", v,
			   "Every Jimo webhook names its event, e.g. \"tour.completed\".");
	ev->name = pnstrdup(v->val.string.val, v->val.string.len);

	v = jimo_get(root, "time");
	if (v == NULL || !jimo_epoch(v, &ev->occurred_at))
		reject("time", "a unix time in milliseconds (or seconds) after 1970", v,
			   "Jimo sends \"time\" as a number of milliseconds, e.g. 1740133769000.");
	if (ev->occurred_at >
		(TimestampTz) (JIMO_MAX_EVENT_TIME_MS * 1000.0) -
		(TimestampTz) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY)
		reject("time", "a unix time in milliseconds (or seconds) after 1970 and at most 8640000000000000 ms (year 275760)",
			   v, "Jimo sends \"time\" as a number of milliseconds, e.g. 1740133769000.");

	ev->version = jimo_cstring(jimo_get(root, "version"));

	for (k = 0; k < JIMO_NENTITIES; k++)
		read_entity(ev, root, (JimoEntityKind) k);

	classify(ev->name, &ev->rank, &ev->stage, &ev->fact, &ev->deletes);
	jimo_fact_extract(ev);
	jimo_digest_jsonb(payload, &ev->digest);
}
