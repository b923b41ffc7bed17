/*-------------------------------------------------------------------------
 * steps.c
 *	  Survey steps and step journeys, kept current at ingest.
 *
 * A survey funnel counts the jimers who reached each step.  Counting them
 * from jimo.survey_answers means reading every answer; instead each chunk's
 * new answers are folded into one row per (survey, step, jimer) in
 * jimo.survey_step_journeys and one per (survey, step) in jimo.survey_steps.
 * Both merge with LEAST, GREATEST, + and newest-state-wins, so the result
 * does not depend on arrival order, like jimo.journeys.
 *
 * Step ids are text (Jimo does not publish their shape), so rows are folded
 * by sorting rather than hashing: one sort serves both tables and leaves the
 * rows in key order, which keeps concurrent upserts from deadlocking.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "entities.h"
#include "steps.h"

/* survey_answers columns (facts.c) that steps are read from */
#define ANSWER_STEP_UID 4
#define ANSWER_STEP_TITLE 5
#define ANSWER_STEP_TYPE 6
#define ANSWER_STEP_POSITION 7

static const JimoColumn step_journey_cols[] = {
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"step_uid", TEXTOID, JCOL_KEY, NULL},
	{"jimer_uid", UUIDOID, JCOL_KEY, NULL},
	{"first_answered_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	{"last_answered_at", TIMESTAMPTZOID, JCOL_MAX, NULL},
	{"answers", INT4OID, JCOL_SUM, NULL},
};

static JimoTable step_journeys_table = {
	"jimo.survey_step_journeys", step_journey_cols, lengthof(step_journey_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

static const JimoColumn step_cols[] = {
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"step_uid", TEXTOID, JCOL_KEY, NULL},
	{"step_title", TEXTOID, JCOL_STATE, NULL},
	{"step_type", TEXTOID, JCOL_STATE, NULL},
	{"step_position", INT4OID, JCOL_STATE, NULL},
	{"first_answered_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	{"last_answered_at", TIMESTAMPTZOID, JCOL_MAX, NULL},
	{"answers", INT4OID, JCOL_SUM, NULL},
	{"state_at", TIMESTAMPTZOID, JCOL_STATE, NULL},
	{"state_rank", INT4OID, JCOL_STATE, NULL},
	{"state_digest", BYTEAOID, JCOL_STATE, NULL},
};

static JimoTable steps_table = {
	"jimo.survey_steps", step_cols, lengthof(step_cols),
	JCONFLICT_LATEST, NULL, NULL, NULL, 0, 0, NULL, 0
};

/* one new answer, with what it is folded on */
typedef struct StepRef
{
	pg_uuid_t	experience_uid;
	const char *step_uid;
	pg_uuid_t	jimer_uid;
	JimoEvent  *ev;
} StepRef;

static int
step_cmp(const StepRef *a, const StepRef *b)
{
	int			c = memcmp(&a->experience_uid, &b->experience_uid, sizeof(pg_uuid_t));

	return c != 0 ? c : strcmp(a->step_uid, b->step_uid);
}

static int
step_jimer_cmp(const void *pa, const void *pb)
{
	const StepRef *a = pa;
	const StepRef *b = pb;
	int			c = step_cmp(a, b);

	return c != 0 ? c : memcmp(&a->jimer_uid, &b->jimer_uid, sizeof(pg_uuid_t));
}

/* the text of a fact column, or "" when it is NULL */
static const char *
step_uid_of(const JimoEvent *ev)
{
	if (ev->fact_nulls[ANSWER_STEP_UID])
		return "";
	return TextDatumGetCString(ev->fact_values[ANSWER_STEP_UID]);
}

/* add the row for refs[from .. to-1], which share a step (and a jimer) */
static void
add_step_journey(JimoRows *rows, StepRef *refs, int from, int to)
{
	Datum		values[lengthof(step_journey_cols)];
	bool		nulls[lengthof(step_journey_cols)] = {0};
	TimestampTz first = refs[from].ev->occurred_at;
	TimestampTz last = first;
	int			i;

	for (i = from + 1; i < to; i++)
	{
		first = Min(first, refs[i].ev->occurred_at);
		last = Max(last, refs[i].ev->occurred_at);
	}
	values[0] = UUIDPGetDatum(&refs[from].experience_uid);
	values[1] = CStringGetTextDatum(refs[from].step_uid);
	values[2] = UUIDPGetDatum(&refs[from].jimer_uid);
	values[3] = TimestampTzGetDatum(first);
	values[4] = TimestampTzGetDatum(last);
	values[5] = Int32GetDatum(to - from);
	jimo_rows_add(rows, values, nulls);
}

static void
add_step(JimoRows *rows, StepRef *refs, int from, int to)
{
	Datum		values[lengthof(step_cols)];
	bool		nulls[lengthof(step_cols)] = {0};
	JimoEvent  *winner = refs[from].ev;
	TimestampTz first = winner->occurred_at;
	TimestampTz last = first;
	int			i;

	for (i = from + 1; i < to; i++)
	{
		JimoEvent  *ev = refs[i].ev;

		if (jimo_entity_newer(ev, winner))
			winner = ev;
		first = Min(first, ev->occurred_at);
		last = Max(last, ev->occurred_at);
	}
	values[0] = UUIDPGetDatum(&refs[from].experience_uid);
	values[1] = CStringGetTextDatum(refs[from].step_uid);
	for (i = 0; i < 3; i++)
	{
		values[2 + i] = winner->fact_values[ANSWER_STEP_TITLE + i];
		nulls[2 + i] = winner->fact_nulls[ANSWER_STEP_TITLE + i];
	}
	Assert(ANSWER_STEP_POSITION == ANSWER_STEP_TITLE + 2);
	values[5] = TimestampTzGetDatum(first);
	values[6] = TimestampTzGetDatum(last);
	values[7] = Int32GetDatum(to - from);
	values[8] = TimestampTzGetDatum(winner->occurred_at);
	values[9] = Int32GetDatum(winner->rank);
	values[10] = jimo_digest_datum(&winner->digest);
	jimo_rows_add(rows, values, nulls);
}

void
jimo_steps_write(JimoUnique *uniq, int nuniq)
{
	StepRef    *refs = palloc(sizeof(StepRef) * Max(nuniq, 1));
	JimoRows	journeys;
	JimoRows	steps;
	int			n = 0;
	int			i;
	int			step_start;
	int			jimer_start;

	for (i = 0; i < nuniq; i++)
	{
		JimoEvent  *ev = uniq[i].item->ev;

		if (!uniq[i].is_new || ev->fact != JFACT_SURVEY_ANSWER ||
			!ev->has[JENT_EXPERIENCE] || !ev->has[JENT_JIMER])
			continue;
		refs[n].experience_uid = ev->uid[JENT_EXPERIENCE];
		refs[n].step_uid = step_uid_of(ev);
		refs[n].jimer_uid = ev->uid[JENT_JIMER];
		refs[n].ev = ev;
		n++;
	}
	if (n == 0)
		return;
	qsort(refs, n, sizeof(StepRef), step_jimer_cmp);

	jimo_rows_init(&journeys, &step_journeys_table, n);
	jimo_rows_init(&steps, &steps_table, 16);
	step_start = jimer_start = 0;
	for (i = 1; i <= n; i++)
	{
		bool		new_step = i == n || step_cmp(&refs[i], &refs[step_start]) != 0;

		if (new_step || step_jimer_cmp(&refs[i], &refs[jimer_start]) != 0)
		{
			add_step_journey(&journeys, refs, jimer_start, i);
			jimer_start = i;
		}
		if (new_step)
		{
			add_step(&steps, refs, step_start, i);
			step_start = i;
		}
	}
	jimo_rows_write(&journeys);
	jimo_rows_write(&steps);
}
