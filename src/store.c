/*-------------------------------------------------------------------------
 * store.c
 *	  Write distinct events and rejected bodies, and learn which were new.
 *
 * A chunk's distinct events are inserted with one statement that skips
 * digests already present; the rest are redeliveries and get their counter
 * bumped with a second one.  Rows go in digest order so that two sessions
 * storing overlapping chunks lock in the same order and cannot deadlock.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "batch.h"
#include "columns.h"
#include "layout.h"

static const JimoColumn event_cols[] = {
	{"digest", BYTEAOID, JCOL_PLAIN, NULL},
	{"name", TEXTOID, JCOL_PLAIN, NULL},
	{"version", TEXTOID, JCOL_PLAIN, NULL},
	{"occurred_at", TIMESTAMPTZOID, JCOL_PLAIN, NULL},
	{"deliveries", INT4OID, JCOL_PLAIN, NULL},
	{"experience_uid", UUIDOID, JCOL_PLAIN, NULL},
	{"jimer_uid", UUIDOID, JCOL_PLAIN, NULL},
	{"user_uid", UUIDOID, JCOL_PLAIN, NULL},
	{"project_uid", UUIDOID, JCOL_PLAIN, NULL},
	{"payload", JSONBOID, JCOL_PLAIN, NULL},
	{"jimer_key", UUIDOID, JCOL_PLAIN, NULL},
};

static JimoTable events_table = {
	"jimo.events", event_cols, lengthof(event_cols),
	JCONFLICT_NOTHING, "id, digest", NULL, NULL, 0, 0
};

static const JimoColumn rejected_cols[] = {
	{"digest", BYTEAOID, JCOL_KEY, NULL},
	{"error", TEXTOID, JCOL_PLAIN, NULL},
	{"sqlstate", TEXTOID, JCOL_PLAIN, NULL},
	{"body", TEXTOID, JCOL_PLAIN, NULL},
	{"body_bytes", BYTEAOID, JCOL_PLAIN, NULL},
	{"deliveries", INT4OID, JCOL_SUM, NULL},
};

static JimoTable rejected_table = {
	"jimo.rejected", rejected_cols, lengthof(rejected_cols),
	JCONFLICT_MERGE, NULL, NULL, "last_received_at = now()", 0, 0
};

static SPIPlanPtr redelivery_plan = NULL;
static uint32 redelivery_generation = 0;

static int
digest_cmp(const void *key, const void *elem)
{
	return memcmp(key, &((const JimoUnique *) elem)->digest, sizeof(JimoDigest));
}

/*
 * Record the (id, digest) rows a statement returned; the redelivery update
 * also returns each event's first arrival, which the delivery rollup needs.
 */
static void
collect_ids(JimoUnique *uniq, int n, bool is_new)
{
	uint64		i;

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		bytea	   *digest = DatumGetByteaPP(SPI_getbinval(tup, desc, 2, &isnull));
		JimoUnique *u;

		if (VARSIZE_ANY_EXHDR(digest) != sizeof(JimoDigest))
			elog(ERROR, "jimo: unexpected digest length in jimo.events");
		u = bsearch(VARDATA_ANY(digest), uniq, n, sizeof(JimoUnique), digest_cmp);
		if (u == NULL)
			elog(ERROR, "jimo: jimo.events returned a digest it was not given");
		u->event_id = id;
		u->is_new = is_new;
		if (SPI_tuptable->tupdesc->natts >= 3)
			u->first_received_at = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
	}
}

/*
 * The redelivery update on Citus.  A lock taken ahead by a subquery with FOR
 * NO KEY UPDATE cannot be run over a distributed table, so the UPDATE locks
 * the rows itself, shard by shard, each shard in its own order; a deadlock
 * between two sessions on two shards is one Citus' distributed deadlock
 * detector ends by cancelling one of them (the caller retries, as after any
 * deadlock).  The digests travel as a materialized CTE, which Citus
 * evaluates once and sends to each shard; jimer_key in the join lets each
 * shard find its rows by its own key, and the event time still prunes each
 * lookup to one month.  Read through a CTE so that the rows returned are
 * the rows updated (see columns.c).
 */
static SPIPlanPtr
prepare_distributed_redelivery(void)
{
	Oid			argtypes[4] = {BYTEAARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
	UUIDARRAYOID};

	return jimo_prepare_options(
		"WITH l AS MATERIALIZED ("
		" SELECT * FROM unnest($1, $2, $3, $4) AS u(digest, n, occurred_at, jimer_key)), "
		"w AS (UPDATE jimo.events AS e "
		"SET deliveries = e.deliveries + l.n, "
		"last_received_at = GREATEST(e.last_received_at, now()) "
		"FROM l WHERE e.jimer_key = l.jimer_key AND e.digest = l.digest "
		"AND e.occurred_at = l.occurred_at "
		"RETURNING e.id, e.digest, e.received_at) "
		"SELECT * FROM w", 4, argtypes, 0);
}

/*
 * The redelivery update on one node, with or without jimer_key (a 0.3
 * schema has none).  With it, each lookup names the whole key of the
 * month's UNIQUE (digest, jimer_key), so that the planner knows it finds at
 * most one row: on the digest alone, a prefix of that key, the generic plan
 * chose sequential scans of every month and a hash join, and calls of 100
 * bodies took half as long again (test/bench/ingest).
 */
#define REDELIVERY_SQL(arg4, col4, lookup4, join4, sel4, lsel4) \
	"WITH l AS MATERIALIZED (" \
	" SELECT x.digest, x.occurred_at, u.n" sel4 \
	" FROM unnest($1, $2, $3" arg4 ") AS u(digest, n, occurred_at" col4 ")" \
	" CROSS JOIN LATERAL (SELECT e.digest, e.occurred_at" lsel4 " FROM jimo.events AS e" \
	"  WHERE e.digest = u.digest AND e.occurred_at = u.occurred_at" lookup4 \
	"  FOR NO KEY UPDATE) AS x) " \
	"UPDATE jimo.events AS e " \
	"SET deliveries = e.deliveries + l.n, " \
	"last_received_at = GREATEST(e.last_received_at, now()) " \
	"FROM l WHERE e.digest = l.digest AND e.occurred_at = l.occurred_at" join4 " " \
	"RETURNING e.id, e.digest, e.received_at"

static void
count_redeliveries(JimoUnique *uniq, int n)
{
	const JimoLayout *layout = jimo_layout();
	Datum	   *digests = palloc(sizeof(Datum) * n);
	Datum	   *counts = palloc(sizeof(Datum) * n);
	Datum	   *times = palloc(sizeof(Datum) * n);
	Datum	   *keys = palloc(sizeof(Datum) * n);
	Datum		args[4];
	int			m = 0;
	int			i;
	int			rc;

	for (i = 0; i < n; i++)
	{
		if (uniq[i].event_id != 0)
			continue;
		digests[m] = jimo_digest_datum(&uniq[i].digest);
		counts[m] = Int32GetDatum(uniq[i].deliveries);
		keys[m] = UUIDPGetDatum(jimo_jimer_key(uniq[i].item->ev));
		times[m++] = TimestampTzGetDatum(uniq[i].item->ev->occurred_at);
	}
	if (m == 0)
		return;

	if (redelivery_plan != NULL && redelivery_generation != layout->generation)
	{
		SPI_freeplan(redelivery_plan);
		redelivery_plan = NULL;
	}
	if (redelivery_plan == NULL && layout->distributed)
		redelivery_plan = prepare_distributed_redelivery();
	else if (redelivery_plan == NULL)
	{
		Oid			argtypes[4] = {BYTEAARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
		UUIDARRAYOID};

		/*
		 * Rows are locked first, one lookup per digest in array (digest)
		 * order, by a lateral subquery that the planner can only run as a
		 * nested loop: concurrent sessions then always lock in the same order
		 * and cannot deadlock, whatever join the UPDATE itself is planned
		 * with.  Locking in the UPDATE alone is not enough: on an empty
		 * database its generic plan is a hash join over sequential scans,
		 * which locks in heap order, and heap order differs between two
		 * snapshots once rows have been updated (the retry-storm test
		 * deadlocked about once in 15 runs that way).  The event time is part
		 * of the key, so each lookup reads one month's index.  The UPDATE
		 * joins on the key too, not on the locked row's ctid: a row updated
		 * and committed by another session after this statement's snapshot
		 * is locked in its newest version, which the snapshot cannot see, and
		 * only the key join follows it there.  Two sessions redelivering one
		 * event commit in either order: GREATEST keeps the latest arrival
		 * (what the delivery rollup counts), not the last commit's.
		 */
		redelivery_plan = layout->jimer_key ?
			jimo_prepare_options(REDELIVERY_SQL(", $4", ", jimer_key",
												" AND e.jimer_key = u.jimer_key",
												" AND e.jimer_key = l.jimer_key",
												", x.jimer_key", ", e.jimer_key"),
								 4, argtypes, CURSOR_OPT_GENERIC_PLAN) :
			jimo_prepare_options(REDELIVERY_SQL("", "", "", "", "", ""),
								 3, argtypes, CURSOR_OPT_GENERIC_PLAN);
	}
	redelivery_generation = layout->generation;
	args[0] = PointerGetDatum(construct_array(digests, m, BYTEAOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(counts, m, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(times, m, TIMESTAMPTZOID,
											  sizeof(TimestampTz), true,
											  TYPALIGN_DOUBLE));
	args[3] = PointerGetDatum(construct_array(keys, m, UUIDOID, UUID_LEN, false,
											  TYPALIGN_CHAR));
	rc = SPI_execute_plan(redelivery_plan, args, NULL, false, 0);
	if (rc != (layout->distributed ? SPI_OK_SELECT : SPI_OK_UPDATE_RETURNING))
		elog(ERROR, "jimo: redelivery update failed: %s", SPI_result_code_string(rc));
	collect_ids(uniq, n, false);
}

/*
 * Store the distinct events of a chunk (sorted by digest) and set, for
 * each, whether it is new and its id.
 */
void
jimo_store_events(JimoUnique *uniq, int n)
{
	JimoRows	rows;
	int			i;

	jimo_rows_init(&rows, &events_table, n);
	for (i = 0; i < n; i++)
	{
		JimoEvent  *ev = uniq[i].item->ev;
		Datum		values[lengthof(event_cols)];
		bool		nulls[lengthof(event_cols)] = {0};

		values[0] = jimo_digest_datum(&ev->digest);
		values[1] = CStringGetTextDatum(ev->name);
		values[2] = ev->version ? CStringGetTextDatum(ev->version) : (Datum) 0;
		nulls[2] = ev->version == NULL;
		values[3] = TimestampTzGetDatum(ev->occurred_at);
		values[4] = Int32GetDatum(uniq[i].deliveries);
		values[5] = UUIDPGetDatum(&ev->uid[JENT_EXPERIENCE]);
		nulls[5] = !ev->has[JENT_EXPERIENCE];
		values[6] = UUIDPGetDatum(&ev->uid[JENT_JIMER]);
		nulls[6] = !ev->has[JENT_JIMER];
		values[7] = UUIDPGetDatum(&ev->uid[JENT_USER]);
		nulls[7] = !ev->has[JENT_USER];
		values[8] = UUIDPGetDatum(&ev->uid[JENT_PROJECT]);
		nulls[8] = !ev->has[JENT_PROJECT];
		values[9] = JsonbPGetDatum(ev->payload);
		values[10] = UUIDPGetDatum(jimo_jimer_key(ev));
		jimo_rows_add(&rows, values, nulls);
		uniq[i].event_id = 0;
		uniq[i].is_new = false;
	}
	jimo_rows_write(&rows);
	collect_ids(uniq, n, true);
	count_redeliveries(uniq, n);

	for (i = 0; i < n; i++)
		if (uniq[i].event_id == 0)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("jimo: an event was neither inserted nor found"),
					 errdetail("A concurrent session removed it while it was being stored."),
					 errhint("Retry the delivery.")));
}

/* Keep the distinct rejected bodies of a chunk, with their errors. */
void
jimo_store_rejected(JimoUnique *uniq, int n)
{
	JimoRows	rows;
	int			i;

	jimo_rows_init(&rows, &rejected_table, n);
	for (i = 0; i < n; i++)
	{
		JimoItem   *it = uniq[i].item;
		Datum		values[lengthof(rejected_cols)];
		bool		nulls[lengthof(rejected_cols)] = {0};
		bytea	   *raw;

		values[0] = jimo_digest_datum(&uniq[i].digest);
		values[1] = CStringGetTextDatum(it->error);
		values[2] = CStringGetTextDatum(unpack_sql_state(it->sqlerrcode));
		if (it->body_is_text)
		{
			values[3] = PointerGetDatum(cstring_to_text_with_len(it->body, it->len));
			nulls[4] = true;
		}
		else
		{
			raw = palloc(VARHDRSZ + it->len);
			SET_VARSIZE(raw, VARHDRSZ + it->len);
			memcpy(VARDATA(raw), it->body, it->len);
			values[4] = PointerGetDatum(raw);
			nulls[3] = true;
		}
		values[5] = Int32GetDatum(uniq[i].deliveries);
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
}
