/*-------------------------------------------------------------------------
 * journeys.c
 *	  jimo.journeys: one row per (experience, jimer), kept current at ingest.
 *
 * Each stage keeps its first time, last time and count over the stored
 * (hence distinct) events; all three merge with LEAST, GREATEST and +, so
 * a "completed" that arrives before its "started" ends up the same as in
 * order.  Events of one chunk are folded in memory first, so a chunk costs
 * one upsert per journey it touches rather than one per event.
 *
 * On one node the upsert returns each merged row, from which
 * cohort_marks.c marks the funnel cohorts it may have changed and
 * jimer_counts.c counts the journeys each jimer gained, started or
 * completed.  On Citus the funnel views and jimer_dimension read the
 * journeys themselves (55_citus_views.sql): nothing is marked or counted.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/timestamp.h"

#include "cohort_marks.h"
#include "fold.h"
#include "jimer_counts.h"
#include "journeys.h"
#include "layout.h"

#define STAGE_COLS(first, last, count) \
	{first, TIMESTAMPTZOID, JCOL_MIN, NULL}, \
	{last, TIMESTAMPTZOID, JCOL_MAX, NULL}, \
	{count, INT4OID, JCOL_SUM, NULL}

/* stage columns in JimoStage order */
static const JimoColumn journey_cols[] = {
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"jimer_uid", UUIDOID, JCOL_KEY, NULL},
	STAGE_COLS("first_started_at", "last_started_at", "starts"),
	STAGE_COLS("first_progress_at", "last_progress_at", "progress_events"),
	STAGE_COLS("first_completed_at", "last_completed_at", "completions"),
	STAGE_COLS("first_dismissed_at", "last_dismissed_at", "dismissals"),
	STAGE_COLS("first_seen_at", "last_seen_at", "views"),
	STAGE_COLS("first_liked_at", "last_liked_at", "likes"),
	STAGE_COLS("first_commented_at", "last_commented_at", "comments"),
};

StaticAssertDecl(lengthof(journey_cols) == 2 + 3 * JIMO_NSTAGES,
				 "journey columns out of sync with JimoStage");

static JimoTable journeys_table = {
	"jimo.journeys", journey_cols, lengthof(journey_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

/*
 * the same upsert, returning what cohort_marks.c and jimer_counts.c need of
 * each merged row
 */
static JimoTable journeys_marked_table = {
	"jimo.journeys", journey_cols, lengthof(journey_cols),
	JCONFLICT_MERGE, JIMO_COHORT_MARKS_RETURNING ", " JIMO_JIMER_COUNTS_RETURNING,
	NULL, NULL, 0, 0, NULL, 0
};

typedef struct MarkArg
{
	HTAB	   *journeys;
	HTAB	   *marks;
	HTAB	   *counts;
} MarkArg;

/* one merged row back from the upsert: mark its cohorts, count it */
static void
mark_journey(TupleTableSlot *slot, void *arg)
{
	MarkArg    *a = (MarkArg *) arg;
	JimoJourneyKey key;
	JimoJourney *p;
	bool		isnull;

	memset(&key, 0, sizeof(key));
	key.experience_uid = *DatumGetUUIDP(slot_getattr(slot, 1, &isnull));
	key.jimer_uid = *DatumGetUUIDP(slot_getattr(slot, 2, &isnull));
	p = hash_search(a->journeys, &key, HASH_FIND, NULL);
	if (p == NULL)
		elog(ERROR, "jimo: the journeys upsert returned a journey it was not given");
	jimo_cohort_marks_add(a->marks, slot, p);
	jimo_jimer_counts_add(a->counts, slot, p);
}

HTAB *
jimo_journeys_create(int nelem)
{
	return jimo_fold_create("jimo journeys", sizeof(JimoJourneyKey),
							sizeof(JimoJourney), nelem);
}

void
jimo_journeys_add(HTAB *journeys, const JimoEvent *ev)
{
	JimoJourneyKey key;
	JimoJourney *j;
	bool		found;

	if (ev->stage == JSTAGE_NONE ||
		!ev->has[JENT_EXPERIENCE] || !ev->has[JENT_JIMER])
		return;
	memset(&key, 0, sizeof(key));
	key.experience_uid = ev->uid[JENT_EXPERIENCE];
	key.jimer_uid = ev->uid[JENT_JIMER];
	j = hash_search(journeys, &key, HASH_ENTER, &found);
	if (!found)
	{
		memset(j->count, 0, sizeof(j->count));
		memset(j->first, 0, sizeof(j->first));
		memset(j->last, 0, sizeof(j->last));
	}
	if (j->count[ev->stage] == 0 || ev->occurred_at < j->first[ev->stage])
		j->first[ev->stage] = ev->occurred_at;
	if (j->count[ev->stage] == 0 || ev->occurred_at > j->last[ev->stage])
		j->last[ev->stage] = ev->occurred_at;
	j->count[ev->stage]++;
}

/* a consistent row order keeps concurrent upserts from deadlocking */
static int
journey_cmp(const void *a, const void *b)
{
	return memcmp(&(*(JimoJourney *const *) a)->key,
				  &(*(JimoJourney *const *) b)->key, sizeof(JimoJourneyKey));
}

void
jimo_journeys_write(HTAB *journeys)
{
	long		n;
	JimoJourney **sorted = (JimoJourney **) jimo_fold_sorted(journeys, journey_cmp, &n);
	JimoJourney *j;
	JimoRows	rows;
	long		i;

	if (n == 0)
		return;

	jimo_rows_init(&rows, jimo_layout()->distributed ? &journeys_table :
				   &journeys_marked_table, n);
	for (i = 0; i < n; i++)
	{
		Datum		values[lengthof(journey_cols)];
		bool		nulls[lengthof(journey_cols)];
		int			s;

		j = sorted[i];
		values[0] = UUIDPGetDatum(&j->key.experience_uid);
		values[1] = UUIDPGetDatum(&j->key.jimer_uid);
		nulls[0] = nulls[1] = false;
		for (s = 0; s < JIMO_NSTAGES; s++)
		{
			int			c = 2 + 3 * s;

			values[c] = TimestampTzGetDatum(j->first[s]);
			values[c + 1] = TimestampTzGetDatum(j->last[s]);
			values[c + 2] = Int32GetDatum(j->count[s]);
			nulls[c] = nulls[c + 1] = (j->count[s] == 0);
			nulls[c + 2] = false;
		}
		jimo_rows_add(&rows, values, nulls);
	}
	if (jimo_layout()->distributed)
		jimo_rows_write(&rows);
	else
	{
		MarkArg		arg = {journeys, jimo_cohort_marks_create(),
		jimo_jimer_counts_create()};

		jimo_rows_write_returning(&rows, mark_journey, &arg);
		jimo_cohort_marks_write(arg.marks);
		jimo_jimer_counts_write(arg.counts);
	}
}
