/*-------------------------------------------------------------------------
 * step_scales.c
 *	  What each survey step is answered on, kept current at ingest.
 *
 * jimo.survey_step_scales decides which summary fits a step (NPS, rating,
 * choices) from all its answers: their numbers' range, whether every one is
 * an integer 0..10, whether some are lists.  Computed from jimo.survey_answers
 * that read every answer ever stored on every read of any survey view (a
 * quarter of a second at 180k answers, and growing).  Every part of it is a
 * count, a minimum, a maximum or a logical and/or, so it is folded here into
 * one row per (survey, step, step type) of jimo.survey_step_stats, which
 * merges with +, LEAST and GREATEST: the result does not depend on arrival
 * order or on how bodies are split into calls, like jimo.journeys.
 *
 * The chunk's new answers are folded by the statement itself (GROUP BY over
 * the arrays), in key order, so that concurrent calls lock the rows they
 * share in the same order.  Survey, step and type may each be NULL; the
 * table's key treats NULLs as equal (NULLS NOT DISTINCT), as the GROUP BY
 * does.  The type is keyed by its MD5, as it may be longer than an index
 * entry can be: two types of one MD5 in one call would make the statement
 * fail, and the bodies be written apart (batch.c), never lost.
 *
 * A database still at 0.10 has no such table until ALTER EXTENSION UPDATE:
 * then nothing is written, and the 0.11 upgrade fills the table from the
 * answers stored.  Whether the table exists is asked on every write (a
 * catalog cache lookup), after this call's answers were inserted: the
 * upgrade locks jimo.survey_answers before it fills the table, so a call
 * that wrote answers before the upgrade is counted by it, and one that
 * wrote them after waited for its commit and sees the table.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"

#include "columns.h"
#include "step_scales.h"

/* survey_answers columns (facts.c) read here */
#define ANSWER_EXPERIENCE_UID 1
#define ANSWER_ANSWERED_AT 3
#define ANSWER_STEP_UID 4
#define ANSWER_STEP_TYPE 6
#define ANSWER_NUMBER 9
#define ANSWER_CHOICES 10

#define NARGS 6

static const char *const stats_sql =
"INSERT INTO jimo.survey_step_stats AS t "
"  (experience_uid, step_uid, step_type, first_answered_at, last_answered_at, "
"   answers, numeric_answers, all_scores, scale_min_seen, scale_max_seen, with_choices) "
"SELECT u.e, u.s, u.t, min(u.at), max(u.at), count(*), count(u.n), "
"       bool_and(coalesce(u.n BETWEEN 0 AND 10 AND u.n = trunc(u.n), false)), "
"       trim_scale(min(u.n)), trim_scale(max(u.n)), bool_or(u.c) "
"FROM unnest($1, $2, $3, $4, $5, $6) AS u(e, s, t, at, n, c) "
"GROUP BY u.e, u.s, u.t "
"ORDER BY u.e, u.s, u.t "
"ON CONFLICT (experience_uid, step_uid, md5(step_type)) DO UPDATE SET "
"  first_answered_at = LEAST(t.first_answered_at, EXCLUDED.first_answered_at), "
"  last_answered_at = GREATEST(t.last_answered_at, EXCLUDED.last_answered_at), "
"  answers = t.answers + EXCLUDED.answers, "
"  numeric_answers = t.numeric_answers + EXCLUDED.numeric_answers, "
"  all_scores = t.all_scores AND EXCLUDED.all_scores, "
"  scale_min_seen = LEAST(t.scale_min_seen, EXCLUDED.scale_min_seen), "
"  scale_max_seen = GREATEST(t.scale_max_seen, EXCLUDED.scale_max_seen), "
"  with_choices = t.with_choices OR EXCLUDED.with_choices";

static SPIPlanPtr stats_plan = NULL;

void
jimo_step_scales_write(JimoUnique *uniq, int nuniq)
{
	static const int cols[NARGS] = {
		ANSWER_EXPERIENCE_UID, ANSWER_STEP_UID, ANSWER_STEP_TYPE,
		ANSWER_ANSWERED_AT, ANSWER_NUMBER, ANSWER_CHOICES
	};
	static const Oid types[NARGS] = {
		UUIDOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, NUMERICOID, BOOLOID
	};
	Datum	   *values[NARGS];
	bool	   *nulls[NARGS];
	Datum		args[NARGS];
	int			n = 0;
	int			i;
	int			k;
	int			rc;

	for (k = 0; k < NARGS; k++)
	{
		values[k] = palloc(sizeof(Datum) * Max(nuniq, 1));
		nulls[k] = palloc(sizeof(bool) * Max(nuniq, 1));
	}
	for (i = 0; i < nuniq; i++)
	{
		JimoEvent  *ev = uniq[i].item->ev;

		if (!uniq[i].is_new || ev->fact != JFACT_SURVEY_ANSWER)
			continue;
		for (k = 0; k < NARGS; k++)
		{
			values[k][n] = ev->fact_values[cols[k]];
			nulls[k][n] = ev->fact_nulls[cols[k]];
		}
		/* with_choices: the answer is a list (answer_choices not NULL) */
		values[NARGS - 1][n] = BoolGetDatum(!ev->fact_nulls[ANSWER_CHOICES]);
		nulls[NARGS - 1][n] = false;
		n++;
	}
	if (n == 0 ||
		!OidIsValid(get_relname_relid("survey_step_stats",
									  get_namespace_oid("jimo", false))))
		return;

	if (stats_plan == NULL)
	{
		Oid			argtypes[NARGS] = {
			UUIDARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
			TIMESTAMPTZARRAYOID, NUMERICARRAYOID, BOOLARRAYOID
		};

		stats_plan = jimo_prepare(stats_sql, NARGS, argtypes);
	}
	for (k = 0; k < NARGS; k++)
		args[k] = jimo_array(values[k], nulls[k], n, types[k]);
	rc = SPI_execute_plan(stats_plan, args, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "jimo: writing jimo.survey_step_stats failed: %s",
			 SPI_result_code_string(rc));
}
