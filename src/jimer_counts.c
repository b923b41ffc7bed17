/*-------------------------------------------------------------------------
 * jimer_counts.c
 *	  Keep jimo.jimer_journey_counts from the merged journeys of a chunk.
 *
 * jimo.jimer_dimension shows per jimer its journeys, those with a start and
 * those with a completion (sql/install/14_jimer_journey_counts.sql).  A
 * journey only ever grows: it comes to exist, to have a start and to have a
 * completion once each, whatever the order its events arrive in.  The
 * journeys upsert (journeys.c) returns each merged row N and this chunk's
 * contribution P is in the fold; the row before, O, is N less P in its
 * counts (sums), exactly.  So the chunk created the journey when O held no
 * event, gave it its first start when O had no start and N has one, its
 * first completion likewise; each adds one to its jimer's count, and the
 * sum over every chunk is the count over the journeys, in any order.
 *
 * Deltas are folded per jimer and written in jimer order, one statement per
 * call that changes any; rows of one jimer are written only by transactions
 * that also lock its row of jimo.jimers, so they queue there in any case.
 * A database still at 0.13 has no such table until ALTER EXTENSION UPDATE:
 * whether it exists is asked after the journeys are written, as
 * cohort_marks.c does; the 0.14 upgrade locks jimo.journeys against writers
 * before it creates the table and fills it from the journeys.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/lsyscache.h"
#include "utils/uuid.h"

#include "cohort_marks.h"
#include "columns.h"
#include "fold.h"
#include "jimer_counts.h"

typedef struct JimerCount
{
	pg_uuid_t	jimer_uid;		/* hash key: must be first */
	int32		experiences;
	int32		started;
	int32		completed;
} JimerCount;

/* the attribute numbers of the RETURNING list (cohort_marks.h, then ours) */
#define RET_STARTS		5
#define RET_COMPLETIONS	8
#define RET_TOTAL		9

static const char *const counts_sql =
"INSERT INTO jimo.jimer_journey_counts AS c (jimer_uid, experiences, started, completed) "
"SELECT * FROM unnest($1, $2, $3, $4) "
"ON CONFLICT (jimer_uid) DO UPDATE SET "
"experiences = c.experiences + excluded.experiences, "
"started = c.started + excluded.started, "
"completed = c.completed + excluded.completed";

static SPIPlanPtr counts_plan = NULL;

HTAB *
jimo_jimer_counts_create(void)
{
	return jimo_fold_create("jimo jimer counts", sizeof(pg_uuid_t),
							sizeof(JimerCount), 64);
}

static int32
slot_int(TupleTableSlot *slot, int attnum)
{
	bool		isnull;
	Datum		d = slot_getattr(slot, attnum, &isnull);

	return isnull ? 0 : DatumGetInt32(d);
}

/*
 * What one journey adds to its jimer's counts: slot is its merged row, in
 * the order of the RETURNING list; p what this chunk added to it.
 */
void
jimo_jimer_counts_add(HTAB *counts, TupleTableSlot *slot, const JimoJourney *p)
{
	int32		added = 0;
	int32		starts = slot_int(slot, RET_STARTS);
	int32		completions = slot_int(slot, RET_COMPLETIONS);
	bool		is_new;
	bool		first_start;
	bool		first_completion;
	JimerCount *c;
	bool		found;
	int			s;

	for (s = 0; s < JIMO_NSTAGES; s++)
		added += p->count[s];
	is_new = (slot_int(slot, RET_TOTAL) == added);
	first_start = (starts > 0 && starts == p->count[JSTAGE_STARTED]);
	first_completion = (completions > 0 &&
						completions == p->count[JSTAGE_COMPLETED]);
	if (!is_new && !first_start && !first_completion)
		return;

	c = hash_search(counts, &p->key.jimer_uid, HASH_ENTER, &found);
	if (!found)
		c->experiences = c->started = c->completed = 0;
	c->experiences += is_new ? 1 : 0;
	c->started += first_start ? 1 : 0;
	c->completed += first_completion ? 1 : 0;
}

static int
count_cmp(const void *a, const void *b)
{
	return memcmp(&(*(JimerCount *const *) a)->jimer_uid,
				  &(*(JimerCount *const *) b)->jimer_uid, sizeof(pg_uuid_t));
}

void
jimo_jimer_counts_write(HTAB *counts)
{
	long		n;
	JimerCount **sorted = (JimerCount **) jimo_fold_sorted(counts, count_cmp, &n);
	Datum	   *jimers;
	Datum	   *experiences;
	Datum	   *started;
	Datum	   *completed;
	Datum		args[4];
	long		i;
	int			rc;

	if (n == 0 ||
		!OidIsValid(get_relname_relid("jimer_journey_counts",
									  get_namespace_oid("jimo", false))))
		return;

	jimers = palloc(sizeof(Datum) * n);
	experiences = palloc(sizeof(Datum) * n);
	started = palloc(sizeof(Datum) * n);
	completed = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		jimers[i] = UUIDPGetDatum(&sorted[i]->jimer_uid);
		experiences[i] = Int32GetDatum(sorted[i]->experiences);
		started[i] = Int32GetDatum(sorted[i]->started);
		completed[i] = Int32GetDatum(sorted[i]->completed);
	}
	if (counts_plan == NULL)
	{
		Oid			argtypes[4] = {UUIDARRAYOID, INT4ARRAYOID, INT4ARRAYOID, INT4ARRAYOID};

		counts_plan = jimo_prepare(counts_sql, 4, argtypes);
	}
	args[0] = jimo_array(jimers, NULL, n, UUIDOID);
	args[1] = jimo_array(experiences, NULL, n, INT4OID);
	args[2] = jimo_array(started, NULL, n, INT4OID);
	args[3] = jimo_array(completed, NULL, n, INT4OID);
	rc = SPI_execute_plan(counts_plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "jimo: writing jimo.jimer_journey_counts failed: %s",
			 SPI_result_code_string(rc));
}
