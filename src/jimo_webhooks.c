/*-------------------------------------------------------------------------
 * jimo_webhooks.c
 *	  Module entry, settings and the SQL-callable functions.
 *
 * Every entry point feeds the same batch path (batch.c), so receive(),
 * receive_batch() and ingest() cannot disagree on what a payload means.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "batch.h"
#include "digest.h"
#include "event.h"
#include "layout.h"
#include "rollups.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

static char *jimo_funnel_window = NULL;
static char *jimo_retention = NULL;

/* does the text read as an interval? fills *itm when it does */
static bool
parse_interval_text(const char *text, struct pg_itm_in *itm)
{
	char		workbuf[256];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;

	if (ParseDateTime(text, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) == 0 &&
		DecodeInterval(field, ftype, nf, INTERVAL_FULL_RANGE, &dtype, itm) == 0)
		return true;
	return DecodeISO8601Interval((char *) text, &dtype, itm) == 0;
}

/*
 * jimo.expire() drops whole months; a redelivery of an event whose month is
 * gone is rejected, so the retention must outlast Jimo's 11 days of retries
 * with a margin.  Refused here, when it is set, rather than on the night the
 * expiry job runs.
 */
static bool
check_retention(char **newval, void **extra, GucSource source)
{
	struct pg_itm_in itm;
	Interval	span;
	Interval	minimum;

	if (*newval == NULL || **newval == '\0')
		return true;
	if (!parse_interval_text(*newval, &itm) || itmin2interval(&itm, &span) != 0)
	{
		GUC_check_errdetail("\"%s\" is not an interval, e.g. '400 days'.", *newval);
		return false;
	}
	/*
	 * Compared as jimo.expire() compares it (keep < interval '30 days'):
	 * months of 30 days, days of 24 hours, so that '720 hours' is allowed and
	 * '1 month 1 day -25 hours' is not, here and there alike.
	 */
	minimum.month = 0;
	minimum.day = 30;
	minimum.time = 0;
	if (DatumGetBool(DirectFunctionCall2(interval_lt, IntervalPGetDatum(&span),
										 IntervalPGetDatum(&minimum))))
	{
		GUC_check_errdetail("Jimo redelivers events for about 11 days; the retention must be at least 30 days.");
		return false;
	}
	return true;
}

/*
 * the window must read as an interval, or every funnel view would fail; one
 * beyond the range of interval ('300000000 years') reads but does not fit
 */
static bool
check_funnel_window(char **newval, void **extra, GucSource source)
{
	struct pg_itm_in itm;
	Interval	span;

	if (*newval == NULL ||
		(parse_interval_text(*newval, &itm) && itmin2interval(&itm, &span) == 0))
		return true;
	GUC_check_errdetail("\"%s\" is not an interval, e.g. '14 days'.", *newval);
	return false;
}

void
_PG_init(void)
{
	DefineCustomStringVariable("jimo.funnel_window",
							   "Conversion window of the jimo funnel views.",
							   "A completion counts as a conversion when it comes "
							   "within this interval after the jimer's first start.",
							   &jimo_funnel_window,
							   "14 days",
							   PGC_USERSET,
							   0,
							   check_funnel_window, NULL, NULL);
	DefineCustomStringVariable("jimo.retention",
							   "How long jimo.expire() keeps events (empty: forever).",
							   "jimo.expire() drops the months of events that ended "
							   "more than this ago; at least 30 days.",
							   &jimo_retention,
							   "",
							   PGC_SUSET,
							   0,
							   check_retention, NULL, NULL);
	jimo_health_init();
	MarkGUCPrefixReserved("jimo");
}

static const char *const status_names[] = {
	[JSTATUS_PENDING] = "pending",
	[JSTATUS_STORED] = "stored",
	[JSTATUS_DUPLICATE] = "duplicate",
	[JSTATUS_REJECTED] = "rejected",
};

/* (event_id, status, error) of one item, for receive() and receive_batch() */
static void
item_result(const JimoItem *it, Datum *values, bool *nulls)
{
	values[0] = Int64GetDatum(it->event_id);
	nulls[0] = it->status == JSTATUS_REJECTED;
	values[1] = CStringGetTextDatum(status_names[it->status]);
	nulls[1] = false;
	values[2] = it->error ? CStringGetTextDatum(it->error) : (Datum) 0;
	nulls[2] = it->error == NULL;
}

static void
item_from_datum(JimoItem *it, Datum d, bool isnull, bool from_bytes)
{
	memset(it, 0, sizeof(JimoItem));
	it->from_bytes = from_bytes;
	/* a NULL element is an empty body: rejected like one, never skipped */
	if (isnull)
	{
		it->body = "";
		return;
	}
	else
	{
		struct varlena *v = PG_DETOAST_DATUM_PACKED(d);

		it->body = VARDATA_ANY(v);
		it->len = VARSIZE_ANY_EXHDR(v);
	}
}

/* a slice of the bodies of one call, parsed and written together */
typedef struct Chunk
{
	MemoryContext cxt;
	JimoItem   *items;
	int			start;
	int			n;
} Chunk;

static void
receive_array(FunctionCallInfo fcinfo, bool from_bytes)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	ReturnSetInfo *rsinfo;
	Datum	   *elems;
	bool	   *elem_nulls;
	int			nelems;
	Chunk	   *chunks;
	int			nchunks = 0;
	int			start = 0;
	int			c;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("jimo: bodies must be a one-dimensional array")));

	InitMaterializedSRF(fcinfo, 0);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	deconstruct_array(arr, from_bytes ? BYTEAOID : TEXTOID, -1, false,
					  TYPALIGN_INT, &elems, &elem_nulls, &nelems);

	/* a chunk ends at a count or a size, whichever comes first */
	chunks = palloc(sizeof(Chunk) * Max(nelems, 1));
	while (start < nelems)
	{
		Chunk	   *ch = &chunks[nchunks++];
		MemoryContext oldcxt;
		Size		bytes = 0;

		ch->cxt = AllocSetContextCreate(CurrentMemoryContext, "jimo chunk",
										ALLOCSET_DEFAULT_SIZES);
		oldcxt = MemoryContextSwitchTo(ch->cxt);
		ch->items = palloc(sizeof(JimoItem) * Min(nelems - start, JIMO_CHUNK_ITEMS));
		ch->start = start;
		ch->n = 0;
		while (start + ch->n < nelems && ch->n < JIMO_CHUNK_ITEMS &&
			   (ch->n == 0 || bytes < JIMO_CHUNK_BYTES))
		{
			item_from_datum(&ch->items[ch->n], elems[start + ch->n],
							elem_nulls[start + ch->n], from_bytes);
			bytes += ch->items[ch->n].len;
			ch->n++;
		}
		MemoryContextSwitchTo(oldcxt);
		start += ch->n;
	}

	/*
	 * On Citus, every body of the call is read before the first write, so
	 * that no body's subtransaction becomes a SAVEPOINT round trip to the
	 * workers (batch.c).  On one node a chunk is read just before it is
	 * written, which keeps one chunk's parsed events in memory at a time.
	 */
	if (nchunks > 1 && jimo_layout()->distributed)
	{
		for (c = 0; c < nchunks; c++)
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(chunks[c].cxt);

			jimo_batch_parse(chunks[c].items, chunks[c].n, false);
			MemoryContextSwitchTo(oldcxt);
		}
	}

	for (c = 0; c < nchunks; c++)
	{
		Chunk	   *ch = &chunks[c];
		MemoryContext oldcxt = MemoryContextSwitchTo(ch->cxt);
		int			i;

		jimo_batch_run(ch->items, ch->n, false);

		for (i = 0; i < ch->n; i++)
		{
			Datum		values[4];
			bool		nulls[4];

			values[0] = Int32GetDatum(ch->start + i + 1);
			nulls[0] = false;
			item_result(&ch->items[i], values + 1, nulls + 1);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc,
								 values, nulls);
		}
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(ch->cxt);
	}
}

PG_FUNCTION_INFO_V1(jimo_receive_batch_text);
Datum
jimo_receive_batch_text(PG_FUNCTION_ARGS)
{
	receive_array(fcinfo, false);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(jimo_receive_batch_bytea);
Datum
jimo_receive_batch_bytea(PG_FUNCTION_ARGS)
{
	receive_array(fcinfo, true);
	return (Datum) 0;
}

/* run one item through the batch path and return its result tuple */
static Datum
single_result(FunctionCallInfo fcinfo, JimoItem *it, bool raise_errors)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3];

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "jimo: return type must be a row type");
	jimo_batch_run(it, 1, raise_errors);
	item_result(it, values, nulls);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
											 values, nulls));
}

PG_FUNCTION_INFO_V1(jimo_receive);
Datum
jimo_receive(PG_FUNCTION_ARGS)
{
	JimoItem	it;

	/* NULL is an empty body, rejected and kept as receive_batch() keeps it */
	item_from_datum(&it, PG_GETARG_DATUM(0), PG_ARGISNULL(0), false);
	return single_result(fcinfo, &it, false);
}

PG_FUNCTION_INFO_V1(jimo_ingest_text);
Datum
jimo_ingest_text(PG_FUNCTION_ARGS)
{
	JimoItem	it;

	item_from_datum(&it, PG_GETARG_DATUM(0), false, false);
	return single_result(fcinfo, &it, true);
}

PG_FUNCTION_INFO_V1(jimo_ingest_jsonb);
Datum
jimo_ingest_jsonb(PG_FUNCTION_ARGS)
{
	JimoItem	it;

	memset(&it, 0, sizeof(it));
	it.jsonb = PG_GETARG_JSONB_P(0);
	return single_result(fcinfo, &it, true);
}

/*
 * The key a body is stored under, (digest, occurred_at, jimer_key), or
 * NULLs when ingest rejects it; nothing is written.  jimo.retry_rejected_row()
 * finds with it the event a kept body already became, to carry the body's
 * deliveries over there without ingest counting the retry as an arrival.
 */
PG_FUNCTION_INFO_V1(jimo_event_key);
Datum
jimo_event_key(PG_FUNCTION_ARGS)
{
	JimoItem	it;
	TupleDesc	tupdesc;
	Datum		values[3] = {0};
	bool		nulls[3] = {true, true, true};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "jimo: return type must be a row type");
	item_from_datum(&it, PG_GETARG_DATUM(0), false, false);
	jimo_batch_parse(&it, 1, false);
	if (it.status != JSTATUS_REJECTED && it.ev != NULL)
	{
		values[0] = jimo_digest_datum(&it.ev->digest);
		values[1] = TimestampTzGetDatum(it.ev->occurred_at);
		values[2] = UUIDPGetDatum(jimo_jimer_key(it.ev));
		nulls[0] = nulls[1] = nulls[2] = false;
	}
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
											 values, nulls));
}

PG_FUNCTION_INFO_V1(jimo_event_rank);
Datum
jimo_event_rank(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(jimo_rank_of(text_to_cstring(PG_GETARG_TEXT_PP(0))));
}
