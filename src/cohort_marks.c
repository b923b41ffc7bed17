/*-------------------------------------------------------------------------
 * cohort_marks.c
 *	  Mark the funnel cohorts a chunk's journeys may have changed.
 *
 * jimo.funnel_cohort_cache keeps each funnel cohort's row (a UTC day, week
 * or month of first starts) between reads; the views read a cached cohort
 * only while no row of jimo.funnel_cohort_marks covers one of its days (see
 * sql/install/13_funnel_cohort_cache.sql).  So every change to a journey
 * must mark, in the same transaction, the cohort it is in now and the one
 * it was in before.
 *
 * A journey's cohort is the day of its first start, or of its first
 * completion when it has no start.  The upsert (journeys.c) returns the
 * merged row N; this chunk's contribution P is in the fold; the row before,
 * O, is N less P: its counts exactly (they are sums), its first time exactly
 * unless P set N's first time, in which case it lies between N's first and
 * last time of that stage.  That bounded range is what gets marked then: the
 * old day is somewhere in it.  In-order ingest never needs it (a new event
 * is later than the journey's first), late arrivals mark a few days more.
 *
 * Marks are folded per call, written in key order (concurrent calls lock
 * shared rows in one order), one statement per call that marks anything.
 * A database still at 0.12 has no marks table until ALTER EXTENSION UPDATE:
 * whether it exists is asked after the journeys are written, as
 * step_scales.c does; the 0.13 upgrade locks jimo.journeys against writers
 * before it creates the table, and the cache it creates is empty and unused
 * until a first refresh computes every cohort.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/date.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "cohort_marks.h"
#include "columns.h"
#include "fold.h"
#include "rollups.h"

typedef struct MarkKey
{
	pg_uuid_t	experience_uid;
	DateADT		from_day;
	DateADT		to_day;
} MarkKey;

typedef struct Mark
{
	MarkKey		key;			/* hash key: must be first */
} Mark;

static const char *const marks_sql =
"INSERT INTO jimo.funnel_cohort_marks AS m (experience_uid, from_day, to_day, slot, xact) "
"SELECT u.e, u.f, u.t, $4, pg_current_xact_id() "
"FROM unnest($1, $2, $3) AS u(e, f, t) "
"ON CONFLICT (experience_uid, from_day, to_day, slot) DO UPDATE SET xact = excluded.xact "
"WHERE m.xact <> excluded.xact";

static SPIPlanPtr marks_plan = NULL;

HTAB *
jimo_cohort_marks_create(void)
{
	return jimo_fold_create("jimo cohort marks", sizeof(MarkKey), sizeof(Mark), 64);
}

static void
add_mark(HTAB *marks, const pg_uuid_t *experience, TimestampTz from, TimestampTz to)
{
	MarkKey		key;

	memset(&key, 0, sizeof(key));
	key.experience_uid = *experience;
	key.from_day = jimo_utc_day(from);
	key.to_day = jimo_utc_day(to);
	(void) hash_search(marks, &key, HASH_ENTER, NULL);
}

static TimestampTz
slot_time(TupleTableSlot *slot, int attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	return isnull ? 0 : DatumGetTimestampTz(d);
}

static int32
slot_int(TupleTableSlot *slot, int attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

/*
 * The marks of one journey: slot is its merged row, in the order of
 * JIMO_COHORT_MARKS_RETURNING; p what this chunk added to it.
 */
void
jimo_cohort_marks_add(HTAB *marks, TupleTableSlot *slot, const JimoJourney *p)
{
	const pg_uuid_t *experience = &p->key.experience_uid;
	TimestampTz first_started = slot_time(slot, 3);
	TimestampTz last_started = slot_time(slot, 4);
	int32		starts = slot_int(slot, 5);
	TimestampTz first_completed = slot_time(slot, 6);
	TimestampTz last_completed = slot_time(slot, 7);
	int32		completions = slot_int(slot, 8);
	int32		old_starts = starts - p->count[JSTAGE_STARTED];
	int32		old_completions = completions - p->count[JSTAGE_COMPLETED];

	/* the cohort it is in now */
	if (starts > 0)
		add_mark(marks, experience, first_started, first_started);
	else if (completions > 0)
		add_mark(marks, experience, first_completed, first_completed);

	/* the cohort it was in before, when that can differ */
	if (old_starts > 0)
	{
		if (p->count[JSTAGE_STARTED] > 0 &&
			p->first[JSTAGE_STARTED] <= first_started)
			add_mark(marks, experience, first_started, last_started);
	}
	else if (old_completions > 0)
	{
		if (p->count[JSTAGE_COMPLETED] > 0 &&
			p->first[JSTAGE_COMPLETED] <= first_completed)
			add_mark(marks, experience, first_completed, last_completed);
		else if (starts > 0)
			add_mark(marks, experience, first_completed, first_completed);
	}
}

static int
mark_cmp(const void *a, const void *b)
{
	const MarkKey *x = &(*(Mark *const *) a)->key;
	const MarkKey *y = &(*(Mark *const *) b)->key;
	int			c = memcmp(&x->experience_uid, &y->experience_uid, sizeof(pg_uuid_t));

	if (c != 0)
		return c;
	if (x->from_day != y->from_day)
		return x->from_day < y->from_day ? -1 : 1;
	if (x->to_day != y->to_day)
		return x->to_day < y->to_day ? -1 : 1;
	return 0;
}

void
jimo_cohort_marks_write(HTAB *marks)
{
	long		n;
	Mark	  **sorted = (Mark **) jimo_fold_sorted(marks, mark_cmp, &n);
	Datum	   *experiences;
	Datum	   *froms;
	Datum	   *tos;
	Datum		args[4];
	long		i;
	int			rc;

	if (n == 0 ||
		!OidIsValid(get_relname_relid("funnel_cohort_marks",
									  get_namespace_oid("jimo", false))))
		return;

	experiences = palloc(sizeof(Datum) * n);
	froms = palloc(sizeof(Datum) * n);
	tos = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		experiences[i] = UUIDPGetDatum(&sorted[i]->key.experience_uid);
		froms[i] = DateADTGetDatum(sorted[i]->key.from_day);
		tos[i] = DateADTGetDatum(sorted[i]->key.to_day);
	}
	if (marks_plan == NULL)
	{
		Oid			argtypes[4] = {UUIDARRAYOID, DATEARRAYOID, DATEARRAYOID, INT2OID};

		marks_plan = jimo_prepare(marks_sql, 4, argtypes);
	}
	args[0] = jimo_array(experiences, NULL, n, UUIDOID);
	args[1] = jimo_array(froms, NULL, n, DATEOID);
	args[2] = jimo_array(tos, NULL, n, DATEOID);
	args[3] = Int16GetDatum(jimo_writer_slot());
	rc = SPI_execute_plan(marks_plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "jimo: writing jimo.funnel_cohort_marks failed: %s",
			 SPI_result_code_string(rc));
}
