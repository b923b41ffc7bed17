/*-------------------------------------------------------------------------
 *
 * surveys.c
 *	  Surveys: NPS per step and its trend, rating steps, choice steps.
 *
 * Which step is NPS, a rating or a choice is the views' decision
 * (jimo.survey_step_scales); this file only draws what they return.  None
 * of the survey views carries project_uid, and only the trend views have a
 * date (period_start of a week or month), so the period narrows the trends
 * and nothing else here.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "html.h"
#include "sections.h"
#include "svg.h"

#define NPS_ROWS 20
#define RATING_ROWS 30
#define CHOICE_STEPS 12
#define CHOICE_OPTIONS 8
#define STR_(x) #x
#define CPP_STR(x) STR_(x)

static const char *const no_project = "all projects: the survey views have no project_uid";

/* Equal, NULL being equal to NULL (a step without a uid is still one step). */
static bool
same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* "Survey — step", either part possibly missing; malloc'd. */
static char *
step_label(const char *survey, const char *step)
{
	size_t		size = (survey ? strlen(survey) : 11) + (step ? strlen(step) : 0) + 8;
	char	   *s = malloc(size);

	if (s == NULL)
	{
		fprintf(stderr, "jimo-report: out of memory\n");
		exit(EXIT_REPORT_QUERY);
	}
	snprintf(s, size, "%s%s%s", survey ? survey : "(no title)",
			 step ? " \xE2\x80\x94 " : "", step ? step : "");
	return s;
}

static int
nps_part(Report *r)
{
	static const char *const names[] = {"detractors (0-6)", "passives (7-8)", "promoters (9-10)"};
	static const char *const classes[] = {"s-detractor", "s-passive", "s-promoter"};
	PGresult   *sum,
			   *res;
	HBarsSpec	spec = {0};
	HBars		c;
	int			n,
				shown;
	char		num[32];

	sum = db_query(r, "jimo.survey_nps",
				   "SELECT count(*) AS steps, coalesce(sum(responses), 0) AS responses,"
				   "       round(100.0 * (sum(promoters) - sum(detractors))"
				   "             / nullif(sum(responses), 0), 1) AS nps"
				   "  FROM jimo.survey_nps");
	if (sum == NULL)
		return -1;
	res = db_query(r, "jimo.survey_nps",
				   "SELECT experience_uid::text AS uid, step_uid, title, step_title, is_deleted,"
				   "       responses, promoters, passives, detractors, nps, nps_margin_95"
				   "  FROM jimo.survey_nps"
				   " ORDER BY responses DESC, title, step_title, step_uid");
	if (res == NULL)
	{
		PQclear(sum);
		return -1;
	}
	out_raw(r, "<h3>Net Promoter Score per NPS step</h3>\n");
	out_scope(r, (r->from || r->to) ? "all time: jimo.survey_nps has no date" : "all time", no_project);
	n = PQntuples(res);
	if (n == 0)
	{
		out_empty(r, "No NPS answers yet.");
		PQclear(res);
		PQclear(sum);
		return 0;
	}
	out_raw(r, "<div class=\"tiles\">");
	out_tile(r, "nps", db_str(sum, 0, "nps"), fmt_signed(num, sizeof(num), db_num(sum, 0, "nps")),
			 "NPS of all NPS answers");
	{
		char		n2[32];

		out_tile(r, "nps-responses", db_str(sum, 0, "responses"),
				 fmt_count(n2, sizeof(n2), db_num(sum, 0, "responses")), "NPS answers");
		out_tile(r, "nps-steps", db_str(sum, 0, "steps"),
				 fmt_count(n2, sizeof(n2), db_num(sum, 0, "steps")), "NPS steps");
	}
	out_raw(r, "</div>\n");

	shown = n < NPS_ROWS ? n : NPS_ROWS;
	spec.chart = "nps";
	spec.caption = "Detractors, passives and promoters of each NPS step, with its NPS";
	spec.mode = HBARS_STACK;
	spec.sublabels = true;
	spec.rows = shown;
	spec.nseries = 3;
	spec.names = names;
	spec.classes = classes;
	hbars_begin(&c, r, &spec);
	for (int i = 0; i < shown; i++)
	{
		double		vals[3] = {db_num(res, i, "detractors"), db_num(res, i, "passives"),
		db_num(res, i, "promoters")};
		char		value[48],
					note[64],
					detail[160],
					a[32];
		const char *margin = db_str(res, i, "nps_margin_95");
		const char *data[] = {
			"data-uid", db_str(res, i, "uid"),
			"data-step", db_str(res, i, "step_uid"),
			"data-nps", db_str(res, i, "nps"),
			"data-responses", db_str(res, i, "responses"),
			"data-promoters", db_str(res, i, "promoters"),
			"data-passives", db_str(res, i, "passives"),
			"data-detractors", db_str(res, i, "detractors"),
			NULL
		};

		fmt_signed(value, sizeof(value), db_num(res, i, "nps"));
		snprintf(note, sizeof(note), "\xC2\xB1%s \xC2\xB7 %s answer%s", margin ? margin : "?",
				 fmt_count(a, sizeof(a), db_num(res, i, "responses")),
				 db_num(res, i, "responses") == 1 ? "" : "s");
		snprintf(detail, sizeof(detail), "%s promoters, %s passives, %s detractors; "
				 "95%% margin of error \xC2\xB1%s points",
				 db_str(res, i, "promoters"), db_str(res, i, "passives"),
				 db_str(res, i, "detractors"), margin ? margin : "?");
		/* the survey above, its step below: several NPS steps of one survey differ by the step */
		hbars_row(&c, db_str(res, i, "title"), db_str(res, i, "step_title"), detail, vals, value, note, data);
	}
	hbars_end(&c);
	if (shown < n)
		out_printf(r, "<p class=\"sub\">The %d NPS steps with the most answers, of %d.</p>\n", shown, n);
	PQclear(res);
	PQclear(sum);
	return 0;
}

/* All NPS steps together, per week (or month, over a long span). */
static int
nps_trend_part(Report *r)
{
	static const char *const names[] = {"promoters", "passives", "detractors"};
	static const char *const classes[] = {"s-promoter", "s-passive", "s-detractor"};
	PGresult   *res;
	ColumnsSpec spec = {0};
	Columns		c;
	int			n;
	double		max = 0,
				total = 0;

	res = db_query(r, "jimo.survey_nps_trend",
				   "WITH w AS ("
				   "  SELECT * FROM jimo.survey_nps_trend"
				   "   WHERE ($1 IS NULL OR period_start >= date_trunc(grain, $1::timestamp))"
				   "     AND ($2 IS NULL OR period_start < $2 + 1)),"
				   " g AS (SELECT CASE WHEN max(period_start) - min(period_start) > interval '182 days'"
				   "                   THEN 'month' ELSE 'week' END AS grain,"
				   "              min(period_start) AS lo, max(period_start) AS hi"
				   "         FROM w WHERE grain = 'week' HAVING count(*) > 0),"
				   " axis AS (SELECT s AS period, g.grain FROM g,"
				   "            generate_series(date_trunc(g.grain, g.lo), date_trunc(g.grain, g.hi),"
				   "                            ('1 ' || g.grain)::interval) s)"
				   " SELECT a.period::date AS period, a.grain,"
				   "        to_char(a.period, CASE a.grain WHEN 'month' THEN 'Mon YYYY' ELSE 'Mon DD' END) AS label,"
				   "        coalesce(sum(w.responses), 0) AS responses,"
				   "        coalesce(sum(w.promoters), 0) AS promoters,"
				   "        coalesce(sum(w.passives), 0) AS passives,"
				   "        coalesce(sum(w.detractors), 0) AS detractors,"
				   "        round(100.0 * (sum(w.promoters) - sum(w.detractors))"
				   "              / nullif(sum(w.responses), 0), 1) AS nps"
				   "   FROM axis a LEFT JOIN w ON w.grain = a.grain AND w.period_start = a.period"
				   "  GROUP BY a.period, a.grain ORDER BY a.period");
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		max = fmax(max, db_num(res, i, "responses"));
		total += db_num(res, i, "responses");
	}
	out_printf(r, "<h3>NPS by %s</h3>\n", n > 0 ? db_str(res, 0, "grain") : "week");
	out_scope(r, (r->from || r->to) ? "weeks (or months) of the answers that overlap the period" :
			  "every week (or month) with answers", no_project);
	if (total == 0)
	{
		char		text[64];

		snprintf(text, sizeof(text), "No NPS answers %s.", period_words(r));
		out_empty(r, text);
		PQclear(res);
		return 0;
	}
	spec.chart = "nps-trend";
	spec.caption = "NPS answers per period and the NPS of all NPS steps";
	spec.n = n;
	spec.nseries = 3;
	spec.names = names;
	spec.classes = classes;
	spec.ymax = max;
	spec.y_title = "answers";
	spec.line_name = "NPS";
	spec.line_min = -100;
	spec.line_max = 100;
	spec.line_unit = "";
	cols_begin(&c, r, &spec);
	for (int i = 0; i < n; i++)
	{
		double		vals[3] = {db_num(res, i, "promoters"), db_num(res, i, "passives"),
		db_num(res, i, "detractors")};
		char		detail[160],
					a[32];

		snprintf(detail, sizeof(detail), "NPS %s from %s answers (%s promoters, %s detractors)",
				 fmt_signed(a, sizeof(a), db_num(res, i, "nps")), db_str(res, i, "responses"),
				 db_str(res, i, "promoters"), db_str(res, i, "detractors"));
		cols_point(&c, db_str(res, i, "label"), db_str(res, i, "period"), vals,
				   db_num(res, i, "nps"), detail);
	}
	cols_end(&c);
	PQclear(res);
	return 0;
}

/*
 * Split "k=v;k=v" (or "v;;v" without keys) from the queries below into
 * labels and numbers, in place.  Returns how many.
 */
static int
split_pairs(char *s, int max, const char **labels, double *vals)
{
	int			n = 0;

	/* not strtok: it skips empty fields, and those are gaps in a trend */
	while (s && n < max)
	{
		char	   *end = strchr(s, ';');
		char	   *eq;

		if (end)
			*end = '\0';
		eq = labels ? strchr(s, '=') : NULL;
		if (eq)
		{
			*eq = '\0';
			labels[n] = s;
			vals[n] = strtod(eq + 1, NULL);
		}
		else
			vals[n] = *s ? strtod(s, NULL) : NAN;
		n++;
		s = end ? end + 1 : NULL;
	}
	return n;
}

static int
ratings_part(Report *r)
{
	PGresult   *res;
	int			n;

	res = db_query(r, "jimo.survey_ratings",
				   "SELECT s.experience_uid::text AS uid, s.step_uid, s.title, s.step_title, s.step_type,"
				   "       s.responses, s.mean, s.median, s.scale_min_seen, s.scale_max_seen,"
				   "       (SELECT count(*) FROM jsonb_object_keys(s.distribution)) AS values_seen,"
				   "       (SELECT string_agg(e.key || '=' || e.value, ';' ORDER BY e.key::numeric)"
				   "          FROM jsonb_each_text(s.distribution) e) AS distribution,"
				   "       t.means, t.first_mean, t.last_mean, t.periods"
				   "  FROM jimo.survey_ratings s"
				   "  LEFT JOIN LATERAL ("
				   "    SELECT string_agg(coalesce(w.mean::text, ''), ';' ORDER BY w.period_start) AS means,"
				   "           (array_agg(w.mean ORDER BY w.period_start))[1] AS first_mean,"
				   "           (array_agg(w.mean ORDER BY w.period_start DESC))[1] AS last_mean,"
				   "           count(*) AS periods"
				   "      FROM jimo.survey_ratings_trend w"
				   "     WHERE w.grain = 'week'"
				   "       AND w.experience_uid IS NOT DISTINCT FROM s.experience_uid"
				   "       AND w.step_uid IS NOT DISTINCT FROM s.step_uid"
				   "       AND ($1 IS NULL OR w.period_start >= date_trunc('week', $1::timestamp))"
				   "       AND ($2 IS NULL OR w.period_start < $2 + 1)) t ON true"
				   " ORDER BY s.responses DESC, s.title, s.step_title, s.step_uid"
				   " LIMIT " CPP_STR(RATING_ROWS));
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	out_raw(r, "<h3>Rating steps</h3>\n");
	out_scope(r, (r->from || r->to) ? "all time; the weekly trend shows the weeks of the period" :
			  "all time; the trend is the mean per week", no_project);
	if (n == 0)
	{
		out_empty(r, "No rating answers yet.");
		PQclear(res);
		return 0;
	}
	out_raw(r, "<table data-table=\"ratings\"><thead><tr><th>Survey \xE2\x80\x94 step</th>"
			"<th class=\"n\">Answers</th><th class=\"n\">Mean</th><th class=\"n\">Median</th>"
			"<th class=\"n\">Scale seen</th><th>Answers per value</th><th>Weekly mean</th>"
			"</tr></thead><tbody>\n");
	for (int i = 0; i < n; i++)
	{
		const char *dist = db_str(res, i, "distribution");
		const char *means = db_str(res, i, "means");
		int			nvals = (int) db_num(res, i, "values_seen");
		int			nper = means ? (int) db_num(res, i, "periods") : 0;
		char	   *label = step_label(db_str(res, i, "title"), db_str(res, i, "step_title"));
		char	   *dcopy = strdup(dist ? dist : "");
		char	   *mcopy = strdup(means ? means : "");
		const char **labels = calloc(nvals + 1, sizeof(char *));
		double	   *counts = calloc(nvals + 1, sizeof(double));
		double	   *trend = calloc(nper + 1, sizeof(double));
		char		num[32];

		if (!dcopy || !mcopy || !labels || !counts || !trend)
		{
			fprintf(stderr, "jimo-report: out of memory\n");
			exit(EXIT_REPORT_QUERY);
		}
		out_raw(r, "<tr");
		out_attr(r, "data-uid", db_str(res, i, "uid"));
		out_attr(r, "data-step", db_str(res, i, "step_uid"));
		out_attr(r, "data-mean", db_str(res, i, "mean"));
		out_raw(r, "><td class=\"t\">");
		out_text_n(r, label, 120);
		if (db_str(res, i, "step_type"))
		{
			out_raw(r, "<span class=\"tag\">");
			out_text_n(r, db_str(res, i, "step_type"), 24);
			out_raw(r, "</span>");
		}
		out_printf(r, "</td><td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "responses")));
		out_raw(r, "<td class=\"n\">");
		out_text(r, db_str(res, i, "mean"));
		out_raw(r, "</td><td class=\"n\">");
		out_text(r, db_str(res, i, "median"));
		out_raw(r, "</td><td class=\"n\">");
		out_text(r, db_str(res, i, "scale_min_seen"));
		out_raw(r, "\xE2\x80\x93");
		out_text(r, db_str(res, i, "scale_max_seen"));
		out_raw(r, "</td><td>");
		nvals = split_pairs(*dcopy ? dcopy : NULL, nvals, labels, counts);
		svg_minibars(r, nvals, labels, counts);
		out_raw(r, "</td><td>");
		if (nper > 0)
		{
			nper = split_pairs(mcopy, nper, NULL, trend);
			svg_sparkline(r, nper, trend, db_str(res, i, "first_mean"), db_str(res, i, "last_mean"));
		}
		else
			out_raw(r, "<span class=\"tag\">no answers in the period</span>");
		out_raw(r, "</td></tr>\n");
		free(label);
		free(dcopy);
		free(mcopy);
		free(labels);
		free(counts);
		free(trend);
	}
	out_raw(r, "</tbody></table>\n");
	PQclear(res);
	return 0;
}

/* One small bar chart per choice step: share of its respondents per option. */
static int
choices_part(Report *r)
{
	static const char *const names[] = {"share of the step's respondents"};
	static const char *const classes[] = {"s-share"};
	PGresult   *res;
	int			n,
				steps = 0,
				all_steps = 0;

	res = db_query(r, "jimo.survey_choices",
				   "SELECT c.experience_uid::text AS uid, c.step_uid, c.title, f.step_title,"
				   "       c.choice, c.selections, c.respondents, c.step_respondents,"
				   "       c.share_of_respondents, round(c.share_of_respondents * 100, 1) AS pct"
				   "  FROM jimo.survey_choices c"
				   "  LEFT JOIN (SELECT DISTINCT ON (experience_uid, step_uid)"
				   "                    experience_uid, step_uid, step_title"
				   "               FROM jimo.survey_funnel WHERE stage = 'step'"
				   "              ORDER BY experience_uid, step_uid) f"
				   "    ON f.experience_uid = c.experience_uid AND f.step_uid = c.step_uid"
				   " ORDER BY c.step_respondents DESC, c.experience_uid, c.step_uid,"
				   "          c.respondents DESC, c.choice");
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	out_raw(r, "<h3>Choice steps</h3>\n");
	out_scope(r, (r->from || r->to) ? "all time: jimo.survey_choices has no date" : "all time",
			  no_project);
	if (n == 0)
	{
		out_empty(r, "No choice answers yet.");
		PQclear(res);
		return 0;
	}
	out_raw(r, "<div class=\"grid2\">\n");
	for (int i = 0; i < n;)
	{
		int			j = i;
		int			shown;
		char	   *label;
		HBarsSpec	spec = {0};
		HBars		c;

		/* rows of one step are adjacent (ordered by step) */
		while (j < n && same(db_str(res, j, "uid"), db_str(res, i, "uid")) &&
			   same(db_str(res, j, "step_uid"), db_str(res, i, "step_uid")))
			j++;
		all_steps++;
		if (steps == CHOICE_STEPS)
		{
			i = j;
			continue;
		}
		steps++;
		shown = j - i < CHOICE_OPTIONS ? j - i : CHOICE_OPTIONS;
		label = step_label(db_str(res, i, "title"), db_str(res, i, "step_title"));
		out_raw(r, "<div><h4>");
		out_text_n(r, label, 140);
		out_printf(r, "</h4><p class=\"sub\">%s jimers answered</p>", db_str(res, i, "step_respondents"));
		spec.chart = "choices";
		spec.caption = "Share of the step's respondents who chose each option";
		spec.mode = HBARS_OVERLAY;
		spec.rows = shown;
		spec.nseries = 1;
		spec.names = names;
		spec.classes = classes;
		spec.max = 100;
		spec.unit = " %";
		spec.compact = true;
		hbars_begin(&c, r, &spec);
		for (int k = i; k < i + shown; k++)
		{
			double		v = db_num(res, k, "pct");
			const char *pct = db_str(res, k, "pct");
			char		value[32],
						note[64],
						detail[96];
			const char *data[] = {
				"data-uid", db_str(res, k, "uid"),
				"data-step", db_str(res, k, "step_uid"),
				"data-share", db_str(res, k, "share_of_respondents"),
				NULL
			};

			snprintf(value, sizeof(value), "%s %%", pct ? pct : "0");
			snprintf(note, sizeof(note), "%s jimer%s", db_str(res, k, "respondents"),
					 db_num(res, k, "respondents") == 1 ? "" : "s");
			snprintf(detail, sizeof(detail), "chosen by %s of %s jimers (%s times)",
					 db_str(res, k, "respondents"), db_str(res, k, "step_respondents"),
					 db_str(res, k, "selections"));
			hbars_row(&c, db_str(res, k, "choice"), NULL, detail, &v, value, note, data);
		}
		hbars_end(&c);
		if (j - i > shown)
			out_printf(r, "<p class=\"sub\">%d more options.</p>", j - i - shown);
		out_raw(r, "</div>\n");
		free(label);
		i = j;
	}
	out_raw(r, "</div>\n");
	if (all_steps > steps)
		out_printf(r, "<p class=\"sub\">The %d choice steps with the most respondents, of %d.</p>\n",
				   steps, all_steps);
	PQclear(res);
	return 0;
}

int
section_surveys(Report *r)
{
	int			rc;

	out_raw(r, "<section class=\"card\" id=\"surveys\">\n<h2>Surveys</h2>\n"
			"<p class=\"sub\">Answers of survey steps, by the scale they were answered on "
			"(jimo.survey_step_scales decides which steps are NPS, ratings or choices).</p>\n");
	rc = nps_part(r);
	if (rc == 0)
		rc = nps_trend_part(r);
	if (rc == 0)
		rc = ratings_part(r);
	if (rc == 0)
		rc = choices_part(r);
	out_raw(r, "</section>\n");
	return rc;
}
