/*-------------------------------------------------------------------------
 * batch.c
 *	  Ingest one chunk of webhook bodies: parse, deduplicate, store.
 *
 * Phase one reads every body on its own.  For receive() bodies are read
 * inside subtransactions, 64 to one, so that a body PostgreSQL cannot parse
 * (bad JSON, a broken \u escape, nesting deeper than the stack allows) is
 * rejected alone: a group that holds one is read again a body at a time.
 * Nothing is written in this phase, so those subtransactions never take an
 * xid.  Phase two writes the whole chunk with
 * a handful of set-based statements, in one subtransaction.  A body can
 * still fail there on its content alone (an index entry too large, a value
 * a constraint refuses), and one body must never fail the others: when the
 * chunk fails with such an error, it is split in halves and each half
 * written on its own, down to the one event that fails, which is rejected
 * with its error.  Any other error (disk full, a cancel, a deadlock) is not
 * about a body and fails the call, so the caller (the receiver) answers 503
 * and Jimo retries.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "batch.h"
#include "columns.h"
#include "deferred.h"
#include "entities.h"
#include "facts.h"
#include "fold.h"
#include "journeys.h"
#include "layout.h"
#include "number_text.h"
#include "partitions.h"
#include "rollups.h"
#include "step_scales.h"
#include "steps.h"
#include "subxact.h"

/* longest error text kept per rejected body */
#define JIMO_MAX_ERROR_LEN 1000

/*
 * Bodies parsed per subtransaction.  A subtransaction per body cost 4-5 %
 * of a call (its start and end, and a look over the relation cache at each
 * end); bad bodies are rare, and a group holding one is parsed again one
 * body per subtransaction, so that only the bad body is rejected.
 */
#define PARSE_GROUP 64

/*
 * The JSON parser leaves several times the size of the document behind in
 * intermediate trees; parse in a scratch context and keep only the jsonb.
 */
static MemoryContext scratch_cxt = NULL;

static void
parse_item(JimoItem *it, JimoEvent *ev)
{
	if (scratch_cxt == NULL)
		scratch_cxt = AllocSetContextCreate(TopMemoryContext, "jimo parse",
											ALLOCSET_DEFAULT_SIZES);
	if (it->jsonb == NULL)
	{
		MemoryContext cxt = CurrentMemoryContext;
		Jsonb	   *parsed;

		if (it->from_bytes)
			it->text = jimo_payload_text(it->body, it->len, &it->text_len);
		else
		{
			it->text = it->body;
			it->text_len = it->len;
		}
		it->body_is_text = true;
		MemoryContextSwitchTo(scratch_cxt);
		parsed = jimo_payload_parse(it->text, it->text_len);
		jimo_check_number_text(parsed, it->text_len);
		MemoryContextSwitchTo(cxt);
		it->jsonb = palloc(VARSIZE(parsed));
		memcpy(it->jsonb, parsed, VARSIZE(parsed));
		MemoryContextReset(scratch_cxt);
	}
	else
	{
		/* the check's iterators and magnitudes, gone with the scratch */
		MemoryContext cxt = MemoryContextSwitchTo(scratch_cxt);

		jimo_check_number_text(it->jsonb, VARSIZE(it->jsonb));
		MemoryContextSwitchTo(cxt);
		MemoryContextReset(scratch_cxt);
	}
	jimo_event_parse(it->jsonb, ev);
	it->ev = ev;
}

/*
 * Only errors about the body itself turn into a rejection: data exceptions
 * (class 22) and program limits such as nesting depth or the size of an
 * index entry (class 54); when writing, also integrity constraints (class
 * 23).  Anything else, a cancel or running out of memory, is not the
 * sender's fault and must fail the call instead of being recorded against
 * the body.
 */
static bool
is_input_error(int sqlerrcode, bool writing)
{
	int			category = ERRCODE_TO_CATEGORY(sqlerrcode);

	return category == ERRCODE_DATA_EXCEPTION ||
		category == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
		(writing && category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION);
}

/* the message of a caught error, as kept with a rejected body */
static char *
rejection_message(ErrorData *edata, const char *prefix)
{
	char	   *msg = edata->detail ?
		psprintf("%s%s: %s", prefix, edata->message, edata->detail) :
		psprintf("%s%s", prefix, edata->message);

	if (strlen(msg) > JIMO_MAX_ERROR_LEN)
		msg[pg_mbcliplen(msg, strlen(msg), JIMO_MAX_ERROR_LEN)] = '\0';
	return msg;
}

/* items[0 .. n-1] to parse in one subtransaction */
typedef struct ParseRange
{
	JimoItem   *items;
	JimoEvent  *events;
	int			n;
} ParseRange;

static bool
parse_range(void *arg)
{
	ParseRange *r = arg;
	int			i;

	for (i = 0; i < r->n; i++)
		if (!r->items[i].parsed)
			parse_item(&r->items[i], &r->events[i]);
	return true;
}

/*
 * Parse items[0 .. n-1] (those not parsed yet) in one subtransaction.  On
 * an error about a body, all of them are rolled back and false returned; a
 * single item (n = 1) is then rejected with that error.
 */
static bool
parse_catching(JimoItem *items, JimoEvent *events, int n)
{
	ParseRange	r = {items, events, n};
	ErrorData  *edata;

	if (jimo_subxact(parse_range, &r, &edata))
		return true;
	if (scratch_cxt)
		MemoryContextReset(scratch_cxt);
	if (!is_input_error(edata->sqlerrcode, false))
		ReThrowError(edata);
	if (n == 1)
	{
		items[0].ev = NULL;
		items[0].status = JSTATUS_REJECTED;
		items[0].sqlerrcode = edata->sqlerrcode;
		items[0].error = rejection_message(edata, "");
	}
	FreeErrorData(edata);
	return false;
}

/* an item and the digest it is deduplicated on */
typedef struct Keyed
{
	JimoDigest	digest;
	int			index;
} Keyed;

static int
keyed_cmp(const void *a, const void *b)
{
	const Keyed *ka = a;
	const Keyed *kb = b;
	int			c = memcmp(&ka->digest, &kb->digest, sizeof(JimoDigest));

	if (c != 0)
		return c;
	return (ka->index > kb->index) - (ka->index < kb->index);
}

/*
 * Group items by digest.  Returns the distinct ones in digest order, each
 * pointing at its first item; unique_of[i] tells item i's group.
 */
static JimoUnique *
group_by_digest(JimoItem *items, Keyed *keyed, int nkeyed, int *unique_of,
				int *nuniq)
{
	JimoUnique *uniq = palloc(sizeof(JimoUnique) * Max(nkeyed, 1));
	int			i;
	int			n = 0;

	qsort(keyed, nkeyed, sizeof(Keyed), keyed_cmp);
	for (i = 0; i < nkeyed; i++)
	{
		if (n == 0 || memcmp(&uniq[n - 1].digest, &keyed[i].digest,
							 sizeof(JimoDigest)) != 0)
		{
			uniq[n].item = &items[keyed[i].index];
			uniq[n].digest = keyed[i].digest;
			uniq[n].deliveries = 0;
			uniq[n].is_new = false;
			uniq[n].event_id = 0;
			uniq[n].first_received_at = 0;
			uniq[n].error = NULL;
			uniq[n].sqlerrcode = 0;
			n++;
		}
		uniq[n - 1].deliveries++;
		unique_of[keyed[i].index] = n - 1;
	}
	*nuniq = n;
	return uniq;
}

static int
entity_cmp(const void *a, const void *b)
{
	return memcmp(&(*(JimoEntityState *const *) a)->uid,
				  &(*(JimoEntityState *const *) b)->uid, sizeof(pg_uuid_t));
}

/* fold the new events of a chunk into one row per object, newest wins */
static void
write_entities(JimoUnique *uniq, int nuniq, JimoEntityKind kind)
{
	HTAB	   *states = jimo_fold_create("jimo entities", sizeof(pg_uuid_t),
										  sizeof(JimoEntityState), nuniq);
	JimoEntityState *st;
	JimoEntityState **sorted;
	JimoRows	rows;
	long		n;
	long		i;

	for (i = 0; i < nuniq; i++)
	{
		JimoEvent  *ev = uniq[i].item->ev;
		bool		found;

		if (!uniq[i].is_new || !ev->has[kind])
			continue;
		st = hash_search(states, &ev->uid[kind], HASH_ENTER, &found);
		if (!found)
		{
			st->winner = ev;
			st->first_event_at = ev->occurred_at;
			st->deleted = false;
		}
		else
		{
			if (jimo_entity_newer(ev, st->winner))
				st->winner = ev;
			st->first_event_at = Min(st->first_event_at, ev->occurred_at);
		}
		if (kind == JENT_EXPERIENCE)
			jimo_entity_event_type(st, ev, !found);
		if (ev->deletes && kind == JENT_EXPERIENCE &&
			(!st->deleted || ev->occurred_at < st->deleted_at))
		{
			st->deleted = true;
			st->deleted_at = ev->occurred_at;
		}
	}

	sorted = (JimoEntityState **) jimo_fold_sorted(states, entity_cmp, &n);
	if (n == 0)
		return;

	jimo_rows_init(&rows, &jimo_entity_tables[kind], n);
	for (i = 0; i < n; i++)
	{
		Datum		values[JIMO_ENTITY_MAXCOLS];
		bool		nulls[JIMO_ENTITY_MAXCOLS];

		jimo_entity_row(kind, sorted[i], values, nulls);
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
}

static void
write_facts_and_journeys(JimoUnique *uniq, int nuniq)
{
	JimoRows	facts[JIMO_NFACTS];
	HTAB	   *journeys = jimo_journeys_create(nuniq);
	int			k;
	int			i;

	for (k = JFACT_NONE + 1; k < JIMO_NFACTS; k++)
		jimo_rows_init(&facts[k], &jimo_fact_tables[k], 16);

	for (i = 0; i < nuniq; i++)
	{
		JimoEvent  *ev = uniq[i].item->ev;

		if (!uniq[i].is_new)
			continue;
		if (ev->fact != JFACT_NONE)
		{
			ev->fact_values[0] = Int64GetDatum(uniq[i].event_id);
			jimo_rows_add(&facts[ev->fact], ev->fact_values, ev->fact_nulls);
		}
		jimo_journeys_add(journeys, ev);
	}
	for (k = JFACT_NONE + 1; k < JIMO_NFACTS; k++)
		jimo_rows_write(&facts[k]);
	jimo_journeys_write(journeys);
}

/* every write of the distinct events uniq[0 .. n-1], sorted by digest */
static void
write_events(JimoUnique *uniq, int n)
{
	int			k;

	jimo_store_events(uniq, n);
	write_facts_and_journeys(uniq, n);
	jimo_steps_write(uniq, n);
	jimo_step_scales_write(uniq, n);
	jimo_rollups_write(uniq, n);
	for (k = 0; k < JIMO_NENTITIES; k++)
		write_entities(uniq, n, (JimoEntityKind) k);
}

/*
 * Write uniq[0 .. n-1] in a subtransaction.  When that fails on the content
 * of some body, write each half on its own, so that in the end only the
 * events that cannot be written even alone are left out, each with its
 * error.  Results never depend on how events are split into writes (the
 * latest-state and journey rows are order- and batch-independent), so the
 * rows written are the same as without the failure.  The halves keep digest
 * order, and with it the lock order that prevents deadlocks.
 */
/* the events of a chunk to write in one subtransaction */
typedef struct WriteRange
{
	JimoUnique *uniq;
	int			n;
} WriteRange;

static bool
write_range(void *arg)
{
	WriteRange *r = arg;

	write_events(r->uniq, r->n);
	return true;
}

static void
write_events_isolating(JimoUnique *uniq, int n)
{
	WriteRange	r = {uniq, n};
	ErrorData  *edata;

	if (jimo_subxact(write_range, &r, &edata))
		return;
	if (!is_input_error(edata->sqlerrcode, true))
		ReThrowError(edata);
	if (n == 1)
	{
		uniq[0].error = rejection_message(edata, "jimo: the event could not be stored: ");
		uniq[0].sqlerrcode = edata->sqlerrcode;
		uniq[0].is_new = false;
		uniq[0].event_id = 0;
	}
	else
	{
		write_events_isolating(uniq, n / 2);
		write_events_isolating(uniq + n / 2, n - n / 2);
	}
	FreeErrorData(edata);
}

/* reject an accepted body, keeping it with this error, or raise the error */
static void
reject_accepted(JimoItem *it, int index, Keyed *rejected, int *nrejected,
				bool raise_errors, int sqlerrcode, char *error,
				const char *detail, const char *hint)
{
	if (raise_errors)
		ereport(ERROR,
				(errcode(sqlerrcode), errmsg("%s", error),
				 errdetail("%s", detail), errhint("%s", hint)));
	it->status = JSTATUS_REJECTED;
	it->sqlerrcode = sqlerrcode;
	it->error = error;
	it->ev = NULL;
	jimo_digest_bytes(it->body, it->len, &rejected[*nrejected].digest);
	rejected[(*nrejected)++].index = index;
}

/*
 * Create the partitions the accepted events need, and reject those older
 * than the retention horizon (see partitions.c), and those whose month this
 * transaction may not create (JIMO_MAX_NEW_MONTHS: sent again, they are
 * stored by a later call).  Returns how many are still accepted; the others
 * are appended to rejected[], their errors allocated in cxt.
 */
static int
apply_horizon(JimoItem *items, Keyed *accepted, int naccepted,
			  Keyed *rejected, int *nrejected, bool raise_errors,
			  MemoryContext cxt)
{
	TimestampTz *times = palloc(sizeof(TimestampTz) * Max(naccepted, 1));
	bool	   *missing = NULL;
	bool		deferred;
	TimestampTz horizon;
	char	   *horizon_str = NULL;
	int			kept = 0;
	int			i;

	for (i = 0; i < naccepted; i++)
		times[i] = items[accepted[i].index].ev->occurred_at;
	horizon = jimo_partitions_prepare(times, naccepted, &deferred);

	/* its SPI calls left SPI's procedure context current: see jimo_batch_run() */
	MemoryContextSwitchTo(cxt);
	if (deferred)
	{
		/* times[] was sorted: read the events' times again */
		for (i = 0; i < naccepted; i++)
			times[i] = items[accepted[i].index].ev->occurred_at;
		missing = palloc(sizeof(bool) * Max(naccepted, 1));
		jimo_partitions_missing(times, naccepted, missing);
	}
	pfree(times);
	if (horizon == DT_NOBEGIN && !deferred)
		return naccepted;
	/* timestamptz_to_str() returns a static buffer: copy before the next call */
	if (horizon != DT_NOBEGIN)
		horizon_str = pstrdup(timestamptz_to_str(horizon));

	for (i = 0; i < naccepted; i++)
	{
		JimoItem   *it = &items[accepted[i].index];
		const char *at = timestamptz_to_str(it->ev->occurred_at);

		if (horizon != DT_NOBEGIN && it->ev->occurred_at < horizon)
			reject_accepted(it, accepted[i].index, rejected, nrejected, raise_errors,
							ERRCODE_INVALID_PARAMETER_VALUE,
							psprintf("jimo: the event time %s is before the retention horizon %s: "
									 "its month was removed by jimo.expire()",
									 at, horizon_str),
							"Its month was removed by jimo.expire(); storing it again could count an expired event twice.",
							"jimo.receive() keeps such a body in jimo.rejected.");
		else if (missing != NULL && missing[i])
			reject_accepted(it, accepted[i].index, rejected, nrejected, raise_errors,
							ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
							psprintf("jimo: the month of event time %s was not created: "
									 "one transaction creates at most %d new months",
									 at, JIMO_MAX_NEW_MONTHS),
							"Each new month holds about 44 locks until commit; hundreds at once overflow PostgreSQL's lock table.",
							"Send the body again (Jimo retries a delivery answered 400; jimo.retry_rejected() does it by hand): a later call creates its month. Or create months ahead with jimo.ensure_partitions().");
		else
			accepted[kept++] = accepted[i];
	}
	return kept;
}

/*
 * Phase one: read every body on its own, those not read yet.  Nothing is
 * written here, so on Citus the subtransaction of each body stays local:
 * Citus turns a subtransaction into a SAVEPOINT on every worker connection
 * the transaction has open, and the connections open with the first write.
 * receive_batch() therefore reads all its chunks before writing the first
 * when the tables are distributed (jimo_webhooks.c).
 */
void
jimo_batch_parse(JimoItem *items, int n, bool raise_errors)
{
	JimoEvent  *events = palloc(sizeof(JimoEvent) * n);
	int			start;
	int			i;

	for (start = 0; start < n; start += PARSE_GROUP)
	{
		int			k = Min(PARSE_GROUP, n - start);

		for (i = start; i < start + k; i++)
			if (!items[i].parsed)
				items[i].status = JSTATUS_PENDING;
		if (raise_errors)
		{
			for (i = start; i < start + k; i++)
				if (!items[i].parsed)
					parse_item(&items[i], &events[i]);
		}
		else if (!parse_catching(items + start, events + start, k))
		{
			/* a bad body in the group: find it, one body at a time */
			for (i = start; i < start + k; i++)
				if (!items[i].parsed)
					(void) parse_catching(&items[i], &events[i], 1);
		}
		for (i = start; i < start + k; i++)
			items[i].parsed = true;
	}
}

/*
 * On Citus, one ingest transaction writes at a time.  Citus makes each
 * statement that writes several shards in parallel take a lock on every
 * shard it writes, held until commit, so that two such statements cannot
 * lock rows in different orders on different workers; but a chunk writes
 * a dozen tables, each time on another set of shards, and two concurrent
 * chunks took those locks in different orders and deadlocked (0.5 in
 * test/citus/run, the receiver beside receive_batch).  Serializing the
 * transactions here, on the coordinator, orders them all; each statement
 * still runs on every worker at once.  It also lets store.c count
 * redeliveries by an upsert that no other session races.  The lock is
 * transaction-scoped: it goes with the commit.
 */
static void
serialize_distributed_ingest(void)
{
	LOCKTAG		tag;

	/* an advisory lock of this database; 'JIMO' and 1 tell it apart */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0x4A494D4F, 1, 2);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * Connections to each worker that an ingest call on Citus uses for its
 * statements.  A statement that writes several shards of a worker runs them
 * over several connections (up to citus.max_adaptive_executor_pool_size, 16
 * by default); at most this many per worker cost 10-15 % less CPU a call at
 * 4 shards than 16 (test/bench/citus; a session of calls on a lab cluster).
 */
#define DISTRIBUTED_CONNECTIONS 4

/*
 * Most connections per worker an ingest session keeps open between calls
 * (see bound_distributed_connections()).
 */
#define MAX_KEPT_CONNECTIONS 32

static SPIPlanPtr shards_per_worker_plan = NULL;

/*
 * The most shards of jimo.jimers' colocation group that one worker holds:
 * how many files of intermediate results an upsert of a chunk writes to
 * that worker at most.  Read from Citus' catalog on every call (about 0.1
 * ms): shards moved or split by the rebalancer change it without any DDL
 * that layout.c would notice.
 */
static int
shards_per_worker(void)
{
	bool		isnull;
	Datum		d;

	if (shards_per_worker_plan == NULL)
		shards_per_worker_plan = jimo_prepare(
			"SELECT max(n)::int4 FROM (SELECT count(*) AS n"
			" FROM pg_catalog.pg_dist_shard s"
			" JOIN pg_catalog.pg_dist_placement p ON p.shardid = s.shardid"
			" WHERE s.logicalrelid = 'jimo.jimers'::pg_catalog.regclass"
			" GROUP BY p.groupid) AS x", 0, NULL);
	if (SPI_execute_plan(shards_per_worker_plan, NULL, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "jimo: could not count the shards of jimo.jimers per worker");
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt32(d);
}

/* set a Citus setting to value if it is now above (or below) it */
static void
bound_citus_setting(const char *name, int value, bool at_most, GucAction action)
{
	const char *now = GetConfigOption(name, true, false);
	char		buf[16];

	if (now == NULL || (at_most ? atoi(now) <= value : atoi(now) >= value))
		return;
	snprintf(buf, sizeof(buf), "%d", value);
	(void) set_config_option(name, buf, PGC_USERSET, PGC_S_SESSION, action,
							 true, 0, false);
}

/*
 * Limit the connections of this call's statements to DISTRIBUTED_CONNECTIONS
 * per worker (until the call returns: a statement of the caller's
 * transaction after it runs as it would have), and keep open at commit as
 * many as the call opens (for the rest of the transaction, since Citus
 * closes connections as it commits).
 *
 * An upsert opens more than the pool size: Citus writes the rows of an
 * INSERT ... SELECT ... ON CONFLICT or RETURNING into a file of
 * intermediate results per shard first, each over a connection of its own
 * whatever the pool size (multi_copy.c, CopyGetPlacementConnection()), so
 * one connection per shard of the worker.  At commit Citus closed all but
 * citus.max_cached_conns_per_worker of them (1 by default), and the next
 * call opened them again: a backend started on a worker each time, and
 * Citus' caches built again in it.  At 32 shards on 2 workers that was 176
 * new connections in 7 calls of 1 000 bodies (citus_stat_counters, lab
 * cluster), 32 with this.
 * Keeping one per shard of the worker, at least DISTRIBUTED_CONNECTIONS and
 * at most MAX_KEPT_CONNECTIONS, leaves that many idle backends per worker
 * per ingest session.
 *
 * Those connections being open already, the call also takes them without
 * Citus' slow start (citus.executor_slow_start_interval 0 until it
 * returns): by default a statement adds one more connection to a worker's
 * pool only every 10 ms (adaptive_executor.c, ShouldWaitForSlowStart()),
 * cached connections included, so the shards of a worker were written one
 * after another over one connection until then.  test/bench/citus, same
 * rounds: 7 % (32 shards) and 13 % (4) more events per second, medians
 * within the spread of the rounds.
 * Settings the session made tighter or looser in the same direction are
 * left alone.
 */
static void
bound_distributed_connections(void)
{
	int			keep = Min(Max(shards_per_worker(), DISTRIBUTED_CONNECTIONS),
						   MAX_KEPT_CONNECTIONS);

	bound_citus_setting("citus.max_adaptive_executor_pool_size",
						DISTRIBUTED_CONNECTIONS, true, GUC_ACTION_SAVE);
	bound_citus_setting("citus.max_cached_conns_per_worker", keep, false,
						GUC_ACTION_LOCAL);
	bound_citus_setting("citus.executor_slow_start_interval", 0, true,
						GUC_ACTION_SAVE);
}

/*
 * The reference tables (experiences, projects, users, survey steps, day
 * totals) are written by this call without Citus' lock on the first
 * worker, until the call returns.  Citus takes that lock, one more round
 * trip before each write of a reference table, only so that a write made
 * on a worker (which Citus allows by default) and one made on the
 * coordinator reach every copy of the table in the same order.  Nothing
 * writes jimo's reference tables but ingest, and ingest runs on the
 * coordinator, one transaction at a time (serialize_distributed_ingest());
 * the coordinator still takes its own lock on the shard.  Citus' setting
 * citus.allow_modifications_from_workers_to_replicated_tables, off, skips
 * that round trip (resource_lock.c, LockShardListResourcesOnFirstWorker()).
 */
static void
skip_first_worker_locks(void)
{
	const char *name = "citus.allow_modifications_from_workers_to_replicated_tables";

	if (GetConfigOption(name, true, false) != NULL)
		(void) set_config_option(name, "off", PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
}

void
jimo_batch_run(JimoItem *items, int n, bool raise_errors)
{
	Keyed	   *accepted = palloc(sizeof(Keyed) * n);
	Keyed	   *rejected = palloc(sizeof(Keyed) * n);
	int		   *unique_of = palloc(sizeof(int) * n);
	int			naccepted = 0;
	int			nrejected = 0;
	JimoUnique *uniq;
	JimoUnique *runiq;
	int			nuniq;
	int			nruniq;
	MemoryContext cxt = CurrentMemoryContext;
	int			guc_nest = NewGUCNestLevel();
	int			i;

	jimo_batch_parse(items, n, raise_errors);
	for (i = 0; i < n; i++)
	{
		JimoItem   *it = &items[i];

		if (it->status == JSTATUS_REJECTED)
		{
			jimo_digest_bytes(it->body, it->len, &rejected[nrejected].digest);
			rejected[nrejected++].index = i;
		}
		else
		{
			accepted[naccepted].digest = it->ev->digest;
			accepted[naccepted++].index = i;
		}
	}
	/* phase two: a few set-based statements for the whole chunk */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "jimo: SPI_connect failed");
	/* before anything of this call is set up: it stores bodies itself */
	jimo_deferred_retry(items, n);
	if (jimo_layout()->distributed)
	{
		serialize_distributed_ingest();
		bound_distributed_connections();
		skip_first_worker_locks();
	}

	/*
	 * The errors of events that cannot be written are allocated in the
	 * caller's context cxt, never in SPI's procedure context, which
	 * SPI_finish() deletes before receive_batch() returns the errors (a use
	 * after free: the backend crashed when a call of a session's first chunk
	 * had a dozen bodies that a constraint refused).  Every SPI statement
	 * leaves the procedure context current when it returns, so each step
	 * that runs one (the Citus settings above, jimo.ensure_partitions() in
	 * apply_horizon()) is followed by a switch back to cxt; jimo_subxact()
	 * restores it after the writes.
	 */
	MemoryContextSwitchTo(cxt);
	naccepted = apply_horizon(items, accepted, naccepted, rejected, &nrejected,
							  raise_errors, cxt);
	uniq = group_by_digest(items, accepted, naccepted, unique_of, &nuniq);

	if (nuniq > 0)
	{
		if (raise_errors)
			write_events(uniq, nuniq);
		else
			write_events_isolating(uniq, nuniq);
	}

	/*
	 * The first delivery of a new event is "stored", any other "duplicate";
	 * the deliveries of an event that could not be written are rejected.
	 */
	for (i = 0; i < n; i++)
	{
		JimoItem   *it = &items[i];
		JimoUnique *u;

		if (it->status == JSTATUS_REJECTED)
			continue;
		u = &uniq[unique_of[i]];
		if (u->error != NULL)
		{
			it->status = JSTATUS_REJECTED;
			it->error = u->error;
			it->sqlerrcode = u->sqlerrcode;
			it->ev = NULL;
			jimo_digest_bytes(it->body, it->len, &rejected[nrejected].digest);
			rejected[nrejected++].index = i;
			continue;
		}
		it->event_id = u->event_id;
		it->status = (u->is_new && u->item == it) ?
			JSTATUS_STORED : JSTATUS_DUPLICATE;
	}

	runiq = group_by_digest(items, rejected, nrejected, unique_of, &nruniq);
	if (nruniq > 0)
		jimo_store_rejected(runiq, nruniq);
	jimo_health_write(uniq, nuniq, runiq, nruniq);

	SPI_finish();
	MemoryContextSwitchTo(cxt);
	/*
	 * The pool size, slow start and first-worker locks back as they were; a
	 * setting made LOCAL stays.
	 */
	AtEOXact_GUC(true, guc_nest);
}
