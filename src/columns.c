/*-------------------------------------------------------------------------
 * columns.c
 *	  Column-major row sets written with one prepared statement per table.
 *
 * The SQL of each statement is derived from the table description, so the
 * column list lives in exactly one place (store.c) and the merge rules of
 * an upsert cannot drift from it.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"

#include "columns.h"
#include "layout.h"

#define COLUMN_ABSENT(table, i) (((table)->absent >> (i)) & 1)

void
jimo_rows_init(JimoRows *rows, JimoTable *table, int capacity)
{
	int			i;

	rows->table = table;
	rows->nrows = 0;
	rows->capacity = Max(capacity, 1);
	rows->values = palloc(sizeof(Datum *) * table->ncols);
	rows->nulls = palloc(sizeof(bool *) * table->ncols);
	for (i = 0; i < table->ncols; i++)
	{
		rows->values[i] = palloc(sizeof(Datum) * rows->capacity);
		rows->nulls[i] = palloc(sizeof(bool) * rows->capacity);
	}
}

void
jimo_rows_add(JimoRows *rows, const Datum *values, const bool *nulls)
{
	int			i;

	if (rows->nrows == rows->capacity)
	{
		rows->capacity *= 2;
		for (i = 0; i < rows->table->ncols; i++)
		{
			rows->values[i] = repalloc(rows->values[i],
									   sizeof(Datum) * rows->capacity);
			rows->nulls[i] = repalloc(rows->nulls[i],
									  sizeof(bool) * rows->capacity);
		}
	}
	for (i = 0; i < rows->table->ncols; i++)
	{
		rows->values[i][rows->nrows] = values[i];
		rows->nulls[i][rows->nrows] = nulls[i];
	}
	rows->nrows++;
}

/* "(excluded.state_at, ...) > (t.state_at, ...)": the incoming row is newer */
#define NEWER_STATE \
	"(excluded.state_at, excluded.state_rank, excluded.state_digest) > " \
	"(t.state_at, t.state_rank, t.state_digest)"

static bool
has_role(const JimoTable *table, JimoColumnRole role)
{
	int			i;

	for (i = 0; i < table->ncols; i++)
		if (table->cols[i].role == role)
			return true;
	return false;
}

static void
append_merge(StringInfo sql, const JimoTable *table)
{
	const char *sep = "";
	int			i;

	appendStringInfoString(sql, " ON CONFLICT (");
	for (i = 0; i < table->ncols; i++)
	{
		if (table->cols[i].role != JCOL_KEY)
			continue;
		appendStringInfo(sql, "%s%s", sep, table->cols[i].name);
		sep = ", ";
	}
	appendStringInfoString(sql, ") DO UPDATE SET ");
	sep = "";
	for (i = 0; i < table->ncols; i++)
	{
		const char *c = table->cols[i].name;

		if (COLUMN_ABSENT(table, i))
			continue;
		switch (table->cols[i].role)
		{
			case JCOL_KEY:
			case JCOL_PLAIN:
				continue;
			case JCOL_STATE:
				appendStringInfo(sql, "%s%s = CASE WHEN " NEWER_STATE
								 " THEN excluded.%s ELSE t.%s END",
								 sep, c, c, c);
				break;
			case JCOL_MIN:
				appendStringInfo(sql, "%s%s = LEAST(t.%s, excluded.%s)",
								 sep, c, c, c);
				break;
			case JCOL_MAX:
				appendStringInfo(sql, "%s%s = GREATEST(t.%s, excluded.%s)",
								 sep, c, c, c);
				break;
			case JCOL_SUM:
				appendStringInfo(sql, "%s%s = t.%s + excluded.%s",
								 sep, c, c, c);
				break;
		}
		sep = ", ";
	}
	if (table->extra_set)
		appendStringInfo(sql, "%s%s", sep, table->extra_set);

	/*
	 * A latest-state row changes only when the incoming state is newer or it
	 * moves a minimum earlier; skipping the rest avoids dead tuples.  A table
	 * that also keeps counts or maxima changes on every merge.
	 */
	if (table->conflict == JCONFLICT_LATEST && !has_role(table, JCOL_SUM) &&
		!has_role(table, JCOL_MAX))
	{
		appendStringInfoString(sql, " WHERE " NEWER_STATE);
		for (i = 0; i < table->ncols; i++)
		{
			const char *c = table->cols[i].name;

			if (table->cols[i].role == JCOL_MIN && !COLUMN_ABSENT(table, i))
				appendStringInfo(sql,
								 " OR t.%s IS DISTINCT FROM LEAST(t.%s, excluded.%s)",
								 c, c, c);
		}
	}
}

/*
 * The INSERT of a table description (see jimo_execute_returning for
 * RETURNING): its rows come from unnest() over one array per column, or,
 * for a single row, from a VALUES row of scalars.  The planner pulls a
 * one-row VALUES up into the statement, which then starts up without the
 * function scan (an executor node and a tuple descriptor per column) and
 * takes no arrays to build and read: with a 1-body call writing one row
 * into each of several tables, that start-up was a tenth of its time.
 */
static char *
build_sql(const JimoTable *table, bool single)
{
	StringInfoData sql;
	const char *sep = "";
	int			nparam = 0;
	int			i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s AS t (", table->name);
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		appendStringInfo(&sql, "%s%s", sep, table->cols[i].name);
		sep = ", ";
	}
	appendStringInfoString(&sql, ") SELECT ");
	sep = "";
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		appendStringInfoString(&sql, sep);
		sep = ", ";
		if (table->cols[i].expr)
			appendStringInfoString(&sql, table->cols[i].expr);
		else
			appendStringInfo(&sql, "u.%s", table->cols[i].name);
	}
	appendStringInfoString(&sql, single ? " FROM (VALUES (" : " FROM unnest(");
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		appendStringInfo(&sql, "%s$%d", nparam ? ", " : "", nparam + 1);
		nparam++;
	}
	appendStringInfoString(&sql, single ? ")) AS u(" : ") AS u(");
	sep = "";
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		appendStringInfo(&sql, "%s%s", sep, table->cols[i].name);
		sep = ", ";
	}
	appendStringInfoChar(&sql, ')');

	switch (table->conflict)
	{
		case JCONFLICT_NONE:
			break;
		case JCONFLICT_NOTHING:
			appendStringInfoString(&sql, " ON CONFLICT DO NOTHING");
			break;
		case JCONFLICT_LATEST:
		case JCONFLICT_MERGE:
			append_merge(&sql, table);
			break;
	}
	if (table->returning)
		appendStringInfo(&sql, " RETURNING %s", table->returning);
	return sql.data;
}

/* prepare a statement and keep its plan for the life of the backend */
SPIPlanPtr
jimo_prepare(const char *sql, int nargs, Oid *argtypes)
{
	return jimo_prepare_options(sql, nargs, argtypes, 0);
}

/* the same, with the plan cache options of SPI_prepare_cursor */
SPIPlanPtr
jimo_prepare_options(const char *sql, int nargs, Oid *argtypes, int options)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, options);

	if (plan == NULL)
		elog(ERROR, "jimo: could not prepare \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/*
 * Which described columns the table lacks.  A column that came with a later
 * version (jimer_key in 0.4) is left out of the statement while the table
 * does not have it: a new library runs against an older schema until ALTER
 * EXTENSION UPDATE, and must ingest there as that version did.  Conflict key
 * columns are always required, so that a misspelt key fails at once.
 */
static uint64
absent_columns(const JimoTable *table)
{
	uint64		absent = 0;
	Oid			relid;
	int			i;

	StaticAssertStmt(sizeof(table->absent) * 8 >= JIMO_MAX_TABLE_COLS,
					 "JimoTable.absent too narrow");
	if (table->ncols > JIMO_MAX_TABLE_COLS)
		elog(ERROR, "jimo: %s has more than %d columns", table->name,
			 JIMO_MAX_TABLE_COLS);
	relid = RangeVarGetRelid(makeRangeVarFromNameList(stringToQualifiedNameList(table->name)),
							 NoLock, false);
	for (i = 0; i < table->ncols; i++)
	{
		if (get_attnum(relid, table->cols[i].name) != InvalidAttrNumber)
			continue;
		if (table->cols[i].role == JCOL_KEY)
			elog(ERROR, "jimo: %s has no column %s", table->name,
				 table->cols[i].name);
		absent |= UINT64CONST(1) << i;
	}
	return absent;
}

/* the statement of a table for many rows, or for one (single) */
static SPIPlanPtr
prepare_plan(JimoTable *table, bool single)
{
	Oid		   *argtypes;
	char	   *sql;
	SPIPlanPtr	plan;
	int			nargs = 0;
	int			i;

	table->absent = absent_columns(table);
	argtypes = palloc(sizeof(Oid) * table->ncols);
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		argtypes[nargs] = single ? table->cols[i].type :
			get_array_type(table->cols[i].type);
		if (!OidIsValid(argtypes[nargs]))
			elog(ERROR, "jimo: no array type for type %u", table->cols[i].type);
		nargs++;
	}
	sql = build_sql(table, single);
	elog(DEBUG1, "jimo: preparing %s", sql);
	plan = jimo_prepare(sql, nargs, argtypes);
	pfree(argtypes);
	pfree(sql);
	return plan;
}

/*
 * The kept statement of a table, prepared again when the layout changed
 * (and with it the columns the table has).  The one-row statement is not
 * used on Citus: there an INSERT ... SELECT without a FROM over distributed
 * tables is planned apart from the array form that test/citus/run checks.
 */
static SPIPlanPtr
table_plan(JimoTable *table, bool single)
{
	const JimoLayout *layout = jimo_layout();
	SPIPlanPtr *plan = single ? &table->plan1 : &table->plan;
	uint32	   *generation = single ? &table->plan1_generation : &table->plan_generation;

	if (*plan != NULL && *generation != layout->generation)
	{
		SPI_freeplan(*plan);
		*plan = NULL;
	}
	if (*plan == NULL)
	{
		/*
		 * table->absent is set again for this generation: the other
		 * statement, if of an older one, is prepared again before its use
		 */
		*plan = prepare_plan(table, single);
		*generation = layout->generation;
	}
	return *plan;
}

/* a DestReceiver that hands each row a statement returns to a callback */
typedef struct RowsDest
{
	DestReceiver pub;
	JimoRowFn	fn;
	void	   *arg;
	uint64		count;
} RowsDest;

static bool
rows_dest_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RowsDest   *dest = (RowsDest *) self;

	dest->fn(slot, dest->arg);
	dest->count++;
	return true;
}

static void
rows_dest_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
rows_dest_shutdown(DestReceiver *self)
{
}

static void
rows_dest_destroy(DestReceiver *self)
{
}

/*
 * Run a prepared statement that returns rows (a RETURNING list), handing
 * each row to fn; returns the SPI result code, and sets *nrows to the rows
 * returned.
 *
 * The rows go to a DestReceiver of ours, not to SPI_tuptable.  On Citus, an
 * INSERT ... SELECT into a distributed table counts the rows it sent to the
 * workers, not those it inserted, and SPI's check that the returned rows
 * match that count fails.  0.5 read them through a CTE instead, "WITH w AS
 * (INSERT ... RETURNING ...) SELECT * FROM w", but Citus runs that outer
 * SELECT as a local task, for which it first prints every parameter as
 * text: the chunk's arrays, 1 000 payloads among them, a sixth of the
 * coordinator's time in a call (perf).  A DestReceiver of our own is not
 * checked against the count.
 */
static int
execute_returning(SPIPlanPtr plan, Datum *args, const bool *nulls,
				  JimoRowFn fn, void *arg, uint64 *nrows)
{
	int			nargs = SPI_getargcount(plan);
	ParamListInfo params = makeParamList(nargs);
	SPIExecuteOptions options;
	RowsDest	dest;
	int			rc;
	int			i;

	for (i = 0; i < nargs; i++)
	{
		ParamExternData *prm = &params->params[i];

		prm->value = args[i];
		prm->isnull = nulls != NULL && nulls[i];
		prm->pflags = PARAM_FLAG_CONST;
		prm->ptype = SPI_getargtypeid(plan, i);
	}
	memset(&dest, 0, sizeof(dest));
	dest.pub.receiveSlot = rows_dest_receive;
	dest.pub.rStartup = rows_dest_startup;
	dest.pub.rShutdown = rows_dest_shutdown;
	dest.pub.rDestroy = rows_dest_destroy;
	/* any kind but DestSPI, whose row count SPI checks */
	dest.pub.mydest = DestNone;
	dest.fn = fn;
	dest.arg = arg;
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = false;
	options.dest = &dest.pub;
	rc = SPI_execute_plan_extended(plan, &options);
	*nrows = dest.count;
	return rc;
}

int
jimo_execute_returning(SPIPlanPtr plan, Datum *args, JimoRowFn fn, void *arg,
					   uint64 *nrows)
{
	return execute_returning(plan, args, NULL, fn, arg, nrows);
}

/* a one-dimensional array of n values of a type, NULL where nulls[i] */
Datum
jimo_array(Datum *values, bool *nulls, int n, Oid type)
{
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_md_array(values, nulls, 1, dims, lbs, type,
											  typlen, typbyval, typalign));
}

/*
 * Write the gathered rows with one statement.  Must be called inside an SPI
 * connection.  Returns the number of rows processed.
 */
int
jimo_rows_write(JimoRows *rows)
{
	return jimo_rows_write_returning(rows, NULL, NULL);
}

/*
 * The same, handing each row of the table's RETURNING list to fn (see
 * jimo_execute_returning); returns the number of rows returned then.
 */
int
jimo_rows_write_returning(JimoRows *rows, JimoRowFn fn, void *arg)
{
	JimoTable  *table = rows->table;
	bool		single = rows->nrows == 1 && !jimo_layout()->distributed;
	SPIPlanPtr	plan;
	Datum	   *args;
	bool	   *nulls;
	char	   *flags;
	uint64		nrows;
	int			i;
	int			rc;
	int			nargs = 0;

	if (rows->nrows == 0)
		return 0;
	plan = table_plan(table, single);

	args = palloc(sizeof(Datum) * table->ncols);
	nulls = palloc(sizeof(bool) * table->ncols);
	flags = palloc(table->ncols + 1);
	for (i = 0; i < table->ncols; i++)
	{
		if (COLUMN_ABSENT(table, i))
			continue;
		if (single)
		{
			args[nargs] = rows->values[i][0];
			nulls[nargs++] = rows->nulls[i][0];
		}
		else
		{
			args[nargs] = jimo_array(rows->values[i], rows->nulls[i], rows->nrows,
									 table->cols[i].type);
			nulls[nargs++] = false;
		}
	}
	if (fn != NULL)
	{
		rc = execute_returning(plan, args, nulls, fn, arg, &nrows);
		if (rc < 0)
			elog(ERROR, "jimo: writing %s failed: %s",
				 table->name, SPI_result_code_string(rc));
		return (int) nrows;
	}
	for (i = 0; i < nargs; i++)
		flags[i] = nulls[i] ? 'n' : ' ';
	rc = SPI_execute_plan(plan, args, flags, false, 0);
	if (rc < 0)
		elog(ERROR, "jimo: writing %s failed: %s",
			 table->name, SPI_result_code_string(rc));
	return (int) SPI_processed;
}
