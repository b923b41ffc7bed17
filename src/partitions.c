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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "partitions.h"

static SPIPlanPtr ensure_plan = NULL;

static int
timestamptz_cmp_qsort(const void *a, const void *b)
{
	TimestampTz ta = *(const TimestampTz *) a;
	TimestampTz tb = *(const TimestampTz *) b;

	return (ta > tb) - (ta < tb);
}

/* start of the UTC month of a time: every time of a month names one partition */
static TimestampTz
utc_month(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	TimestampTz month;

	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return t;				/* out of range: the SQL side decides */
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (tm2timestamp(&tm, 0, NULL, &month) != 0)
		return t;
	return month;
}

/*
 * times[0 .. n-1]: the event times of a chunk (sorted in place).  Returns
 * the retention horizon, or DT_NOBEGIN when nothing was ever expired (or
 * the schema predates partitions: a new library runs against the old
 * schema until ALTER EXTENSION UPDATE).
 */
TimestampTz
jimo_partitions_prepare(TimestampTz *times, int n)
{
	Datum	   *months;
	Datum		arg;
	bool		isnull;
	Datum		horizon;
	int			m = 0;
	int			i;
	int			rc;

	if (n == 0 ||
		!OidIsValid(get_relname_relid("expired_months",
									  get_namespace_oid("jimo", false))))
		return DT_NOBEGIN;

	for (i = 0; i < n; i++)
		times[i] = utc_month(times[i]);
	qsort(times, n, sizeof(TimestampTz), timestamptz_cmp_qsort);
	months = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
		if (i == 0 || times[i] != times[i - 1])
			months[m++] = TimestampTzGetDatum(times[i]);

	if (ensure_plan == NULL)
	{
		Oid			argtypes[1] = {TIMESTAMPTZARRAYOID};

		ensure_plan = jimo_prepare("SELECT jimo.ensure_partitions($1)",
								   1, argtypes);
	}
	arg = PointerGetDatum(construct_array(months, m, TIMESTAMPTZOID,
										  sizeof(TimestampTz), true,
										  TYPALIGN_DOUBLE));
	rc = SPI_execute_plan(ensure_plan, &arg, NULL, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "jimo: jimo.ensure_partitions failed: %s",
			 SPI_result_code_string(rc));
	horizon = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
							&isnull);
	pfree(months);
	return isnull ? DT_NOBEGIN : DatumGetTimestampTz(horizon);
}
