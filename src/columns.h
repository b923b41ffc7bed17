/*-------------------------------------------------------------------------
 * columns.h
 *	  Column-major row sets written to a table with one set-based statement.
 *
 * Each target table is described once (name, columns, their types and how an
 * upsert merges them).  Rows for a whole chunk of events are gathered column
 * by column, turned into one array per column and written with a single
 * "INSERT ... SELECT FROM unnest($1, $2, ...)" whose plan is prepared once
 * per backend.  One statement per table per chunk, instead of one per event,
 * is what keeps ingest close to COPY speed.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_COLUMNS_H
#define JIMO_COLUMNS_H

#include "postgres.h"
#include "executor/spi.h"
#include "executor/tuptable.h"

/* How ON CONFLICT merges a column into an existing row */
typedef enum JimoColumnRole
{
	JCOL_KEY,					/* part of the conflict key */
	JCOL_PLAIN,					/* inserted only */
	JCOL_STATE,					/* taken from the row whose state is newer */
	JCOL_MIN,					/* LEAST(old, new) */
	JCOL_MAX,					/* GREATEST(old, new) */
	JCOL_SUM					/* old + new */
} JimoColumnRole;

typedef struct JimoColumn
{
	const char *name;
	Oid			type;
	JimoColumnRole role;
	const char *expr;			/* SELECT expression over u.<name>, or NULL */
} JimoColumn;

typedef enum JimoConflict
{
	JCONFLICT_NONE,				/* plain insert */
	JCONFLICT_NOTHING,			/* ON CONFLICT DO NOTHING */
	JCONFLICT_LATEST,			/* newest state wins, mins and maxes merge */
	JCONFLICT_MERGE				/* mins, maxes and sums merge */
} JimoConflict;

/* most columns a table description may have (JimoTable.absent is a bitmask) */
#define JIMO_MAX_TABLE_COLS 64

typedef struct JimoTable
{
	const char *name;			/* qualified table name */
	const JimoColumn *cols;
	int			ncols;
	JimoConflict conflict;
	const char *returning;		/* RETURNING list, or NULL */
	SPIPlanPtr	plan;			/* prepared on first use, kept */
	const char *extra_set;		/* more assignments for DO UPDATE, or NULL */
	uint32		plan_generation;	/* the layout (layout.h) plan was built for */
	uint64		absent;			/* bit i: column i is not in the table */
	SPIPlanPtr	plan1;			/* the same for one row, VALUES of scalars */
	uint32		plan1_generation;
} JimoTable;

typedef struct JimoRows
{
	JimoTable  *table;
	int			nrows;
	int			capacity;
	Datum	  **values;			/* values[col][row] */
	bool	  **nulls;
} JimoRows;

/* called with each row a statement returns */
typedef void (*JimoRowFn) (TupleTableSlot *slot, void *arg);

extern SPIPlanPtr jimo_prepare(const char *sql, int nargs, Oid *argtypes);
extern SPIPlanPtr jimo_prepare_options(const char *sql, int nargs, Oid *argtypes,
									   int options);
extern void jimo_rows_init(JimoRows *rows, JimoTable *table, int capacity);
extern void jimo_rows_add(JimoRows *rows, const Datum *values, const bool *nulls);
extern int	jimo_rows_write(JimoRows *rows);
extern Datum jimo_array(Datum *values, bool *nulls, int n, Oid type);
extern int	jimo_rows_write_returning(JimoRows *rows, JimoRowFn fn, void *arg);
extern int	jimo_execute_returning(SPIPlanPtr plan, Datum *args, JimoRowFn fn,
								   void *arg, uint64 *nrows);

#endif							/* JIMO_COLUMNS_H */
