/*-------------------------------------------------------------------------
 *
 * db.c
 *	  The report's database side: connect, check, query.
 *
 * The report reads only the jimo.* views (and pg_extension, to say what is
 * wrong when they are missing).  All of its queries run in one REPEATABLE
 * READ READ ONLY transaction, so that every section sees the same moment:
 * ingest going on meanwhile cannot make the delivery totals disagree with
 * the funnels, and nothing can be written by mistake.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

#define DATEOID 1082			/* pg_type.h is a server header */
#define UUIDOID 2950

/* Views the page reads; checked up front for one clear message. */
static const char *const needed_views =
"jimo.tour_funnel, jimo.checklist_funnel, jimo.time_to_complete, jimo.funnel_cohorts, "
"jimo.survey_nps, jimo.survey_ratings, jimo.survey_nps_trend, jimo.survey_ratings_trend, "
"jimo.survey_choices, jimo.survey_funnel, jimo.experience_reach, "
"jimo.experience_reach_daily, jimo.delivery_health";

static void
report_error(Report *r, int status, const char *fmt, const char *arg, const char *detail)
{
	fprintf(stderr, "jimo-report: ");
	fprintf(stderr, fmt, arg);
	if (detail && *detail)
	{
		size_t		n = strlen(detail);

		/* libpq messages end in a newline; ours do not */
		fprintf(stderr, ": %.*s", (int) (detail[n - 1] == '\n' ? n - 1 : n), detail);
	}
	fputc('\n', stderr);
	if (r->status == 0)
		r->status = status;
}

/* Run a statement without parameters that returns `want`; -1 on failure. */
static PGresult *
simple(Report *r, const char *what, const char *sql, ExecStatusType want, int status)
{
	PGresult   *res = PQexec(r->conn, sql);

	if (PQresultStatus(res) != want)
	{
		report_error(r, status, "%s failed", what, PQresultErrorMessage(res));
		PQclear(res);
		return NULL;
	}
	return res;
}

int
db_open(Report *r)
{
	/*
	 * client_encoding comes after dbname, so it overrides one given in
	 * --dsn: the page is UTF-8 whatever the environment says.
	 */
	const char *keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
	const char *vals[] = {r->dsn, "jimo-report", "UTF8", NULL};
	PGresult   *res;
	const char *version,
			   *member,
			   *missing;

	r->conn = PQconnectdbParams(keys, vals, 1);
	if (r->conn == NULL || PQstatus(r->conn) != CONNECTION_OK)
	{
		report_error(r, EXIT_REPORT_CONNECT, "cannot connect to the database%s",
					 r->dsn ? "" : " (from the PG* environment variables; see --dsn)",
					 r->conn ? PQerrorMessage(r->conn) : "out of memory");
		return -1;
	}

	/*
	 * Extension, then membership, then views: each later check would fail
	 * with a less helpful error if an earlier one did not hold (without
	 * USAGE on schema jimo, to_regclass itself raises).  pg_has_role is
	 * true for superusers, who can read everything anyway.
	 */
	res = simple(r, "checking the jimo_webhooks extension",
				 "SELECT (SELECT extversion FROM pg_catalog.pg_extension"
				 "         WHERE extname = 'jimo_webhooks'),"
				 "       CASE WHEN pg_catalog.to_regrole('jimo_reader') IS NOT NULL"
				 "            THEN pg_catalog.pg_has_role(current_user, 'jimo_reader', 'USAGE') END,"
				 "       current_user, current_database()",
				 PGRES_TUPLES_OK, EXIT_REPORT_QUERY);
	if (res == NULL)
		return -1;
	version = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
	member = PQgetisnull(res, 0, 1) ? "f" : PQgetvalue(res, 0, 1);
	if (version == NULL)
	{
		report_error(r, EXIT_REPORT_EXTENSION,
					 "extension jimo_webhooks is not installed in database \"%s\" "
					 "(a superuser runs CREATE EXTENSION jimo_webhooks)", PQgetvalue(res, 0, 3), NULL);
		PQclear(res);
		return -1;
	}
	if (strcmp(member, "t") != 0)
	{
		fprintf(stderr, "jimo-report: role \"%s\" is not a member of jimo_reader, which may read "
				"the jimo views (GRANT jimo_reader TO \"%s\", or connect as another role)\n",
				PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 2));
		r->status = EXIT_REPORT_PRIVILEGE;
		PQclear(res);
		return -1;
	}
	PQclear(res);

	res = PQexecParams(r->conn,
					   "SELECT string_agg(v, ', ') FROM unnest(string_to_array($1, ', ')) v"
					   " WHERE pg_catalog.to_regclass(v) IS NULL",
					   1, NULL, &needed_views, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		report_error(r, EXIT_REPORT_QUERY, "%s failed", "checking the jimo views",
					 PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	missing = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
	if (missing)
	{
		fprintf(stderr, "jimo-report: the jimo_webhooks extension in this database (version %s) "
				"lacks %s; jimo-report " JIMO_REPORT_VERSION " needs version " JIMO_REPORT_VERSION
				" (ALTER EXTENSION jimo_webhooks UPDATE)\n", version, missing);
		r->status = EXIT_REPORT_EXTENSION;
		PQclear(res);
		return -1;
	}
	PQclear(res);

	res = simple(r, "starting a read-only transaction",
				 "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
				 PGRES_COMMAND_OK, EXIT_REPORT_QUERY);
	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

void
db_close(Report *r)
{
	if (r->conn == NULL)
		return;
	if (PQtransactionStatus(r->conn) != PQTRANS_IDLE)
	{
		PGresult   *res = PQexec(r->conn, "COMMIT");

		/* nothing was written: a failure here loses nothing */
		PQclear(res);
	}
	PQfinish(r->conn);
	r->conn = NULL;
}

/* Which exit status a failed query deserves, from its SQLSTATE. */
static int
status_of(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state == NULL)
		return EXIT_REPORT_CONNECT;		/* no answer: the connection went */
	if (strcmp(state, "42501") == 0)
		return EXIT_REPORT_PRIVILEGE;	/* insufficient_privilege */
	if (strcmp(state, "42P01") == 0 || strcmp(state, "42703") == 0 ||
		strcmp(state, "42883") == 0)
		return EXIT_REPORT_EXTENSION;	/* a view or column this build expects */
	if (strncmp(state, "08", 2) == 0 || strncmp(state, "57", 2) == 0)
		return EXIT_REPORT_CONNECT;		/* connection lost, server shutting down */
	return EXIT_REPORT_QUERY;
}

PGresult *
db_query(Report *r, const char *what, const char *sql)
{
	const Oid	types[3] = {DATEOID, DATEOID, UUIDOID};
	const char *params[3] = {r->from, r->to, r->project};
	PGresult   *res = PQexecParams(r->conn, sql, 3, types, params, NULL, NULL, 0);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		int			status = status_of(res);

		report_error(r, status, "reading %s failed", what,
					 res ? PQresultErrorMessage(res) : PQerrorMessage(r->conn));
		if (status == EXIT_REPORT_PRIVILEGE)
			fprintf(stderr, "jimo-report: the role needs jimo_reader's privileges on every jimo view\n");
		else if (status == EXIT_REPORT_EXTENSION)
			fprintf(stderr, "jimo-report: is the extension older than jimo-report " JIMO_REPORT_VERSION
					"? (ALTER EXTENSION jimo_webhooks UPDATE)\n");
		PQclear(res);
		return NULL;
	}
	return res;
}

int
db_col(const PGresult *res, const char *name)
{
	int			c = PQfnumber(res, name);

	if (c < 0)
	{
		/* a column named in the code but not in its query: a bug, not data */
		fprintf(stderr, "jimo-report: internal error: no column \"%s\" in a result\n", name);
		abort();
	}
	return c;
}

const char *
db_str(const PGresult *res, int row, const char *name)
{
	int			c = db_col(res, name);

	return PQgetisnull(res, row, c) ? NULL : PQgetvalue(res, row, c);
}

double
db_num(const PGresult *res, int row, const char *name)
{
	const char *s = db_str(res, row, name);

	return s ? strtod(s, NULL) : NAN;
}
