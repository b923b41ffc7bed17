/*-------------------------------------------------------------------------
 * store.c
 *	  Write distinct events and rejected bodies, and learn which were new.
 *
 * On one node, a chunk's new events are written by bulk.c, without a
 * statement; elsewhere (a schema before 0.4, a jimo.events with an insert
 * trigger ...) or after a lost race, by one INSERT statement that skips
 * digests already present.  The rest are redeliveries and get their counter
 * bumped by an UPDATE, after the inserts.  Rows go in digest order so that
 * two sessions storing overlapping chunks wait for each other in the same
 * order and cannot deadlock.  On Citus, one upsert per month does both
 * (store_distributed()).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "batch.h"
#include "bulk.h"
#include "columns.h"
#include "layout.h"
#include "partitions.h"
#include "probe.h"

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
	JCONFLICT_NOTHING, "id, digest", NULL, NULL, 0, 0, NULL, 0
};

static const JimoColumn rejected_cols[] = {
	{"digest", BYTEAOID, JCOL_KEY, NULL},
	{"error", TEXTOID, JCOL_PLAIN, NULL},
	{"sqlstate", TEXTOID, JCOL_PLAIN, NULL},
	{"body", TEXTOID, JCOL_PLAIN, NULL},
	{"body_bytes", BYTEAOID, JCOL_PLAIN, NULL},
	{"deliveries", INT4OID, JCOL_SUM, NULL},
};

/*
 * A body rejected again keeps the error of its latest rejection: after a fix
 * or an upgrade (jimo.retry_rejected()), or a constraint changed, the reason
 * shown is the one that holds now, not the first one.
 */
static JimoTable rejected_table = {
	"jimo.rejected", rejected_cols, lengthof(rejected_cols),
	JCONFLICT_MERGE, NULL, NULL,
	"last_received_at = now(), error = excluded.error, sqlstate = excluded.sqlstate", 0, 0, NULL, 0
};

static SPIPlanPtr redelivery_plan = NULL;
static bool redelivery_plan_key = false;

static int
digest_cmp(const void *key, const void *elem)
{
	return memcmp(key, &((const JimoUnique *) elem)->digest, sizeof(JimoDigest));
}

/* where collect_id() records the rows a statement returns */
typedef struct Collect
{
	JimoUnique *uniq;			/* the chunk's events, sorted by digest */
	int			n;
	bool		is_new;			/* rows of the INSERT, or of the update */
} Collect;

/* the event of the chunk whose digest is column 2 of a returned row */
static JimoUnique *
returned_event(TupleTableSlot *slot, JimoUnique *uniq, int n)
{
	bool		isnull;
	bytea	   *digest = DatumGetByteaPP(slot_getattr(slot, 2, &isnull));
	JimoUnique *u;

	if (VARSIZE_ANY_EXHDR(digest) != sizeof(JimoDigest))
		elog(ERROR, "jimo: unexpected digest length in jimo.events");
	u = bsearch(VARDATA_ANY(digest), uniq, n, sizeof(JimoUnique), digest_cmp);
	if (u == NULL)
		elog(ERROR, "jimo: jimo.events returned a digest it was not given");
	return u;
}

/*
 * Record one (id, digest) row a statement returned; the redelivery update
 * also returns each event's first arrival, which the delivery rollup needs.
 */
static void
collect_id(TupleTableSlot *slot, void *arg)
{
	Collect    *c = arg;
	bool		isnull;
	JimoUnique *u = returned_event(slot, c->uniq, c->n);

	u->event_id = DatumGetInt64(slot_getattr(slot, 1, &isnull));
	u->is_new = c->is_new;
	if (slot->tts_tupleDescriptor->natts >= 3)
		u->first_received_at = DatumGetTimestampTz(slot_getattr(slot, 3, &isnull));
}

/*
 * The redelivery update of one table: jimo.events, or one of its monthly
 * partitions.  Rows are locked first, one lookup per digest in array
 * (digest) order, by a lateral subquery that the planner can only run as a
 * nested loop: concurrent sessions then always lock in the same order and
 * cannot deadlock, whatever join the UPDATE itself is planned with.
 * Locking in the UPDATE alone is not enough: on an empty database its
 * generic plan is a hash join over sequential scans, which locks in heap
 * order, and heap order differs between two snapshots once rows have been
 * updated (0.3 deadlocked that way, test/integration/redelivery_race.sh).
 * The UPDATE joins on the key, not on the locked row's ctid: a row updated
 * and committed by another session after this statement's snapshot is
 * locked in its newest version, which the snapshot cannot see, and only the
 * key join follows it there.  Two sessions redelivering one event commit in
 * either order: GREATEST keeps the latest arrival (what the delivery rollup
 * counts), not the last commit's.
 *
 * The statement is planned once per month and session, as index probes in
 * nested loops whatever the month's size (probe.c).  Planned from the
 * month's size, a plan kept from its first call, when it was empty, joined
 * by a sequential scan of the whole month until autovacuum analyzed it:
 * one long session's calls of 100 grew from 6 to 22 ms each over 50 000
 * events that way (0.4); planned on every call instead (0.5), planning was
 * a quarter of the backend's time in calls of one redelivered body.
 */
static SPIPlanPtr
prepare_redelivery(const char *table, bool with_key)
{
	Oid			argtypes[4] = {BYTEAARRAYOID, INT4ARRAYOID, TIMESTAMPTZARRAYOID,
	UUIDARRAYOID};

	/*
	 * With jimer_key (0.4), each lookup names the whole key of the month's
	 * UNIQUE (digest, jimer_key), so that the planner knows it finds at most
	 * one row: on the digest alone, a prefix of that key, the generic plan
	 * could choose sequential scans and a hash join.  A 0.3 schema, until
	 * ALTER EXTENSION UPDATE, has UNIQUE (digest) and no jimer_key.
	 */
	const char *key_arg = with_key ? ", $4" : "";
	const char *key_col = with_key ? ", jimer_key" : "";
	const char *key_sel = with_key ? ", x.jimer_key" : "";
	const char *key_e = with_key ? ", e.jimer_key" : "";
	const char *key_u = with_key ? " AND e.jimer_key = u.jimer_key" : "";
	const char *key_l = with_key ? " AND e.jimer_key = l.jimer_key" : "";
	char	   *sql = psprintf(
		"WITH l AS MATERIALIZED ("
		" SELECT x.digest, x.occurred_at%s, u.n"
		" FROM unnest($1, $2, $3%s) AS u(digest, n, occurred_at%s)"
		" CROSS JOIN LATERAL (SELECT e.digest, e.occurred_at%s FROM %s AS e"
		"  WHERE e.digest = u.digest%s AND e.occurred_at = u.occurred_at"
		"  FOR NO KEY UPDATE) AS x) "
		"UPDATE %s AS e "
		"SET deliveries = e.deliveries + l.n, "
		"last_received_at = GREATEST(e.last_received_at, now()) "
		"FROM l WHERE e.digest = l.digest%s AND e.occurred_at = l.occurred_at "
		"RETURNING e.id, e.digest, e.received_at",
		key_sel, key_arg, key_col, key_e, table, key_u, table, key_l);

	return jimo_prepare_probe(sql, with_key ? 4 : 3, argtypes);
}

/* the plan for one partition, prepared on first use and kept */
typedef struct PartitionPlan
{
	Oid			relid;			/* hash key */
	SPIPlanPtr	plan;
	bool		with_key;		/* prepared for a schema with jimer_key */
} PartitionPlan;

static HTAB *partition_plans = NULL;

static SPIPlanPtr
partition_redelivery_plan(Oid relid, bool with_key)
{
	PartitionPlan *pp;
	bool		found;

	if (partition_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(PartitionPlan);
		ctl.hcxt = TopMemoryContext;
		partition_plans = hash_create("jimo redelivery plans", 64, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	pp = hash_search(partition_plans, &relid, HASH_ENTER, &found);
	if (!found)
		pp->plan = NULL;
	if (pp->plan != NULL && pp->with_key != with_key)
	{
		SPI_freeplan(pp->plan);
		pp->plan = NULL;
	}
	if (pp->plan == NULL)
	{
		/* an error here leaves plan NULL, to be prepared on the next call */
		pp->plan = prepare_redelivery(
			quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid)), with_key);
		pp->with_key = with_key;
	}
	return pp->plan;
}

/*
 * Run one redelivery update over the events uniq[r[0 .. m-1].index] (in
 * that order), with their jimer_key when the statement takes it; learn their
 * ids.
 */
static void
redeliver(SPIPlanPtr plan, bool with_key, const JimoMonthRef *r, int m,
		  JimoUnique *uniq, int n)
{
	Datum	   *digests = palloc(sizeof(Datum) * m);
	Datum	   *counts = palloc(sizeof(Datum) * m);
	Datum	   *times = palloc(sizeof(Datum) * m);
	Datum	   *keys = palloc(sizeof(Datum) * m);
	Datum		args[4];
	Collect		c = {uniq, n, false};
	uint64		nrows;
	int			level;
	int			i;
	int			rc;

	for (i = 0; i < m; i++)
	{
		JimoUnique *u = &uniq[r[i].index];

		digests[i] = jimo_digest_datum(&u->digest);
		counts[i] = Int32GetDatum(u->deliveries);
		times[i] = TimestampTzGetDatum(u->item->ev->occurred_at);
		keys[i] = UUIDPGetDatum(jimo_jimer_key(u->item->ev));
	}
	args[0] = PointerGetDatum(construct_array(digests, m, BYTEAOID, -1, false, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(counts, m, INT4OID, 4, true, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(times, m, TIMESTAMPTZOID,
											  sizeof(TimestampTz), true,
											  TYPALIGN_DOUBLE));
	if (with_key)
		args[3] = PointerGetDatum(construct_array(keys, m, UUIDOID, UUID_LEN, false,
												  TYPALIGN_CHAR));
	level = jimo_probe_begin();
	rc = jimo_execute_returning(plan, args, collect_id, &c, &nrows);
	jimo_probe_end(level);
	if (rc != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "jimo: redelivery update failed: %s", SPI_result_code_string(rc));
}

/*
 * Bump the delivery counters of the events of a chunk that were stored
 * already (those whose event_id is still 0).  With jimo.events partitioned,
 * each month's events are updated by a statement that names that month:
 * one over jimo.events would lock and open every month of the history,
 * which made a redelivery twice as slow with six years of months as with
 * one.  months[] (see chunk_months()) gives the order: month by month, by
 * digest within a month, the same in every session.
 */
static void
count_redeliveries(JimoUnique *uniq, int n, const JimoMonthRef *months)
{
	const JimoLayout *layout = jimo_layout();
	JimoMonthRef *r = palloc(sizeof(JimoMonthRef) * Max(n, 1));
	int			m = 0;
	int			i;
	int			start;

	for (i = 0; i < n; i++)
	{
		const JimoMonthRef *e = months ? &months[i] : NULL;
		int			index = e ? e->index : i;

		if (uniq[index].event_id != 0)
			continue;
		r[m].index = index;
		r[m].part = e ? e->part : 0;
		r[m++].relid = e ? e->relid : InvalidOid;
	}
	if (m == 0)
		return;

	/* a schema from before 0.3: jimo.events is one table */
	if (months == NULL)
	{
		if (redelivery_plan != NULL && redelivery_plan_key != layout->jimer_key)
		{
			SPI_freeplan(redelivery_plan);
			redelivery_plan = NULL;
		}
		if (redelivery_plan == NULL)
			redelivery_plan = prepare_redelivery("jimo.events", layout->jimer_key);
		redelivery_plan_key = layout->jimer_key;
		redeliver(redelivery_plan, layout->jimer_key, r, m, uniq, n);
		return;
	}

	for (start = 0; start < m; start = i)
	{
		for (i = start; i < m && r[i].part == r[start].part; i++)
			;
		redeliver(partition_redelivery_plan(r[start].relid, layout->jimer_key),
				  layout->jimer_key, r + start, i - start, uniq, n);
	}
}

/*
 * On Citus, one statement per month stores a chunk's new events and counts
 * its redeliveries: an upsert into the month, whose unique key (digest,
 * jimer_key) is the arbiter, that returns every event's row.  Each event is
 * offered an id taken ahead from jimo.events' identity sequence, on the
 * coordinator as before; the row returned with that id is the event just
 * stored, a row with another id the event stored earlier, now redelivered,
 * with its first arrival.  An id offered to a redelivery is skipped, as the
 * sequence skipped it before (its default was taken for every row sent).
 *
 * 0.5 ran two statements, an INSERT ... ON CONFLICT DO NOTHING over
 * jimo.events, then an UPDATE of the redeliveries, and Citus ran the UPDATE
 * on every shard, each sent every redelivery (a CTE broadcast as an
 * intermediate result); here each row goes to its own shard, once.  The
 * month is named, as one node's redelivery update names it, because only a
 * month has the unique key an ON CONFLICT DO UPDATE needs: jimo.events
 * cannot, its key would have to hold the partition key.  The update sets
 * what the redelivery update set: one more delivery per copy in the chunk,
 * the latest arrival (the time of the row offered, now(): Citus refuses
 * functions that are not immutable in DO UPDATE SET).  Ingest on Citus is
 * one transaction at a time (batch.c), so no other session races for the
 * rows; a month without its unique key is refused, as on one node (bulk.c).
 */
typedef struct UpsertPlan
{
	Oid			relid;			/* hash key */
	SPIPlanPtr	plan;
	uint32		generation;		/* the layout (layout.h) it was prepared for */
} UpsertPlan;

static HTAB *upsert_plans = NULL;

static SPIPlanPtr
month_upsert_plan(Oid relid)
{
	const JimoLayout *layout = jimo_layout();
	Oid			argtypes[12] = {INT8ARRAYOID, BYTEAARRAYOID, TEXTARRAYOID,
		TEXTARRAYOID, TIMESTAMPTZARRAYOID, INT4ARRAYOID, UUIDARRAYOID,
	UUIDARRAYOID, UUIDARRAYOID, UUIDARRAYOID, JSONBARRAYOID, UUIDARRAYOID};
	UpsertPlan *up;
	bool		found;

	if (upsert_plans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(UpsertPlan);
		ctl.hcxt = TopMemoryContext;
		upsert_plans = hash_create("jimo month upsert plans", 64, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	up = hash_search(upsert_plans, &relid, HASH_ENTER, &found);
	if (!found)
		up->plan = NULL;
	if (up->plan != NULL && up->generation != layout->generation)
	{
		SPI_freeplan(up->plan);
		up->plan = NULL;
	}
	if (up->plan == NULL)
	{
		/* an error here leaves plan NULL, to be prepared on the next call */
		up->plan = jimo_prepare(psprintf(
			"INSERT INTO %s AS t (id, digest, name, version, occurred_at, "
			"received_at, last_received_at, deliveries, experience_uid, jimer_uid, "
			"user_uid, project_uid, payload, jimer_key) OVERRIDING SYSTEM VALUE "
			"SELECT u.id, u.digest, u.name, u.version, u.occurred_at, now(), now(), "
			"u.deliveries, u.experience_uid, u.jimer_uid, u.user_uid, u.project_uid, "
			"u.payload, u.jimer_key "
			"FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
			"AS u(id, digest, name, version, occurred_at, deliveries, experience_uid, "
			"jimer_uid, user_uid, project_uid, payload, jimer_key) "
			"ON CONFLICT (digest, jimer_key) DO UPDATE "
			"SET deliveries = t.deliveries + excluded.deliveries, "
			"last_received_at = GREATEST(t.last_received_at, excluded.last_received_at) "
			"RETURNING t.id, t.digest, t.received_at",
			quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									   get_rel_name(relid))),
			12, argtypes);
		up->generation = layout->generation;
	}
	return up->plan;
}

/* where collect_upserted() records the rows an upsert returns */
typedef struct Upserted
{
	JimoUnique *uniq;			/* the chunk's events, sorted by digest */
	int			n;
	const int64 *offered;		/* offered[i]: the id offered to uniq[i] */
} Upserted;

static void
collect_upserted(TupleTableSlot *slot, void *arg)
{
	Upserted   *c = arg;
	bool		isnull;
	JimoUnique *u = returned_event(slot, c->uniq, c->n);

	u->event_id = DatumGetInt64(slot_getattr(slot, 1, &isnull));
	u->is_new = u->event_id == c->offered[u - c->uniq];
	if (!u->is_new)
		u->first_received_at = DatumGetTimestampTz(slot_getattr(slot, 3, &isnull));
}

/* store the chunk on Citus, month by month (months: see chunk_months()) */
static void
store_distributed(JimoUnique *uniq, int n, const JimoMonthRef *months)
{
	static const Oid types[12] = {INT8OID, BYTEAOID, TEXTOID, TEXTOID,
		TIMESTAMPTZOID, INT4OID, UUIDOID, UUIDOID, UUIDOID, UUIDOID, JSONBOID,
	UUIDOID};
	Oid			parent = get_relname_relid("events", get_namespace_oid("jimo", false));
	Oid			seqid = getIdentitySequence(parent, get_attnum(parent, "id"), false);
	int64	   *offered = palloc(sizeof(int64) * n);
	Datum	   *values[12];
	bool	   *nulls[12];
	Upserted	c = {uniq, n, offered};
	int			start;
	int			i;
	int			k;

	for (k = 0; k < 12; k++)
	{
		values[k] = palloc(sizeof(Datum) * n);
		nulls[k] = palloc0(sizeof(bool) * n);
	}
	for (start = 0; start < n; start = i)
	{
		Relation	rel = table_open(months[start].relid, RowExclusiveLock);
		Datum		args[12];
		uint64		nrows;
		int			m = 0;
		int			rc;

		jimo_require_dedup_key(rel);
		table_close(rel, NoLock);
		for (i = start; i < n && months[i].part == months[start].part; i++, m++)
		{
			int			index = months[i].index;
			JimoUnique *u = &uniq[index];
			JimoEvent  *ev = u->item->ev;

			offered[index] = nextval_internal(seqid, false);
			values[0][m] = Int64GetDatum(offered[index]);
			values[1][m] = jimo_digest_datum(&ev->digest);
			values[2][m] = CStringGetTextDatum(ev->name);
			values[3][m] = ev->version ? CStringGetTextDatum(ev->version) : (Datum) 0;
			nulls[3][m] = ev->version == NULL;
			values[4][m] = TimestampTzGetDatum(ev->occurred_at);
			values[5][m] = Int32GetDatum(u->deliveries);
			values[6][m] = UUIDPGetDatum(&ev->uid[JENT_EXPERIENCE]);
			nulls[6][m] = !ev->has[JENT_EXPERIENCE];
			values[7][m] = UUIDPGetDatum(&ev->uid[JENT_JIMER]);
			nulls[7][m] = !ev->has[JENT_JIMER];
			values[8][m] = UUIDPGetDatum(&ev->uid[JENT_USER]);
			nulls[8][m] = !ev->has[JENT_USER];
			values[9][m] = UUIDPGetDatum(&ev->uid[JENT_PROJECT]);
			nulls[9][m] = !ev->has[JENT_PROJECT];
			values[10][m] = JsonbPGetDatum(ev->payload);
			values[11][m] = UUIDPGetDatum(jimo_jimer_key(ev));
		}
		for (k = 0; k < 12; k++)
			args[k] = jimo_array(values[k], nulls[k], m, types[k]);
		rc = jimo_execute_returning(month_upsert_plan(months[start].relid), args,
									collect_upserted, &c, &nrows);
		if (rc != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "jimo: storing events failed: %s", SPI_result_code_string(rc));
	}
}

/*
 * The events of a chunk in the order every session writes and locks them,
 * whichever path writes: month by month, by digest within a month.  The
 * bulk write (bulk.c), the INSERT statement and the redelivery update all
 * follow it, so that sessions wait for each other's index entries and rows
 * in one order: with the statement in digest order alone, across months,
 * three sessions deadlocked in the retry-storm test.  On Citus the months
 * tell which month each upsert writes (store_distributed()).  NULL where
 * jimo.events has no months (a schema before 0.3): digest order then.  The
 * months are looked up once per chunk.
 */
static JimoMonthRef *
chunk_months(JimoUnique *uniq, int n)
{
	TimestampTz *times;
	int		   *parts;
	Oid		   *relids;
	JimoMonthRef *months;
	int			i;

	if (n == 0)
		return NULL;
	times = palloc(sizeof(TimestampTz) * n);
	parts = palloc(sizeof(int) * n);
	relids = palloc(sizeof(Oid) * n);
	for (i = 0; i < n; i++)
		times[i] = uniq[i].item->ev->occurred_at;
	if (!jimo_events_partitions(times, n, parts, relids))
		return NULL;
	months = palloc(sizeof(JimoMonthRef) * n);
	for (i = 0; i < n; i++)
	{
		months[i].part = parts[i];
		months[i].index = i;
		months[i].relid = relids[i];
	}
	qsort(months, n, sizeof(JimoMonthRef), jimo_month_ref_cmp);
	return months;
}


/*
 * Every event of the chunk was either inserted or found.  One that was
 * neither was skipped by the INSERT's ON CONFLICT DO NOTHING, which (with
 * no conflict target: a partitioned jimo.events has no index of its own to
 * name) skips a row that conflicts on any unique index or exclusion
 * constraint of its month, not only on (digest, jimer_key): one a user
 * added, that this body's values break against a stored row or another
 * body of the chunk.  A BEFORE trigger that returns NULL skips it too.
 * That is about the body, so the error is an integrity violation, which
 * the chunk's write isolates down to this event and rejects alone (before,
 * 40001 failed the whole call, and every retry of it).  A concurrent
 * session that deleted the event between the INSERT and the redelivery
 * update also lands here; the split writes the event again, and finds or
 * stores it then.
 */
static void
check_stored(const JimoUnique *uniq, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (uniq[i].event_id == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("jimo: the event was neither inserted into jimo.events nor found there"),
					 errdetail("A unique index or exclusion constraint of jimo.events other than (digest, jimer_key) refused it, "
							   "or a trigger skipped it.")));
}

/*
 * Store the distinct events of a chunk (sorted by digest) and set, for
 * each, whether it is new and its id.
 */
void
jimo_store_events(JimoUnique *uniq, int n)
{
	JimoMonthRef *months = chunk_months(uniq, n);
	JimoRows	rows;
	int			i;
	int			k;

	for (i = 0; i < n; i++)
	{
		uniq[i].event_id = 0;
		uniq[i].is_new = false;
	}

	/*
	 * On one node, bulk.c writes the new events without a statement, and
	 * the others are redeliveries.  Where it does not apply, or loses a
	 * race to a concurrent session, the statement below writes them.
	 */
	/* on Citus: an upsert per month (see store_distributed()) */
	if (jimo_layout()->distributed)
	{
		if (months == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("jimo: jimo.events is distributed but has no months")));
		store_distributed(uniq, n, months);
		check_stored(uniq, n);
		return;
	}
	if (months != NULL && jimo_bulk_store_new(uniq, n, months))
	{
		count_redeliveries(uniq, n, months);
		check_stored(uniq, n);
		return;
	}

	jimo_rows_init(&rows, &events_table, n);
	for (k = 0; k < n; k++)
	{
		JimoEvent  *ev;
		Datum		values[lengthof(event_cols)];
		bool		nulls[lengthof(event_cols)] = {0};

		i = months ? months[k].index : k;
		if (uniq[i].event_id != 0)
			continue;
		ev = uniq[i].item->ev;

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
	}
	{
		Collect		c = {uniq, n, true};

		jimo_rows_write_returning(&rows, collect_id, &c);
	}
	count_redeliveries(uniq, n, months);
	check_stored(uniq, n);
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
			values[3] = PointerGetDatum(cstring_to_text_with_len(it->text, it->text_len));
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
