/*-------------------------------------------------------------------------
 * rollups.c
 *	  jimo.seen_days: one row per (UTC day, experience, jimer) with *.seen
 *	  events, kept current at ingest.
 *
 * experience_reach_daily used to count the *.seen events of every day from
 * jimo.events, reading the whole table on every refresh.  Here each chunk's
 * new *.seen events are folded in memory into one row per day, experience
 * and jimer, and merged into the table with LEAST, GREATEST and +, as
 * journeys are: only stored (hence distinct) events count, so redeliveries
 * change nothing, and the merge does not depend on the order in which
 * events arrive or how they are split into calls.
 *
 * jimo.seen_day_totals then holds one row per (UTC day, experience), which
 * is all experience_reach_daily reads: views, first and last view, jimers
 * (one more for each (day, experience, jimer) row that is new) and new
 * jimers (the jimers whose first day ever it is).  A jimer's first day can
 * move earlier when an older event arrives late: the old day then gets -1
 * and the new one +1, so every count ends where one in-order pass ends.
 * Reading a pair's earlier days without a race relies on the journeys row
 * of that (experience, jimer), which this transaction has already written
 * and so holds locked: a concurrent chunk with the same pair waits for our
 * commit, and its next statement sees our rows (READ COMMITTED, which the
 * receiver uses).
 *
 * Days are UTC days.  A rollup has to fix its day boundaries when it is
 * written, and only a fixed zone lets the view turn a date filter into a
 * range of the primary key, which starts with the day for that reason.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "storage/backendid.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "columns.h"
#include "fold.h"
#include "layout.h"
#include "probe.h"
#include "rollups.h"

typedef struct SeenDayKey
{
	DateADT		day;
	pg_uuid_t	experience_uid;
	pg_uuid_t	jimer_uid;
} SeenDayKey;

typedef struct SeenDay
{
	SeenDayKey	key;			/* hash key: must be first */
	TimestampTz first_seen_at;
	TimestampTz last_seen_at;
	int32		views;
	const char *prefix;			/* smallest event name prefix, e.g. "hint" */
} SeenDay;

static const JimoColumn seen_day_cols[] = {
	{"day", DATEOID, JCOL_KEY, NULL},
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"jimer_uid", UUIDOID, JCOL_KEY, NULL},
	{"views", INT4OID, JCOL_SUM, NULL},
	{"first_seen_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	{"last_seen_at", TIMESTAMPTZOID, JCOL_MAX, NULL},
	{"event_prefix", TEXTOID, JCOL_MIN, NULL},
};

static JimoTable seen_days_table = {
	"jimo.seen_days", seen_day_cols, lengthof(seen_day_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

/* one (day, experience) of jimo.seen_day_totals: counts are deltas */
typedef struct DayTotalKey
{
	DateADT		day;
	pg_uuid_t	experience_uid;
} DayTotalKey;

typedef struct DayTotal
{
	DayTotalKey key;			/* hash key: must be first */
	int32		unique_jimers;
	int32		views;
	int32		new_jimers;
	bool		has_times;		/* false for a new_jimers-only correction */
	TimestampTz first_seen_at;
	TimestampTz last_seen_at;
	const char *prefix;
} DayTotal;

static const JimoColumn day_total_cols[] = {
	{"day", DATEOID, JCOL_KEY, NULL},
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"unique_jimers", INT4OID, JCOL_SUM, NULL},
	{"views", INT4OID, JCOL_SUM, NULL},
	{"new_jimers", INT4OID, JCOL_SUM, NULL},
	{"first_seen_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	{"last_seen_at", TIMESTAMPTZOID, JCOL_MAX, NULL},
	{"event_prefix", TEXTOID, JCOL_MIN, NULL},
};

static JimoTable day_totals_table = {
	"jimo.seen_day_totals", day_total_cols, lengthof(day_total_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

/* a (experience, jimer) pair of the chunk: its first day here and before */
typedef struct PairKey
{
	pg_uuid_t	experience_uid;
	pg_uuid_t	jimer_uid;
} PairKey;

typedef struct Pair
{
	PairKey		key;			/* hash key: must be first */
	DateADT		chunk_first;
	bool		had_day;
	DateADT		old_first;
} Pair;

static SPIPlanPtr before_plan = NULL;

/* the key's field order (day first) is the table's, and so the lock order */
static int
seen_day_cmp(const void *a, const void *b)
{
	const SeenDayKey *ka = &(*(SeenDay *const *) a)->key;
	const SeenDayKey *kb = &(*(SeenDay *const *) b)->key;
	int			c;

	if (ka->day != kb->day)
		return ka->day < kb->day ? -1 : 1;
	c = memcmp(&ka->experience_uid, &kb->experience_uid, sizeof(pg_uuid_t));
	if (c != 0)
		return c;
	return memcmp(&ka->jimer_uid, &kb->jimer_uid, sizeof(pg_uuid_t));
}

/* writer slots a hot rollup row is spread over (see rollups.h) */
#define JIMO_WRITER_SLOTS 16

int16
jimo_writer_slot(void)
{
	return (int16) (MyBackendId % JIMO_WRITER_SLOTS);
}

/* the UTC day of a time, by PostgreSQL's own timestamp -> date cast */
DateADT
jimo_utc_day(TimestampTz t)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamp_date,
											   TimestampGetDatum(t)));
}

static void
fold_seen(HTAB *days, const JimoEvent *ev)
{
	SeenDayKey	key;
	SeenDay    *d;
	bool		found;
	const char *dot = strchr(ev->name, '.');
	Size		len = dot ? (Size) (dot - ev->name) : strlen(ev->name);

	memset(&key, 0, sizeof(key));
	key.day = jimo_utc_day(ev->occurred_at);
	key.experience_uid = ev->uid[JENT_EXPERIENCE];
	key.jimer_uid = ev->uid[JENT_JIMER];
	d = hash_search(days, &key, HASH_ENTER, &found);
	if (!found)
	{
		d->first_seen_at = d->last_seen_at = ev->occurred_at;
		d->views = 0;
		d->prefix = pnstrdup(ev->name, len);
	}
	d->first_seen_at = Min(d->first_seen_at, ev->occurred_at);
	d->last_seen_at = Max(d->last_seen_at, ev->occurred_at);
	d->views++;
	/* the smallest prefix, byte-wise as the column's "C" collation orders it */
	if (strncmp(ev->name, d->prefix, len) < 0 ||
		(strncmp(ev->name, d->prefix, len) == 0 && d->prefix[len] != '\0'))
		d->prefix = pnstrdup(ev->name, len);
}

static int
day_total_cmp(const void *a, const void *b)
{
	const DayTotalKey *ka = &(*(DayTotal *const *) a)->key;
	const DayTotalKey *kb = &(*(DayTotal *const *) b)->key;

	if (ka->day != kb->day)
		return ka->day < kb->day ? -1 : 1;
	return memcmp(&ka->experience_uid, &kb->experience_uid, sizeof(pg_uuid_t));
}

static DayTotal *
day_total(HTAB *totals, DateADT day, const pg_uuid_t *experience_uid)
{
	DayTotalKey key;
	DayTotal   *t;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.day = day;
	key.experience_uid = *experience_uid;
	t = hash_search(totals, &key, HASH_ENTER, &found);
	if (!found)
	{
		t->unique_jimers = t->views = t->new_jimers = 0;
		t->has_times = false;
		t->prefix = NULL;
	}
	return t;
}

/*
 * The same lookup on Citus, where a correlated subquery over a distributed
 * table cannot be run: a join on the distribution column (jimer_uid), run on
 * every shard, returns only the rows that have earlier days; the others
 * had none.
 */
#define BEFORE_SQL_DISTRIBUTED \
	"SELECT u.ord, bool_or(s.day = u.d), min(s.day) " \
	"FROM unnest($1, $2, $3) WITH ORDINALITY AS u(d, e, j, ord) " \
	"JOIN jimo.seen_days s ON s.jimer_uid = u.j AND s.experience_uid = u.e " \
	"GROUP BY u.ord"

static uint32 before_generation = 0;

/*
 * For each row about to be merged into jimo.seen_days: did it exist, and
 * what was its pair's first day before this chunk?  existed[i] and
 * pairs' old_first are filled.
 */
static void
read_before(SeenDay **rows, long n, bool *existed, HTAB *pairs)
{
	const JimoLayout *layout = jimo_layout();
	Datum	   *days = palloc(sizeof(Datum) * n);
	Datum	   *experiences = palloc(sizeof(Datum) * n);
	Datum	   *jimers = palloc(sizeof(Datum) * n);
	Datum		args[3];
	int			rc;
	long		i;

	if (before_plan != NULL && before_generation != layout->generation)
	{
		SPI_freeplan(before_plan);
		before_plan = NULL;
	}
	if (before_plan == NULL)
	{
		Oid			argtypes[3] = {DATEARRAYOID, UUIDARRAYOID, UUIDARRAYOID};

		/*
		 * One index probe per row, always: a lateral aggregate cannot be
		 * pulled up into a join.  Written as EXISTS and scalar subqueries,
		 * the planner could make them hashed subplans, which read the
		 * whole of jimo.seen_days on every call while the table was small
		 * enough for its estimate: calls of 100 bodies slowed down 3x
		 * between 30 000 and 100 000 events stored.  Planned once, as
		 * probes of seen_days_jimer_idx whatever the table's size
		 * (probe.c): left to the plan cache, it was planned anew on every
		 * call.
		 */
		if (layout->distributed)
			before_plan = jimo_prepare(BEFORE_SQL_DISTRIBUTED, 3, argtypes);
		else
			before_plan = jimo_prepare_probe(
				"SELECT u.ord, x.existed, x.first_day "
				"FROM unnest($1, $2, $3) WITH ORDINALITY AS u(d, e, j, ord) "
				"CROSS JOIN LATERAL ("
				"  SELECT coalesce(bool_or(s.day = u.d), false) AS existed, "
				"         min(s.day) AS first_day "
				"  FROM jimo.seen_days s "
				"  WHERE s.experience_uid = u.e AND s.jimer_uid = u.j) AS x",
				3, argtypes);
		before_generation = layout->generation;
	}
	for (i = 0; i < n; i++)
	{
		PairKey		key;

		days[i] = DateADTGetDatum(rows[i]->key.day);
		experiences[i] = UUIDPGetDatum(&rows[i]->key.experience_uid);
		jimers[i] = UUIDPGetDatum(&rows[i]->key.jimer_uid);
		/* what a row the lookup does not return means */
		existed[i] = false;
		memset(&key, 0, sizeof(key));
		key.experience_uid = rows[i]->key.experience_uid;
		key.jimer_uid = rows[i]->key.jimer_uid;
		((Pair *) hash_search(pairs, &key, HASH_FIND, NULL))->had_day = false;
	}
	args[0] = PointerGetDatum(construct_array(days, n, DATEOID, 4, true, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(experiences, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	args[2] = PointerGetDatum(construct_array(jimers, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR));
	rc = layout->distributed ? SPI_execute_plan(before_plan, args, NULL, false, 0) :
		jimo_execute_probe(before_plan, args);
	if (rc != SPI_OK_SELECT ||
		(!layout->distributed && SPI_processed != (uint64) n))
		elog(ERROR, "jimo: the seen_days lookup failed: %s", SPI_result_code_string(rc));

	for (i = 0; i < (long) SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		no_day;
		long		ord = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull)) - 1;
		Datum		old_first = SPI_getbinval(tup, desc, 3, &no_day);
		PairKey		key;
		Pair	   *p;

		if (ord < 0 || ord >= n)
			elog(ERROR, "jimo: the seen_days lookup returned row %ld of %ld", ord + 1, n);
		existed[ord] = DatumGetBool(SPI_getbinval(tup, desc, 2, &isnull));
		memset(&key, 0, sizeof(key));
		key.experience_uid = rows[ord]->key.experience_uid;
		key.jimer_uid = rows[ord]->key.jimer_uid;
		p = hash_search(pairs, &key, HASH_FIND, NULL);
		p->had_day = !no_day;
		if (!no_day)
			p->old_first = DatumGetDateADT(old_first);
	}
}

/* fold the chunk's rows into (day, experience) deltas and write them */
static void
write_totals(SeenDay **rows, long n, const bool *existed, HTAB *pairs)
{
	HTAB	   *totals = jimo_fold_create("jimo seen day totals", sizeof(DayTotalKey),
								  sizeof(DayTotal), n);
	HASH_SEQ_STATUS seq;
	DayTotal   *t;
	DayTotal  **sorted;
	Pair	   *p;
	JimoRows	out;
	long		nt;
	long		i;

	for (i = 0; i < n; i++)
	{
		SeenDay    *d = rows[i];

		t = day_total(totals, d->key.day, &d->key.experience_uid);
		t->views += d->views;
		if (!existed[i])
			t->unique_jimers++;
		if (!t->has_times)
		{
			t->first_seen_at = d->first_seen_at;
			t->last_seen_at = d->last_seen_at;
			t->has_times = true;
		}
		t->first_seen_at = Min(t->first_seen_at, d->first_seen_at);
		t->last_seen_at = Max(t->last_seen_at, d->last_seen_at);
		if (t->prefix == NULL || strcmp(d->prefix, t->prefix) < 0)
			t->prefix = d->prefix;
	}

	/* a pair's first day: new, moved earlier, or unchanged */
	hash_seq_init(&seq, pairs);
	while ((p = hash_seq_search(&seq)) != NULL)
	{
		if (!p->had_day)
			day_total(totals, p->chunk_first, &p->key.experience_uid)->new_jimers++;
		else if (p->chunk_first < p->old_first)
		{
			day_total(totals, p->old_first, &p->key.experience_uid)->new_jimers--;
			day_total(totals, p->chunk_first, &p->key.experience_uid)->new_jimers++;
		}
	}

	sorted = (DayTotal **) jimo_fold_sorted(totals, day_total_cmp, &nt);

	jimo_rows_init(&out, &day_totals_table, nt);
	for (i = 0; i < nt; i++)
	{
		Datum		values[lengthof(day_total_cols)];
		bool		nulls[lengthof(day_total_cols)] = {0};

		t = sorted[i];
		values[0] = DateADTGetDatum(t->key.day);
		values[1] = UUIDPGetDatum(&t->key.experience_uid);
		values[2] = Int32GetDatum(t->unique_jimers);
		values[3] = Int32GetDatum(t->views);
		values[4] = Int32GetDatum(t->new_jimers);
		values[5] = TimestampTzGetDatum(t->first_seen_at);
		values[6] = TimestampTzGetDatum(t->last_seen_at);
		nulls[5] = nulls[6] = !t->has_times;
		if (t->prefix)
			values[7] = CStringGetTextDatum(t->prefix);
		nulls[7] = t->prefix == NULL;
		jimo_rows_add(&out, values, nulls);
	}
	jimo_rows_write(&out);
}

void
jimo_rollups_write(JimoUnique *uniq, int nuniq)
{
	HTAB	   *days;
	HTAB	   *pairs;
	SeenDay    *d;
	SeenDay   **sorted;
	bool	   *existed;
	JimoRows	rows;
	long		n;
	long		i;

	/*
	 * A database still at 0.1 (the new library installed, ALTER EXTENSION
	 * UPDATE not yet run) has no rollup table; its events are folded in by
	 * the upgrade script, which fills the table from jimo.events.
	 */
	if (!OidIsValid(get_relname_relid("seen_days",
									  get_namespace_oid("jimo", false))))
		return;

	days = jimo_fold_create("jimo seen days", sizeof(SeenDayKey), sizeof(SeenDay), 64);

	/* the events journeys count as views: the same set, so the same totals */
	for (i = 0; i < nuniq; i++)
	{
		const JimoEvent *ev = uniq[i].item->ev;

		if (uniq[i].is_new && ev->stage == JSTAGE_SEEN &&
			ev->has[JENT_EXPERIENCE] && ev->has[JENT_JIMER])
			fold_seen(days, ev);
	}

	sorted = (SeenDay **) jimo_fold_sorted(days, seen_day_cmp, &n);
	if (n == 0)
		return;

	/* each pair's first day in this chunk */
	pairs = jimo_fold_create("jimo seen pairs", sizeof(PairKey), sizeof(Pair), n);
	for (i = 0; i < n; i++)
	{
		PairKey		key;
		Pair	   *p;
		bool		found;

		memset(&key, 0, sizeof(key));
		key.experience_uid = sorted[i]->key.experience_uid;
		key.jimer_uid = sorted[i]->key.jimer_uid;
		p = hash_search(pairs, &key, HASH_ENTER, &found);
		if (!found || sorted[i]->key.day < p->chunk_first)
			p->chunk_first = sorted[i]->key.day;
		if (!found)
			p->had_day = false;
	}
	existed = palloc(sizeof(bool) * n);
	read_before(sorted, n, existed, pairs);

	jimo_rows_init(&rows, &seen_days_table, n);
	for (i = 0; i < n; i++)
	{
		Datum		values[lengthof(seen_day_cols)];
		bool		nulls[lengthof(seen_day_cols)] = {0};

		d = sorted[i];
		values[0] = DateADTGetDatum(d->key.day);
		values[1] = UUIDPGetDatum(&d->key.experience_uid);
		values[2] = UUIDPGetDatum(&d->key.jimer_uid);
		values[3] = Int32GetDatum(d->views);
		values[4] = TimestampTzGetDatum(d->first_seen_at);
		values[5] = TimestampTzGetDatum(d->last_seen_at);
		values[6] = CStringGetTextDatum(d->prefix);
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
	write_totals(sorted, n, existed, pairs);
}
