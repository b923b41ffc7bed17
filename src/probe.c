/*-------------------------------------------------------------------------
 *
 * probe.c
 *	  Lookups run as index probes from one plan kept for the session.
 *
 * Some statements of ingest look up each element of an array argument in
 * an index (the redelivery update of a month, the jimo.seen_days lookup).
 * Planned on every call, they cost more than they run: planning was a
 * quarter of the backend's time in calls of one redelivered body.  Kept as
 * one generic plan, the plan is whatever suited the table when it was made:
 * made while a month was empty, it was a hash join over a sequential scan,
 * kept until autovacuum happened to analyze the month, and calls of 100
 * bodies grew from 6 to 22 ms each over 50 000 events (0.4).
 *
 * So these statements are planned once (a generic plan) with sequential
 * scans and hash and merge joins ruled out, which leaves nested loops over
 * index probes: the right plan at any size, since each array element finds
 * at most a few rows through an index that the statement names in full.
 * The settings apply while the plan is made, on the first execution and
 * again whenever the plan cache replans it (after an ANALYZE or DDL), so
 * they are in force around every execution; they are taken back right
 * after it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"
#include "utils/guc.h"
#include "probe.h"

/* planner settings that leave only index probes in nested loops */
static const char *const probe_settings[] = {
	"enable_seqscan", "enable_hashjoin", "enable_mergejoin"
};

/* prepare a lookup to run by jimo_execute_probe(), its plan kept */
SPIPlanPtr
jimo_prepare_probe(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes,
										  CURSOR_OPT_GENERIC_PLAN);

	if (plan == NULL)
		elog(ERROR, "jimo: could not prepare \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/*
 * Put the settings in force, saved and restored as a function's SET clause
 * does (a GUC nest level), for statements run by other means than
 * jimo_execute_probe() (columns.c's jimo_execute_returning()); on an error,
 * the abort of the (sub)transaction restores them.  Returns the level to
 * give jimo_probe_end().
 */
int
jimo_probe_begin(void)
{
	int			nestlevel = NewGUCNestLevel();
	size_t		i;

	for (i = 0; i < lengthof(probe_settings); i++)
		(void) set_config_option(probe_settings[i], "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/* take the settings back */
void
jimo_probe_end(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

/* run a lookup prepared by jimo_prepare_probe() */
int
jimo_execute_probe(SPIPlanPtr plan, Datum *args)
{
	int			nestlevel = jimo_probe_begin();
	int			rc = SPI_execute_plan(plan, args, NULL, false, 0);

	jimo_probe_end(nestlevel);
	return rc;
}
