/*-------------------------------------------------------------------------
 *
 * report.h
 *	  What every part of jimo-report shares: the run's settings, its
 *	  database connection and its output.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_REPORT_H
#define JIMO_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <libpq-fe.h>

#ifndef JIMO_REPORT_VERSION
#define JIMO_REPORT_VERSION "0.16"
#endif

/*
 * Exit statuses, documented in --help.  Distinct per cause so that a cron
 * job or a CI step can tell "the database is down" from "wrong role".
 */
#define EXIT_REPORT_OK			0
#define EXIT_REPORT_OUTPUT		1	/* cannot write the output file */
#define EXIT_REPORT_USAGE		2	/* bad options */
#define EXIT_REPORT_CONNECT		3	/* cannot connect */
#define EXIT_REPORT_EXTENSION	4	/* jimo_webhooks missing or too old */
#define EXIT_REPORT_PRIVILEGE	5	/* not a member of jimo_reader */
#define EXIT_REPORT_QUERY		6	/* a query failed otherwise */

typedef struct Report
{
	/* options; NULL when not given */
	const char *dsn;
	const char *from;			/* YYYY-MM-DD, inclusive */
	const char *to;				/* YYYY-MM-DD, inclusive */
	const char *project;		/* a UUID */
	const char *title;
	const char *output;			/* file name, or "-" for stdout */

	PGconn	   *conn;
	FILE	   *out;
	bool		write_failed;	/* some write to out failed (checked at the end) */
	int			status;			/* first failure's EXIT_REPORT_* (0 while fine) */
} Report;

#endif							/* JIMO_REPORT_H */
