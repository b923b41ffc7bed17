/*-------------------------------------------------------------------------
 *
 * db.h
 *	  Connecting, checking what the role may read, and running the
 *	  report's queries.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_REPORT_DB_H
#define JIMO_REPORT_DB_H

#include "report.h"

/*
 * Connect (--dsn, else the PG* environment), check the extension and the
 * role, and open the one read-only snapshot every section reads from.
 * On failure: message on stderr, r->status set, -1.
 */
int			db_open(Report *r);

/* Commit (nothing was written; this just ends the snapshot) and close. */
void		db_close(Report *r);

/*
 * Run one query of the report.  Every query gets the same parameters,
 * NULL when the option was not given:
 *	 $1 date  --from      $2 date  --to      $3 uuid  --project
 * On failure: message naming `what`, r->status set, NULL.  The caller
 * PQclear()s a result.
 */
PGresult   *db_query(Report *r, const char *what, const char *sql);

/* A column by name, for readable sections; aborts on a typo (a bug). */
int			db_col(const PGresult *res, const char *name);

/* NULL for SQL NULL. */
const char *db_str(const PGresult *res, int row, const char *name);

/* NaN for SQL NULL. */
double		db_num(const PGresult *res, int row, const char *name);

#endif							/* JIMO_REPORT_DB_H */
