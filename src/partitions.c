/*-------------------------------------------------------------------------
 * partitions.c
 *	  Make sure the monthly partitions a chunk's events need exist, and
 *	  learn the retention horizon, before anything of the chunk is written.
 *
 * A row for which no partition exists fails its whole statement, so the
 * months are created first, by jimo.ensure_partitions(), which also returns
 * the horizon of jimo.expire(): an event older than it belongs to a month
 * that was dropped, and storing it would bring back, as new, an event that
 * may have been stored and expired already.  Such an event is rejected
 * alone, with its body kept.  This runs before the chunk's first write, so
 * a new month is created without this transaction holding anything that
 * other sessions' ingest waits for.
 *
 * Most calls need only months that exist already: the months and the horizon
 * learned from jimo.ensure_partitions() are remembered in this backend until
 * jimo.events is invalidated in the relation cache, as it is when a month is
 * created or dropped by any session (or created by a transaction of ours
 * that then aborted).  That saves a function call per chunk, about a
 * tenth of a one-body call's time.
 *
 * A transaction creates at most JIMO_MAX_NEW_MONTHS months.  Each new month
 * is five tables with their TOAST tables and indexes, about 44 locks held
 * until commit; a call whose bodies needed some 300 new months (a backfill of
 * decades, a sender with a broken clock) overflowed PostgreSQL's shared lock
 * table and failed whole with "out of shared memory", other sessions with
 * it.  Past the limit, the months are left for later calls, and the bodies
 * that need them are rejected alone (batch.c), kept, and stored when sent
 * again.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "storage/lmgr.h"
#include "storage/proc.h"
#include "utils/snapmgr.h"

#include "columns.h"
#include "partitions.h"

static SPIPlanPtr ensure_plan = NULL;
static SPIPlanPtr horizon_plan = NULL;

/*
 * Months known to exist, sorted, and the horizon, while cache_valid.  The
 * array grows with the months this backend has seen (a backfill of years
 * touches hundreds), in TopMemoryContext: a fixed size would drop months
 * and send every later chunk back to jimo.ensure_partitions().
 */
static TimestampTz *known_months = NULL;
static int	nknown = 0;
static TimestampTz known_horizon = DT_NOBEGIN;
static bool cache_valid = false;
static Oid	events_relid = InvalidOid;
static bool callback_registered = false;

/* new months asked of jimo.ensure_partitions() in the current transaction */
static LocalTransactionId new_months_lxid = InvalidLocalTransactionId;
static int	new_months = 0;

static void
forget_months(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == events_relid)
		cache_valid = false;
}

/* are all these months (sorted) known to exist? */
static bool
all_known(const Datum *months, int m)
{
	int			i;
	int			k = 0;

	if (!cache_valid)
		return false;
	for (i = 0; i < m; i++)
	{
		TimestampTz t = DatumGetTimestampTz(months[i]);

		while (k < nknown && known_months[k] < t)
			k++;
		if (k == nknown || known_months[k] != t)
			return false;
	}
	return true;
}

/* add these months (sorted) to those known to exist; keep the horizon */
static void
remember(const Datum *months, int m, TimestampTz horizon)
{
	TimestampTz *merged;
	int			n = 0;
	int			i = 0;
	int			k = 0;

	if (!cache_valid)
		nknown = 0;
	merged = MemoryContextAlloc(TopMemoryContext,
								sizeof(TimestampTz) * Max(nknown + m, 16));
	while (i < m || k < nknown)
	{
		TimestampTz t;

		if (k == nknown ||
			(i < m && DatumGetTimestampTz(months[i]) < known_months[k]))
			t = DatumGetTimestampTz(months[i++]);
		else
			t = known_months[k++];
		if (n == 0 || merged[n - 1] != t)
			merged[n++] = t;
	}
	if (known_months != NULL)
		pfree(known_months);
	known_months = merged;
	nknown = n;
	known_horizon = horizon;
	cache_valid = true;
}

static int
timestamptz_cmp_qsort(const void *a, const void *b)
{
	TimestampTz ta = *(const TimestampTz *) a;
	TimestampTz tb = *(const TimestampTz *) b;

	return (ta > tb) - (ta < tb);
}

/*
 * Bounds of the two shared partitions (jimo.partition_for()): every time
 * before 2015-01-01 UTC is one partition, every time from 2100-01-01 on
 * another.  Days from 2000-01-01, PostgreSQL's epoch.
 */
#define JIMO_FIRST_MONTH	(INT64CONST(5479) * USECS_PER_DAY)	/* 2015-01-01 */
#define JIMO_LAST_MONTH		(INT64CONST(36525) * USECS_PER_DAY)	/* 2100-01-01 */

/*
 * One time per partition of jimo.events: the start of the UTC month of a
 * time, and one time for all those of a shared partition.  Months of 2013
 * and 2014 are one partition to create, not two: counted apart, a backfill
 * of years before 2015 used up a transaction's JIMO_MAX_NEW_MONTHS and had
 * the bodies of real months rejected.
 */
static TimestampTz
utc_month(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	TimestampTz month;

	if (t < JIMO_FIRST_MONTH)
		return JIMO_FIRST_MONTH - USECS_PER_DAY;
	if (t >= JIMO_LAST_MONTH)
		return JIMO_LAST_MONTH;
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return t;				/* out of range: the SQL side decides */
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (tm2timestamp(&tm, 0, NULL, &month) != 0)
		return t;
	return month;
}

/*
 * The partition of jimo.events (its position in bound order) that holds an
 * event time, as PostgreSQL's own tuple routing finds it (the range case of
 * get_partition_for_tuple()); -1 when there is none.
 */
static int
find_partition(PartitionKey key, PartitionDesc desc, TimestampTz t)
{
	Datum		value = TimestampTzGetDatum(t);
	bool		equal;
	int			bound;

	if (desc->boundinfo == NULL)
		return -1;
	bound = partition_range_datum_bsearch(key->partsupfunc, key->partcollation,
										  desc->boundinfo, 1, &value, &equal);
	return desc->boundinfo->indexes[bound + 1];
}

/* the partitioned jimo.events, opened; NULL before partitions (0.3) */
static Relation
open_events(void)
{
	Oid			relid = get_relname_relid("events", get_namespace_oid("jimo", false));

	if (!OidIsValid(relid) || get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return NULL;
	return table_open(relid, AccessShareLock);
}

/*
 * missing[i]: no partition of jimo.events holds times[i] (yet).  All false
 * before partitions (0.3).
 */
void
jimo_partitions_missing(const TimestampTz *times, int n, bool *missing)
{
	Relation	rel = open_events();
	int			i;

	for (i = 0; i < n; i++)
		missing[i] = rel != NULL &&
			find_partition(RelationGetPartitionKey(rel),
						   RelationGetPartitionDesc(rel, false), times[i]) < 0;
	if (rel != NULL)
		table_close(rel, AccessShareLock);
}

/*
 * The months (sorted) to ask jimo.ensure_partitions() for: all those that
 * exist (a no-op there, and it returns the horizon), and the missing ones up
 * to what this transaction may still create; *left is set when some are
 * left out.  Returns how many of months[] are kept, in place.
 */
static int
within_budget(Datum *months, int m, bool *left)
{
	bool	   *missing = palloc(sizeof(bool) * Max(m, 1));
	TimestampTz *times = palloc(sizeof(TimestampTz) * Max(m, 1));
	int			kept = 0;
	int			i;

	if (MyProc->lxid != new_months_lxid)
	{
		new_months_lxid = MyProc->lxid;
		new_months = 0;
	}
	for (i = 0; i < m; i++)
		times[i] = DatumGetTimestampTz(months[i]);
	jimo_partitions_missing(times, m, missing);
	*left = false;
	for (i = 0; i < m; i++)
	{
		if (missing[i])
		{
			if (new_months >= JIMO_MAX_NEW_MONTHS)
			{
				*left = true;
				continue;
			}
			new_months++;
		}
		months[kept++] = months[i];
	}
	pfree(missing);
	pfree(times);
	return kept;
}

/*
 * The retention horizon as committed now, whatever the transaction's
 * snapshot: under REPEATABLE READ the snapshot may predate a jimo.expire()
 * that committed since, and read through it the horizon let an expired
 * event's month be created again and the event stored, counted twice (an
 * audit found it in 0.15, with the receiver's batches too when the database
 * defaulted to that isolation).  Called with jimo.events locked, so no
 * expiry can commit after this read until the transaction ends.
 */
static TimestampTz
latest_horizon(void)
{
	bool		isnull;
	Datum		horizon;
	int			rc;

	if (horizon_plan == NULL)
		horizon_plan = jimo_prepare("SELECT max(upper_bound) FROM jimo.expired_months",
									0, NULL);
	rc = SPI_execute_snapshot(horizon_plan, NULL, NULL, GetLatestSnapshot(),
							  InvalidSnapshot, true, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "jimo: reading the retention horizon failed: %s",
			 SPI_result_code_string(rc));
	horizon = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
							&isnull);
	return isnull ? DT_NOBEGIN : DatumGetTimestampTz(horizon);
}

/*
 * times[0 .. n-1]: the event times of a chunk (sorted in place).  Returns
 * the retention horizon, or DT_NOBEGIN when nothing was ever expired (or
 * the schema predates partitions: a new library runs against the old
 * schema until ALTER EXTENSION UPDATE).  *deferred is set when some months
 * were left uncreated (JIMO_MAX_NEW_MONTHS): jimo_partitions_missing() then
 * tells which times have none.
 */
TimestampTz
jimo_partitions_prepare(TimestampTz *times, int n, bool *deferred)
{
	Datum	   *months;
	Datum		arg;
	TimestampTz horizon;
	int			m = 0;
	int			k;
	int			i;
	int			rc;
	Oid			nsp = get_namespace_oid("jimo", false);

	*deferred = false;
	if (n == 0 || !OidIsValid(get_relname_relid("expired_months", nsp)))
		return DT_NOBEGIN;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_months, (Datum) 0);
		callback_registered = true;
	}
	if (events_relid != get_relname_relid("events", nsp))
	{
		events_relid = get_relname_relid("events", nsp);
		cache_valid = false;
	}

	/*
	 * Hold jimo.events as the chunk's write will (RowExclusiveLock, which
	 * other ingest does not wait for) from before its months and horizon are
	 * known to the end of the transaction.  jimo.expire() drops or detaches a
	 * month only with jimo.events locked exclusively, so it waits for this
	 * transaction rather than taking a month away between this check and the
	 * write (in 0.15 the write then failed the whole call: "no partition of
	 * jimo.events holds the stored event time"); and taking the lock reads
	 * the invalidations of an expiry that committed before it, so that the
	 * months remembered below are forgotten.
	 */
	if (OidIsValid(events_relid))
		LockRelationOid(events_relid, RowExclusiveLock);

	for (i = 0; i < n; i++)
		times[i] = utc_month(times[i]);
	qsort(times, n, sizeof(TimestampTz), timestamptz_cmp_qsort);
	months = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		if (i == 0 || times[i] != times[i - 1])
			months[m++] = TimestampTzGetDatum(times[i]);

	if (all_known(months, m))
	{
		pfree(months);
		return known_horizon;
	}

	/* months before the horizon are never created again: their events are rejected */
	horizon = latest_horizon();
	for (i = 0, k = 0; i < m; i++)
		if (horizon == DT_NOBEGIN || DatumGetTimestampTz(months[i]) >= horizon)
			months[k++] = months[i];
	m = within_budget(months, k, deferred);
	if (m == 0)
	{
		/* nothing to create, or every month one this transaction may not */
		remember(months, 0, horizon);
		pfree(months);
		return horizon;
	}

	if (ensure_plan == NULL)
	{
		Oid			argtypes[1] = {TIMESTAMPTZARRAYOID};

		ensure_plan = jimo_prepare("SELECT jimo.ensure_partitions($1)",
								   1, argtypes);
	}
	arg = PointerGetDatum(construct_array(months, m, TIMESTAMPTZOID,
										  sizeof(TimestampTz), true,
										  TYPALIGN_DOUBLE));
	/* what it returns is the horizon as of the snapshot: latest_horizon() is used */
	rc = SPI_execute_plan(ensure_plan, &arg, NULL, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "jimo: jimo.ensure_partitions failed: %s",
			 SPI_result_code_string(rc));
	remember(months, m, horizon);
	pfree(months);
	return horizon;
}

int
jimo_month_ref_cmp(const void *a, const void *b)
{
	const JimoMonthRef *x = a;
	const JimoMonthRef *y = b;

	if (x->part != y->part)
		return (x->part > y->part) - (x->part < y->part);
	return (x->index > y->index) - (x->index < y->index);
}

/*
 * The partition of jimo.events that holds each event time: its position in
 * bound (month) order in parts[i], its relid in relids[i], as PostgreSQL's
 * own tuple routing finds it (the range case of get_partition_for_tuple()).
 * A statement that names one partition locks and opens that month alone,
 * where one over jimo.events locks every month of the history.  Every time
 * given is that of a stored event, so its month exists; the caller holds a
 * lock on jimo.events, so no month can go away meanwhile.  Returns false
 * when jimo.events is not partitioned (a schema from before 0.3, the new
 * library running until ALTER EXTENSION UPDATE).
 */
bool
jimo_events_partitions(const TimestampTz *times, int n, int *parts, Oid *relids)
{
	Relation	rel = open_events();
	PartitionKey key;
	PartitionDesc desc;
	int			i;

	if (rel == NULL)
		return false;
	key = RelationGetPartitionKey(rel);
	desc = RelationGetPartitionDesc(rel, false);
	for (i = 0; i < n; i++)
	{
		int			part = find_partition(key, desc, times[i]);

		if (part < 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("jimo: no partition of jimo.events holds the stored event time %s",
							timestamptz_to_str(times[i])),
					 errhint("Was a partition detached while ingest ran?")));
		parts[i] = part;
		relids[i] = desc->oids[part];
	}
	table_close(rel, AccessShareLock);
	return true;
}
