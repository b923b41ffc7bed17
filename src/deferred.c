/*-------------------------------------------------------------------------
 * deferred.c
 *	  Bodies whose month a transaction could not create, stored when sent
 *	  again as if they had been stored on their first delivery.
 *
 * A transaction creates at most JIMO_MAX_NEW_MONTHS months (partitions.c);
 * past that, a body is rejected alone with 53400 and kept in jimo.rejected,
 * and Jimo sends it again (a 400 is a failed delivery).  Stored by that
 * delivery as a new body, it left its row in jimo.rejected (0.7): the
 * delivery_health rollup kept counting the first delivery as rejected, and
 * the event counted one delivery fewer, first received at the later time.
 * Its tables differed from those of the same deliveries in calls that could
 * create the month at once (test/pgtap/99_deferred_month_resent.sql).
 *
 * So before a chunk is written, a body of the chunk that is kept in
 * jimo.rejected as deferred is first stored from that row, by
 * jimo.retry_deferred(): as jimo.retry_rejected() does, with the row's
 * arrival times and deliveries carried over to the event and the rollup
 * counting it at its first arrival.  The chunk then finds the event stored
 * and counts its own delivery as a redelivery, which it is.  That is the
 * order the deliveries came in, so the rows written are those of the
 * deliveries stored at once.
 *
 * This costs a chunk one probe of a partial index that is empty unless a
 * body was deferred; digests are taken and looked up only when it is not.  Nothing is
 * done inside jimo.retry_rejected() (jimo.delivery_rollup off there): it
 * retries each row itself, and a nested retry of the row it is handling
 * would carry its deliveries over twice.  A database whose schema predates
 * jimo.retry_deferred() (0.8; a new library runs against it until ALTER
 * EXTENSION UPDATE) is left as before.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/lsyscache.h"

#include "columns.h"
#include "deferred.h"
#include "probe.h"
#include "rollups.h"

/* kept for the session */
static SPIPlanPtr any_deferred_plan = NULL;
static SPIPlanPtr match_plan = NULL;
static SPIPlanPtr retry_plan = NULL;

/* has this database jimo.retry_deferred(bytea[]), i.e. is it at 0.8 on? */
static bool
retry_function_exists(void)
{
	Oid			argtype = BYTEAARRAYOID;
	List	   *name = list_make2(makeString("jimo"), makeString("retry_deferred"));

	return OidIsValid(LookupFuncName(name, 1, &argtype, true));
}

/* is some body kept in jimo.rejected as deferred (53400)? */
static bool
any_deferred(void)
{
	if (any_deferred_plan == NULL)
		any_deferred_plan = jimo_prepare_probe(
			"SELECT 1 FROM jimo.rejected WHERE sqlstate = '53400' LIMIT 1",
			0, NULL);
	if (jimo_execute_probe(any_deferred_plan, NULL) != SPI_OK_SELECT)
		elog(ERROR, "jimo: the deferred body lookup failed");
	return SPI_processed > 0;
}

/*
 * Store the bodies of items[] that jimo.rejected keeps as deferred from
 * their rows there, before the chunk writes them.  Runs inside SPI.
 */
void
jimo_deferred_retry(JimoItem *items, int n)
{
	Datum	   *digests;
	Datum		arg;
	Oid			argtype = BYTEAARRAYOID;
	int			nbodies = 0;
	int			i;

	if (n == 0 || !jimo_health_rollup_on() || !retry_function_exists() ||
		!any_deferred())
		return;

	/* a body is kept by the digest of its bytes (jimo.ingest(jsonb) has none) */
	digests = palloc(sizeof(Datum) * n);
	for (i = 0; i < n; i++)
	{
		JimoDigest	d;

		if (items[i].body == NULL)
			continue;
		jimo_digest_bytes(items[i].body, items[i].len, &d);
		digests[nbodies++] = jimo_digest_datum(&d);
	}
	if (nbodies == 0)
		return;
	arg = PointerGetDatum(construct_array(digests, nbodies, BYTEAOID, -1, false,
										  TYPALIGN_INT));

	/*
	 * A deferred body that is never sent again stays until
	 * jimo.retry_rejected(): until then each chunk looks its digests up, and
	 * calls the PL/pgSQL function only when one of them is there.
	 */
	if (match_plan == NULL)
		match_plan = jimo_prepare_probe(
			"SELECT 1 FROM jimo.rejected"
			" WHERE sqlstate = '53400' AND digest = ANY ($1) LIMIT 1",
			1, &argtype);
	if (jimo_execute_probe(match_plan, &arg) != SPI_OK_SELECT)
		elog(ERROR, "jimo: the deferred body lookup failed");
	if (SPI_processed == 0)
		return;

	if (retry_plan == NULL)
		retry_plan = jimo_prepare("SELECT jimo.retry_deferred($1)", 1, &argtype);
	if (SPI_execute_plan(retry_plan, &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "jimo: jimo.retry_deferred() failed");
}
