/*-------------------------------------------------------------------------
 * health.c
 *	  jimo.delivery_days and jimo.delivery_lags: what jimo.delivery_health
 *	  shows, kept current at ingest.
 *
 * delivery_health used to group every row of jimo.events and jimo.rejected
 * by day of first arrival on each refresh.  Its numbers are sums and maxima
 * per day of first arrival, plus a median, so each chunk adds to them:
 *
 *	 - a new event counts on today's row (UTC day of now(), its received_at):
 *	   stored + 1, deliveries + its deliveries in the chunk, and its lag
 *	   (now() - event time) raises the maxima and goes into the histogram;
 *	 - a redelivery of a stored event adds its deliveries to the row of the
 *	   day the event first arrived (read back from jimo.events by id), and
 *	   raises that day's largest redelivery lag;
 *	 - a rejected body counts once on the day it first arrived, and each of
 *	   its deliveries on that day too.
 *
 * The median is not mergeable, so the lags themselves are kept, counted
 * per (day, lag) in jimo.delivery_lags.  A lag is rounded down to the
 * second while it is under an hour, to the minute under a day and to the
 * hour beyond (jimo.delivery_lag_bucket): a day then has at most 9 960
 * rows for lags under a day, and one per hour of lag beyond, however many
 * events it has, and the median, taken over those rounded lags, is to the second
 * whenever it is under an hour (Jimo delivers within seconds, and retries
 * after 1 h, 4 h, 28 h, ...).  Every column is a sum or a maximum, so a
 * chunk's rows merge with + and GREATEST whatever the arrival order or the
 * split into calls.
 *
 * Every row of today would be written by every chunk of every session, and
 * a row lock held until commit would serialize concurrent sessions (and,
 * across the chunks of one long transaction, could deadlock them).  Each
 * session therefore writes its own slot of each day (jimo_writer_slot(),
 * a key column); the view sums the slots.
 *
 * Days are UTC days, as in the other rollups: a rollup fixes its day
 * boundaries when it is written, and a fixed zone lets a filter on day be a
 * range of the primary key.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "fold.h"
#include "rollups.h"

/* off only inside jimo.retry_rejected(), which keeps the rollup itself */
static bool jimo_delivery_rollup = true;

/* one (day, slot) of jimo.delivery_days */
typedef struct HealthDay
{
	DateADT		day;			/* hash key: must be first */
	int64		stored;
	int64		deliveries;
	int64		rejected;
	int64		rejected_deliveries;
	bool		has_lag;		/* a new event: max_lag is set */
	bool		has_redelivery_lag;
	int64		max_lag;		/* microseconds */
	int64		max_redelivery_lag;
} HealthDay;

static const JimoColumn day_cols[] = {
	{"day", DATEOID, JCOL_KEY, NULL},
	{"slot", INT2OID, JCOL_KEY, NULL},
	{"stored", INT8OID, JCOL_SUM, NULL},
	{"deliveries", INT8OID, JCOL_SUM, NULL},
	{"rejected", INT8OID, JCOL_SUM, NULL},
	{"rejected_deliveries", INT8OID, JCOL_SUM, NULL},
	{"max_lag", INTERVALOID, JCOL_MAX, NULL},
	{"max_redelivery_lag", INTERVALOID, JCOL_MAX, NULL},
};

static JimoTable days_table = {
	"jimo.delivery_days", day_cols, lengthof(day_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

/* one (day, lag bucket) of jimo.delivery_lags */
typedef struct LagKey
{
	DateADT		day;
	int64		lag;			/* jimo.delivery_lag_bucket(), in seconds */
} LagKey;

typedef struct LagCount
{
	LagKey		key;			/* hash key: must be first */
	int64		events;
} LagCount;

static const JimoColumn lag_cols[] = {
	{"day", DATEOID, JCOL_KEY, NULL},
	{"lag_seconds", INT8OID, JCOL_KEY, NULL},
	{"slot", INT2OID, JCOL_KEY, NULL},
	{"events", INT8OID, JCOL_SUM, NULL},
};

static JimoTable lags_table = {
	"jimo.delivery_lags", lag_cols, lengthof(lag_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL, 0, 0, NULL, 0
};

static SPIPlanPtr rejected_plan = NULL;

/* false inside jimo.retry_rejected() and jimo.retry_deferred() */
bool
jimo_health_rollup_on(void)
{
	return jimo_delivery_rollup;
}

void
jimo_health_init(void)
{
	DefineCustomBoolVariable("jimo.delivery_rollup",
							 "Keeps the delivery_health rollup at ingest.",
							 "Turned off only inside jimo.retry_rejected(), which "
							 "counts the retried bodies at their original arrival itself.",
							 &jimo_delivery_rollup,
							 true,
							 PGC_SUSET,
							 GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
}

/* floor division, so that a negative lag (sender clock ahead) rounds down */
static int64
floor_div(int64 a, int64 b)
{
	int64		q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * The bucket of a lag of usecs microseconds, as jimo.delivery_lag_bucket()
 * computes it in SQL: whole seconds under an hour (either way), whole
 * minutes under a day, whole hours beyond, always rounded down, so that the
 * buckets keep the order of the lags.
 */
static int64
lag_bucket(int64 usecs)
{
	int64		s = floor_div(usecs, USECS_PER_SEC);

	if (s >= -SECS_PER_HOUR && s < SECS_PER_HOUR)
		return s;
	if (s >= -SECS_PER_DAY && s < SECS_PER_DAY)
		return floor_div(s, SECS_PER_MINUTE) * SECS_PER_MINUTE;
	return floor_div(s, SECS_PER_HOUR) * SECS_PER_HOUR;
}

/* a lag as the interval "received_at - occurred_at" gives (justify_hours) */
static Datum
lag_interval(int64 usecs)
{
	Interval   *iv = palloc(sizeof(Interval));

	iv->time = usecs;
	iv->day = 0;
	iv->month = 0;
	return DirectFunctionCall1(interval_justify_hours, IntervalPGetDatum(iv));
}

static HealthDay *
health_day(HTAB *days, DateADT day)
{
	HealthDay  *d;
	bool		found;

	d = hash_search(days, &day, HASH_ENTER, &found);
	if (!found)
	{
		d->stored = d->deliveries = d->rejected = d->rejected_deliveries = 0;
		d->has_lag = d->has_redelivery_lag = false;
		d->max_lag = d->max_redelivery_lag = 0;
	}
	return d;
}

/* the lag of a first arrival */
static void
note_lag(HealthDay *d, int64 lag)
{
	d->max_lag = d->has_lag ? Max(d->max_lag, lag) : lag;
	d->has_lag = true;
}

/* the lag of an event's latest delivery */
static void
note_redelivery_lag(HealthDay *d, int64 lag)
{
	d->max_redelivery_lag = d->has_redelivery_lag ?
		Max(d->max_redelivery_lag, lag) : lag;
	d->has_redelivery_lag = true;
}

static void
count_lag(HTAB *lags, DateADT day, int64 lag)
{
	LagKey		key;
	LagCount   *c;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.day = day;
	key.lag = lag;
	c = hash_search(lags, &key, HASH_ENTER, &found);
	if (!found)
		c->events = 0;
	c->events++;
}

static int
day_cmp(const void *a, const void *b)
{
	DateADT		da = (*(HealthDay *const *) a)->day;
	DateADT		db = (*(HealthDay *const *) b)->day;

	return (da > db) - (da < db);
}

static int
lag_cmp(const void *a, const void *b)
{
	const LagKey *ka = &(*(LagCount *const *) a)->key;
	const LagKey *kb = &(*(LagCount *const *) b)->key;

	if (ka->day != kb->day)
		return ka->day < kb->day ? -1 : 1;
	return (ka->lag > kb->lag) - (ka->lag < kb->lag);
}

/*
 * Run a prepared lookup over one array argument, checking it answered.
 * Planned on every call (a custom plan), from the table's size now: a plan
 * kept from a session's first call, when jimo.rejected was empty, would
 * join it by a sequential scan for the rest of the session.
 */
static void
lookup(SPIPlanPtr *plan, const char *sql, Oid argtype, Datum arg,
	   uint64 expected, const char *what)
{
	int			rc;

	if (*plan == NULL)
		*plan = jimo_prepare_options(sql, 1, &argtype, CURSOR_OPT_CUSTOM_PLAN);
	rc = SPI_execute_plan(*plan, &arg, NULL, false, 0);
	if (rc != SPI_OK_SELECT || SPI_processed != expected)
		elog(ERROR, "jimo: the %s lookup failed: %s, %llu rows of %llu",
			 what, SPI_result_code_string(rc),
			 (unsigned long long) SPI_processed, (unsigned long long) expected);
}

/*
 * Redeliveries of stored events count on the day the event first arrived,
 * which the redelivery update returned (store.c).
 */
static void
add_redeliveries(HTAB *days, JimoUnique *uniq, int nuniq, TimestampTz now)
{
	int			i;

	for (i = 0; i < nuniq; i++)
	{
		HealthDay  *d;

		if (uniq[i].event_id == 0 || uniq[i].error != NULL || uniq[i].is_new)
			continue;
		d = health_day(days, jimo_utc_day(uniq[i].first_received_at));
		d->deliveries += uniq[i].deliveries;
		/* last_received_at is now(): the latest delivery of the event */
		note_redelivery_lag(d, now - uniq[i].item->ev->occurred_at);
	}
}

/*
 * Rejected bodies were just upserted by jimo_store_rejected; read back each
 * one's first arrival and delivery count.  A row whose count is exactly this
 * chunk's deliveries was inserted by this chunk (any earlier row had at
 * least one delivery already): it counts as a new rejected body.
 */
static void
add_rejected(HTAB *days, JimoUnique *runiq, int nruniq)
{
	Datum	   *digests = palloc(sizeof(Datum) * nruniq);
	uint64		i;

	for (i = 0; i < (uint64) nruniq; i++)
		digests[i] = jimo_digest_datum(&runiq[i].digest);

	lookup(&rejected_plan,
		   "SELECT u.ord, r.received_at, r.deliveries "
		   "FROM unnest($1) WITH ORDINALITY AS u(digest, ord) "
		   "JOIN jimo.rejected r ON r.digest = u.digest",
		   BYTEAARRAYOID,
		   PointerGetDatum(construct_array(digests, nruniq, BYTEAOID, -1, false, TYPALIGN_INT)),
		   nruniq, "rejected body");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		ord = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull)) - 1;
		TimestampTz received_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
		int32		deliveries = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		HealthDay  *d;

		if (ord < 0 || ord >= nruniq)
			elog(ERROR, "jimo: the rejected body lookup returned row %lld of %d",
				 (long long) ord + 1, nruniq);
		d = health_day(days, jimo_utc_day(received_at));
		if (deliveries == runiq[ord].deliveries)
			d->rejected++;
		d->rejected_deliveries += runiq[ord].deliveries;
	}
}

static void
write_lags(HTAB *lags, int16 slot)
{
	long		n;
	LagCount  **sorted = (LagCount **) jimo_fold_sorted(lags, lag_cmp, &n);
	JimoRows	rows;
	long		i;

	if (n == 0)
		return;
	jimo_rows_init(&rows, &lags_table, n);
	for (i = 0; i < n; i++)
	{
		Datum		values[4];
		bool		nulls[4] = {0};

		values[0] = DateADTGetDatum(sorted[i]->key.day);
		values[1] = Int64GetDatum(sorted[i]->key.lag);
		values[2] = Int16GetDatum(slot);
		values[3] = Int64GetDatum(sorted[i]->events);
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
}

void
jimo_health_write(JimoUnique *uniq, int nuniq, JimoUnique *runiq, int nruniq)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	DateADT		today = jimo_utc_day(now);
	int16		slot = jimo_writer_slot();
	HTAB	   *days;
	HTAB	   *lags;
	HealthDay **sorted;
	JimoRows	rows;
	long		n;
	long		i;

	if (!jimo_delivery_rollup || (nuniq == 0 && nruniq == 0))
		return;

	/*
	 * A database still at 0.2 (the new library installed, ALTER EXTENSION
	 * UPDATE not yet run) has no rollup tables; the upgrade script fills them
	 * from jimo.events and jimo.rejected.
	 */
	if (!OidIsValid(get_relname_relid("delivery_days",
									  get_namespace_oid("jimo", false))))
		return;

	days = jimo_fold_create("jimo delivery days", sizeof(DateADT), sizeof(HealthDay), 4);
	lags = jimo_fold_create("jimo delivery lags", sizeof(LagKey), sizeof(LagCount), nuniq);

	/* new events: received_at and last_received_at are now() */
	for (i = 0; i < nuniq; i++)
	{
		HealthDay  *d;
		int64		lag;

		if (!uniq[i].is_new || uniq[i].error != NULL)
			continue;
		lag = now - uniq[i].item->ev->occurred_at;
		d = health_day(days, today);
		d->stored++;
		d->deliveries += uniq[i].deliveries;
		note_lag(d, lag);
		note_redelivery_lag(d, lag);
		count_lag(lags, today, lag_bucket(lag));
	}
	add_redeliveries(days, uniq, nuniq, now);
	if (nruniq > 0)
		add_rejected(days, runiq, nruniq);

	sorted = (HealthDay **) jimo_fold_sorted(days, day_cmp, &n);
	if (n == 0)
		return;
	jimo_rows_init(&rows, &days_table, n);
	for (i = 0; i < n; i++)
	{
		HealthDay  *d = sorted[i];
		Datum		values[lengthof(day_cols)];
		bool		nulls[lengthof(day_cols)] = {0};

		values[0] = DateADTGetDatum(d->day);
		values[1] = Int16GetDatum(slot);
		values[2] = Int64GetDatum(d->stored);
		values[3] = Int64GetDatum(d->deliveries);
		values[4] = Int64GetDatum(d->rejected);
		values[5] = Int64GetDatum(d->rejected_deliveries);
		if (d->has_lag)
			values[6] = lag_interval(d->max_lag);
		if (d->has_redelivery_lag)
			values[7] = lag_interval(d->max_redelivery_lag);
		nulls[6] = !d->has_lag;
		nulls[7] = !d->has_redelivery_lag;
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
	write_lags(lags, slot);
}
