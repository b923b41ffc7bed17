/*-------------------------------------------------------------------------
 * bulk.c
 *	  New events written the way COPY writes rows: table_multi_insert into
 *	  their month's partition, then their index entries.
 *
 * The statement path (INSERT ... SELECT FROM unnest(...) ON CONFLICT DO
 * NOTHING RETURNING) spent most of an event's write in the executor: the
 * arrays built and copied into the plan, the function scan materialized in
 * a tuplestore, the speculative insertion, the RETURNING tuplestore, one
 * heap WAL record per row.  Here each event is first looked up in its
 * month's unique index (digest, jimer_key) with a snapshot taken then,
 * taking no lock and waiting for nobody; those not found are inserted.  A
 * concurrent session that stores one of them first, committed or not, makes
 * the unique index wait for it and then raise a unique violation, which
 * rolls back this write alone (a subtransaction) and hands the events back
 * to the statement path, whose ON CONFLICT settles the race as before.
 * Events found are left to the redelivery update (store.c), which runs
 * after: a session waits for other sessions' inserts before it waits for
 * their row locks, never the other way round, as with the statement.
 *
 * Used only where it writes exactly what the statement would: a partitioned
 * jimo.events of this version's columns, on one node, with no insert
 * trigger and no row security on the table or the months written, and no
 * constraint on a month that a row could break (see map_columns()).  A user
 * may add any of those; COPY would honour them, so the statement path is
 * taken (test/pgtap/96_bulk_write.sql).
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/toast_compression.h"
#include "access/toast_internals.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "bulk.h"
#include "digest.h"
#include "layout.h"
#include "partitions.h"
#include "subxact.h"

/* rows per table_multi_insert, as COPY buffers them */
#define BULK_ROWS 1000

/*
 * Payloads from this size up are compressed inline (see compressed_payload);
 * below it lz4 saves nothing worth its time.
 */
#define COMPRESS_MIN_BYTES 256

/*
 * Which value each column of a month gets; a month is mapped by column
 * name, as its attribute numbers may differ from the parent's (a table
 * attached as a month after ALTER TABLE, see the 0.2 -> 0.3 upgrade).
 */
typedef enum EventColumn
{
	EC_ID,
	EC_DIGEST,
	EC_NAME,
	EC_VERSION,
	EC_OCCURRED_AT,
	EC_RECEIVED_AT,
	EC_LAST_RECEIVED_AT,
	EC_DELIVERIES,
	EC_EXPERIENCE_UID,
	EC_JIMER_UID,
	EC_USER_UID,
	EC_PROJECT_UID,
	EC_PAYLOAD,
	EC_JIMER_KEY,
	EC_COUNT
} EventColumn;

static const char *const column_names[EC_COUNT] = {
	"id", "digest", "name", "version", "occurred_at", "received_at",
	"last_received_at", "deliveries", "experience_uid", "jimer_uid",
	"user_uid", "project_uid", "payload", "jimer_key"
};

/* the columns an event may leave NULL */
static bool
nullable(EventColumn k)
{
	return k == EC_VERSION || k == EC_EXPERIENCE_UID || k == EC_JIMER_UID ||
		k == EC_USER_UID || k == EC_PROJECT_UID;
}

/*
 * Map a month's columns: attribute i (0-based) takes value map[i], -1 for a
 * dropped one.  False when the month has what only the statement would
 * handle: a column this version does not know (its default is not ours to
 * compute), a generated column, a CHECK constraint, or NOT NULL on a column
 * an event may leave NULL (the statement would reject the event for it).
 * Nothing else can be violated: every other column is set, and each event
 * goes to the month whose bounds hold its time.
 */
static bool
map_columns(TupleDesc desc, int *map)
{
	int			i;
	int			k;

	if (desc->constr != NULL && desc->constr->num_check > 0)
		return false;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		map[i] = -1;
		if (att->attisdropped)
			continue;
		for (k = 0; k < EC_COUNT; k++)
			if (strcmp(NameStr(att->attname), column_names[k]) == 0)
				map[i] = k;
		if (map[i] < 0 || att->attgenerated ||
			(att->attnotnull && nullable((EventColumn) map[i])))
			return false;
	}
	return true;
}

/* no insert trigger and no row security: what the statement would honour */
static bool
plain_table(Relation rel)
{
	TriggerDesc *trig = rel->trigdesc;

	if (rel->rd_rel->relrowsecurity)
		return false;
	return trig == NULL ||
		!(trig->trig_insert_before_row || trig->trig_insert_after_row ||
		  trig->trig_insert_instead_row || trig->trig_insert_before_statement ||
		  trig->trig_insert_after_statement || trig->trig_insert_new_table);
}

/* the values of event u's row, by EventColumn */
static void
event_values(const JimoUnique *u, int64 id, TimestampTz now, Datum *v, bool *isnull)
{
	const JimoEvent *ev = u->item->ev;

	memset(isnull, 0, sizeof(bool) * EC_COUNT);
	v[EC_ID] = Int64GetDatum(id);
	v[EC_DIGEST] = jimo_digest_datum(&ev->digest);
	v[EC_NAME] = CStringGetTextDatum(ev->name);
	v[EC_VERSION] = ev->version ? CStringGetTextDatum(ev->version) : (Datum) 0;
	isnull[EC_VERSION] = ev->version == NULL;
	v[EC_OCCURRED_AT] = TimestampTzGetDatum(ev->occurred_at);
	v[EC_RECEIVED_AT] = TimestampTzGetDatum(now);
	v[EC_LAST_RECEIVED_AT] = TimestampTzGetDatum(now);
	v[EC_DELIVERIES] = Int32GetDatum(u->deliveries);
	v[EC_EXPERIENCE_UID] = UUIDPGetDatum(&ev->uid[JENT_EXPERIENCE]);
	isnull[EC_EXPERIENCE_UID] = !ev->has[JENT_EXPERIENCE];
	v[EC_JIMER_UID] = UUIDPGetDatum(&ev->uid[JENT_JIMER]);
	isnull[EC_JIMER_UID] = !ev->has[JENT_JIMER];
	v[EC_USER_UID] = UUIDPGetDatum(&ev->uid[JENT_USER]);
	isnull[EC_USER_UID] = !ev->has[JENT_USER];
	v[EC_PROJECT_UID] = UUIDPGetDatum(&ev->uid[JENT_PROJECT]);
	isnull[EC_PROJECT_UID] = !ev->has[JENT_PROJECT];
	v[EC_PAYLOAD] = JsonbPGetDatum(ev->payload);
	v[EC_JIMER_KEY] = UUIDPGetDatum(jimo_jimer_key(ev));
}

/*
 * The month's UNIQUE (digest, jimer_key) index, or InvalidOid when it has
 * none of that shape (then only the statement's ON CONFLICT applies).  A
 * deferrable unique index elsewhere on the month needs no check here: its
 * constraint comes with an insert trigger (unique_key_recheck), which
 * plain_table() already sends to the statement.
 */
static Oid
unique_key_index(Relation rel)
{
	AttrNumber	digest = get_attnum(RelationGetRelid(rel), "digest");
	AttrNumber	jimer_key = get_attnum(RelationGetRelid(rel), "jimer_key");
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	Oid			found = InvalidOid;

	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = index->rd_index;

		if (form->indisunique && form->indisvalid && form->indimmediate &&
			form->indnatts == 2 && form->indkey.values[0] == digest &&
			form->indkey.values[1] == jimer_key &&
			RelationGetIndexPredicate(index) == NIL &&
			RelationGetIndexExpressions(index) == NIL)
			found = RelationGetRelid(index);
		index_close(index, AccessShareLock);
		if (OidIsValid(found))
			break;
	}
	list_free(indexes);
	return found;
}

/*
 * Refuse to write into a month that cannot deduplicate: one without a
 * unique index whose key holds both digest and jimer_key.  A month attached
 * by hand, or restored from a dump whose index failed, would otherwise
 * store every redelivery of its events again, silently (ON CONFLICT DO
 * NOTHING finds no conflict without the index).  A foreign table, which
 * keeps its rows elsewhere, is left to its server.
 */
void
jimo_require_dedup_key(Relation rel)
{
	AttrNumber	digest = get_attnum(RelationGetRelid(rel), "digest");
	AttrNumber	jimer_key = get_attnum(RelationGetRelid(rel), "jimer_key");
	List	   *indexes;
	ListCell   *lc;
	bool		found = false;

	if (rel->rd_rel->relkind == RELKIND_FOREIGN_TABLE)
		return;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = index->rd_index;
		bool		has_digest = false;
		bool		has_key = false;
		int			i;

		for (i = 0; i < form->indnkeyatts; i++)
		{
			has_digest |= form->indkey.values[i] == digest;
			has_key |= form->indkey.values[i] == jimer_key;
		}
		found = form->indisunique && form->indisvalid && has_digest && has_key &&
			RelationGetIndexPredicate(index) == NIL;
		index_close(index, AccessShareLock);
		if (found)
			break;
	}
	list_free(indexes);
	if (!found)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("jimo: month %s of jimo.events has no unique index on (digest, jimer_key)",
						RelationGetRelationName(rel)),
				 errdetail("Without it, redeliveries of its events would be stored again."),
				 errhint("Add it: ALTER TABLE jimo.%s ADD UNIQUE (digest, jimer_key);",
						 quote_identifier(RelationGetRelationName(rel)))));
}

/*
 * Keep in idx[] only the events of idx[0 .. m-1] that the month does not
 * hold, as a statement starting now would see it (this call's earlier
 * writes included); returns how many.
 */
static int
drop_stored(Relation rel, Oid indexoid, const JimoUnique *uniq, int *idx, int m)
{
	Snapshot	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	Relation	index = index_open(indexoid, AccessShareLock);
	IndexScanDesc scan = index_beginscan(rel, index, snapshot, 2, 0);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	int			kept = 0;
	int			i;

	for (i = 0; i < m; i++)
	{
		const JimoEvent *ev = uniq[idx[i]].item->ev;
		ScanKeyData keys[2];

		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_BYTEAEQ,
					jimo_digest_datum(&ev->digest));
		ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_UUID_EQ,
					UUIDPGetDatum(jimo_jimer_key(ev)));
		index_rescan(scan, keys, 2, NULL, 0);
		if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			idx[kept++] = idx[i];
	}
	ExecDropSingleTupleTableSlot(slot);
	index_endscan(scan);
	index_close(index, AccessShareLock);
	UnregisterSnapshot(snapshot);
	return kept;
}

/*
 * The payload compressed with the month's compression method for it, or 0
 * when it stays as it is.  PostgreSQL compresses a value only once its row
 * passes TOAST_TUPLE_THRESHOLD (about 2 kB), and a Jimo payload is mostly
 * under 1 kB, so without this it is stored uncompressed whatever the column
 * says.  An inline compressed value is what the toaster itself writes for a
 * larger row: every reader decompresses it transparently.  Only a method
 * set on the column (lz4 as installed) is used; with the column at its
 * default, or set to a storage that is never compressed, payloads are
 * stored as COPY would store them.
 */
static Datum
compressed_payload(Datum payload, char cmethod)
{
	if (!CompressionMethodIsValid(cmethod) ||
		VARATT_IS_EXTENDED(DatumGetPointer(payload)) ||
		VARSIZE(DatumGetPointer(payload)) < COMPRESS_MIN_BYTES)
		return (Datum) 0;
	return toast_compress_datum(payload, cmethod);
}

/*
 * Insert uniq[idx[0 .. m-1]] into one month, in that (digest) order: the
 * order in which two sessions inserting the same events wait for each
 * other's index entries, the same as the statement's.
 */
static void
insert_month(Relation rel, const int *map, JimoUnique *uniq, const int *idx,
			 int m, Oid seqid)
{
	TupleDesc	desc = RelationGetDescr(rel);
	EState	   *estate = CreateExecutorState();
	ResultRelInfo *rri = makeNode(ResultRelInfo);
	BulkInsertState bistate = GetBulkInsertState();
	CommandId	cid = GetCurrentCommandId(true);
	TimestampTz now = GetCurrentTransactionStartTimestamp();
	TupleTableSlot *slots[BULK_ROWS];
	Datum		packed[BULK_ROWS];
	int			nslots = Min(m, BULK_ROWS);
	int			payload_att = -1;
	char		cmethod = InvalidCompressionMethod;
	int			start;
	int			i;

	for (i = 0; i < desc->natts; i++)
		if (map[i] == EC_PAYLOAD)
		{
			char		storage = TupleDescAttr(desc, i)->attstorage;

			payload_att = i;
			/*
			 * Only where PostgreSQL itself may compress: a column set to
			 * STORAGE EXTERNAL or PLAIN is never compressed (and PLAIN
			 * cannot hold a compressed value at all).
			 */
			if (storage == TYPSTORAGE_EXTENDED || storage == TYPSTORAGE_MAIN)
				cmethod = TupleDescAttr(desc, i)->attcompression;
		}

	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	for (i = 0; i < nslots; i++)
		slots[i] = table_slot_create(rel, NULL);

	for (start = 0; start < m; start += BULK_ROWS)
	{
		int			k = Min(BULK_ROWS, m - start);

		for (i = 0; i < k; i++)
		{
			JimoUnique *u = &uniq[idx[start + i]];
			TupleTableSlot *slot = slots[i];
			Datum		v[EC_COUNT];
			bool		isnull[EC_COUNT];
			int			a;

			u->event_id = nextval_internal(seqid, false);
			event_values(u, u->event_id, now, v, isnull);
			ExecClearTuple(slot);
			for (a = 0; a < desc->natts; a++)
			{
				slot->tts_values[a] = map[a] < 0 ? (Datum) 0 : v[map[a]];
				slot->tts_isnull[a] = map[a] < 0 ? true : isnull[map[a]];
			}
			packed[i] = payload_att < 0 ? (Datum) 0 :
				compressed_payload(v[EC_PAYLOAD], cmethod);
			if (packed[i] != (Datum) 0)
				slot->tts_values[payload_att] = packed[i];
			ExecStoreVirtualTuple(slot);
		}
		table_multi_insert(rel, slots, k, cid, 0, bistate);
		for (i = 0; i < k; i++)
		{
			List	   *recheck = ExecInsertIndexTuples(rri, slots[i], estate,
														false, false, NULL, NIL);

			list_free(recheck);
			ResetPerTupleExprContext(estate);
			uniq[idx[start + i]].is_new = true;
			/* the row holds its own copy now */
			if (packed[i] != (Datum) 0)
				pfree(DatumGetPointer(packed[i]));
		}
	}

	for (i = 0; i < nslots; i++)
		ExecDropSingleTupleTableSlot(slots[i]);
	FreeBulkInsertState(bistate);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
}

/*
 * Is this version's jimo.events (partitioned, jimer_key, an identity) on
 * one node?  Sets *parent, *seqid (its identity sequence) and *plain:
 * whether jimo.events itself has no insert trigger and no row security.
 */
static bool
bulk_usable(Oid *parent, Oid *seqid, bool *plain)
{
	const JimoLayout *layout = jimo_layout();
	Relation	rel;
	bool		ok;
	AttrNumber	id_att;

	if (layout->distributed || !layout->jimer_key)
		return false;
	*parent = get_relname_relid("events", get_namespace_oid("jimo", false));
	if (!OidIsValid(*parent) || get_rel_relkind(*parent) != RELKIND_PARTITIONED_TABLE)
		return false;
	id_att = get_attnum(*parent, "id");
	if (id_att == InvalidAttrNumber)
		return false;
	rel = table_open(*parent, RowExclusiveLock);
	*plain = plain_table(rel);
	ok = TupleDescAttr(RelationGetDescr(rel), id_att - 1)->attidentity != '\0';
	table_close(rel, NoLock);
	if (ok)
		*seqid = getIdentitySequence(*parent, id_att, false);
	return ok;
}

/* the events of a chunk in (month, digest) order, to write in bulk */
typedef struct MonthsWrite
{
	const JimoMonthRef *ne;
	int			m;
	JimoUnique *uniq;
	int		   *idx;			/* scratch: one month's events */
	Oid			seqid;
	bool		parent_plain;	/* jimo.events itself: plain_table() */
} MonthsWrite;

/*
 * Write every month's new events; false, to be rolled back, when a month
 * has what only the statement handles (then an earlier month's rows must
 * not stay).  Every month is checked for its deduplication key, whichever
 * path writes it.
 */
static bool
write_months(void *arg)
{
	MonthsWrite *w = arg;
	bool		all_ok = w->parent_plain;
	int			start;
	int			i;

	for (start = 0; start < w->m; start = i)
	{
		Relation	rel = table_open(w->ne[start].relid, RowExclusiveLock);
		int		   *map = palloc(sizeof(int) * RelationGetDescr(rel)->natts);
		Oid			indexoid = InvalidOid;
		int			k = 0;

		for (i = start; i < w->m && w->ne[i].part == w->ne[start].part; i++)
			w->idx[k++] = w->ne[i].index;
		jimo_require_dedup_key(rel);
		/* a plain table: not a foreign table, nor a month partitioned again */
		all_ok = all_ok && rel->rd_rel->relkind == RELKIND_RELATION &&
			plain_table(rel) && map_columns(RelationGetDescr(rel), map) &&
			OidIsValid(indexoid = unique_key_index(rel));
		if (all_ok)
		{
			k = drop_stored(rel, indexoid, w->uniq, w->idx, k);
			if (k > 0)
				insert_month(rel, map, w->uniq, w->idx, k, w->seqid);
		}
		table_close(rel, NoLock);
	}
	return all_ok;
}

/*
 * Write those of the events uniq[0 .. n-1] that are not stored yet, setting
 * their ids and is_new; the others keep event_id 0, for the redelivery
 * update.  Returns false, having written nothing, when the statement path
 * must write them all: where this one does not apply, or when a concurrent
 * session stored one of them first (a unique violation).  months[] holds
 * the chunk's events in the write order (month, then digest; store.c).
 */
bool
jimo_bulk_store_new(JimoUnique *uniq, int n, const JimoMonthRef *months)
{
	MonthsWrite w;
	ErrorData  *edata;
	Oid			parent;
	int			i;

	if (n == 0)
		return true;
	if (!bulk_usable(&parent, &w.seqid, &w.parent_plain))
		return false;

	w.ne = months;
	w.m = n;
	w.uniq = uniq;
	w.idx = palloc(sizeof(int) * n);
	if (jimo_subxact(write_months, &w, &edata))
	{
		/* the next statements of this call see the rows */
		CommandCounterIncrement();
		return true;
	}
	if (edata != NULL)
	{
		if (edata->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	for (i = 0; i < n; i++)
	{
		uniq[i].event_id = 0;
		uniq[i].is_new = false;
	}
	return false;
}
