/*-------------------------------------------------------------------------
 *
 * funnels.c
 *	  Tours and checklists: started -> completed per experience, conversion
 *	  by cohort of first start, and time to complete.
 *
 * Tours and checklists are drawn alike; only their views' columns differ,
 * so each kind's query renames them to one set (uid, title, started, ...)
 * and the rest of the code is shared.
 *
 * What the filters apply to follows from the views: jimo.tour_funnel and
 * jimo.checklist_funnel have neither a date nor a project, so they are
 * all-time and all-project; jimo.funnel_cohorts has both (cohort of first
 * start, project_uid); jimo.time_to_complete has a project but no date.
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

#define CHART_ROWS 25			/* more bars than this stop being readable */
#define TABLE_ROWS 200

typedef struct FunnelKind
{
	const char *type;			/* TOUR or CHECKLIST, as funnel_cohorts says */
	const char *id;				/* section id; prefix of its data-chart names */
	const char *heading;
	const char *singular;		/* table header */
	const char *noun;			/* in sentences */
	const char *plural;
	const char *view;
	const char *rate;			/* what completed / started is called */
	const char *Rate;			/* the same, starting a heading */
	bool		dismissals;
	const char *sql;			/* one row per experience, uniform columns */
	const char *summary_sql;	/* one row: experiences, started, completed, pct */
} FunnelKind;

static const FunnelKind tours = {
	"TOUR", "tours", "Tours", "Tour", "tour", "tours", "jimo.tour_funnel", "conversion", "Conversion", false,
	"SELECT experience_uid::text AS uid, title, state, is_deleted,"
	"       started_jimers AS started, completed_jimers AS completed,"
	"       NULL::bigint AS dismissed, conversion_rate AS rate,"
	"       round(conversion_rate * 100, 1) AS rate_pct, NULL::numeric AS dismiss_pct,"
	"       drop_off_jimers AS drop_off,"
	"       median_seconds_to_complete AS median, p90_seconds_to_complete AS p90"
	"  FROM jimo.tour_funnel"
	" ORDER BY started_jimers DESC, title, experience_uid",
	"SELECT count(*) AS n, coalesce(sum(started_jimers), 0) AS started,"
	"       coalesce(sum(completed_jimers), 0) AS completed,"
	"       round(100.0 * sum(completed_jimers) / nullif(sum(started_jimers), 0), 1) AS pct"
	"  FROM jimo.tour_funnel"
};

static const FunnelKind checklists = {
	"CHECKLIST", "checklists", "Checklists", "Checklist", "checklist", "checklists", "jimo.checklist_funnel",
	"completion", "Completion", true,
	"SELECT experience_uid::text AS uid, title, state, is_deleted,"
	"       started_jimers AS started, completed_jimers AS completed,"
	"       dismissed_jimers AS dismissed, completion_rate AS rate,"
	"       round(completion_rate * 100, 1) AS rate_pct, round(dismiss_rate * 100, 1) AS dismiss_pct,"
	"       started_jimers - completed_jimers AS drop_off,"
	"       median_seconds_to_complete AS median, NULL::float8 AS p90"
	"  FROM jimo.checklist_funnel"
	" ORDER BY started_jimers DESC, title, experience_uid",
	"SELECT count(*) AS n, coalesce(sum(started_jimers), 0) AS started,"
	"       coalesce(sum(completed_jimers), 0) AS completed,"
	"       round(100.0 * sum(completed_jimers) / nullif(sum(started_jimers), 0), 1) AS pct"
	"  FROM jimo.checklist_funnel"
};

static void
state_tags(Report *r, const PGresult *res, int i)
{
	const char *state = db_str(res, i, "state");

	if (strcmp(db_str(res, i, "is_deleted"), "t") == 0)
		out_raw(r, "<span class=\"tag deleted\">deleted</span>");
	else if (state && strcmp(state, "PAUSED") == 0)
		out_raw(r, "<span class=\"tag paused\">paused</span>");
}

static void
summary_tiles(Report *r, const FunnelKind *k, const PGresult *sum)
{
	char		num[32],
				shown[48],
				caption[96];
	const char *pct = db_str(sum, 0, "pct");

	out_raw(r, "<div class=\"tiles\">");
	snprintf(caption, sizeof(caption), "%s", k->plural);
	out_tile(r, "experiences", db_str(sum, 0, "n"),
			 fmt_count(num, sizeof(num), db_num(sum, 0, "n")), caption);
	out_tile(r, "started", db_str(sum, 0, "started"),
			 fmt_count(num, sizeof(num), db_num(sum, 0, "started")),
			 "jimers started (summed over experiences)");
	out_tile(r, "completed", db_str(sum, 0, "completed"),
			 fmt_count(num, sizeof(num), db_num(sum, 0, "completed")),
			 "of them completed within the window");
	snprintf(shown, sizeof(shown), "%s %%", pct ? pct : "\xE2\x80\x93");
	snprintf(caption, sizeof(caption), "overall %s", k->rate);
	out_tile(r, "rate", pct, pct ? shown : "\xE2\x80\x93", caption);
	out_raw(r, "</div>\n");
}

/* One bar row per experience: started, with completed (and dismissed) over it. */
static void
funnel_chart(Report *r, const FunnelKind *k, const PGresult *res)
{
	static const char *const names3[] = {"started", "completed", "dismissed"};
	static const char *const classes3[] = {"s-started", "s-completed", "s-dismissed"};
	int			n = PQntuples(res);
	int			shown = n < CHART_ROWS ? n : CHART_ROWS;
	char		chart[64],
				caption[128];
	HBarsSpec	spec = {0};
	HBars		c;

	snprintf(chart, sizeof(chart), "%s-funnel", k->id);
	snprintf(caption, sizeof(caption), "Started and completed jimers per %s, with the %s rate",
			 k->noun, k->rate);
	spec.chart = chart;
	spec.caption = caption;
	spec.mode = HBARS_OVERLAY;
	spec.rows = shown;
	spec.nseries = k->dismissals ? 3 : 2;
	spec.names = names3;
	spec.classes = classes3;
	spec.unit = "";
	for (int i = 0; i < shown; i++)
		spec.max = fmax(spec.max, db_num(res, i, "started"));
	hbars_begin(&c, r, &spec);
	for (int i = 0; i < shown; i++)
	{
		double		vals[3] = {db_num(res, i, "started"), db_num(res, i, "completed"),
		db_num(res, i, "dismissed")};
		const char *pct = db_str(res, i, "rate_pct");
		const char *dpct = db_str(res, i, "dismiss_pct");
		char		value[32],
					note[96],
					detail[320],
					a[32],
					b[32],
					med[32];
		const char *data[] = {
			"data-uid", db_str(res, i, "uid"),
			"data-started", db_str(res, i, "started"),
			"data-completed", db_str(res, i, "completed"),
			"data-rate", db_str(res, i, "rate"),
			"data-rate-pct", pct,
			k->dismissals ? "data-dismissed" : NULL, db_str(res, i, "dismissed"),
			NULL
		};

		fmt_count(a, sizeof(a), vals[1]);
		fmt_count(b, sizeof(b), vals[0]);
		if (pct)
			snprintf(value, sizeof(value), "%s %%", pct);
		else
			snprintf(value, sizeof(value), "no starts yet");
		snprintf(note, sizeof(note), "%s of %s%s", a, b,
				 strcmp(db_str(res, i, "is_deleted"), "t") == 0 ? ", deleted" :
				 db_str(res, i, "state") && strcmp(db_str(res, i, "state"), "PAUSED") == 0 ? ", paused" : "");
		snprintf(detail, sizeof(detail), "%s jimers started, %s completed within the window"
				 " (%s %s), median time to complete %s%s%s%s",
				 b, a, pct ? value : "no", k->rate,
				 fmt_duration(med, sizeof(med), db_num(res, i, "median")),
				 k->dismissals ? "; dismissed by " : "",
				 k->dismissals ? (dpct ? dpct : "0") : "",
				 k->dismissals ? " % of starters" : "");
		hbars_row(&c, db_str(res, i, "title"), NULL, detail, vals, value, pct ? note : NULL, data);
	}
	hbars_end(&c);
	if (shown < n)
		out_printf(r, "<p class=\"sub\">The %d %s with the most starts; all %d are in the table.</p>\n",
				   shown, k->plural, n);
}

static void
funnel_table(Report *r, const FunnelKind *k, const PGresult *res)
{
	int			n = PQntuples(res);

	out_printf(r, "<table data-table=\"%s\"><thead><tr><th>%s</th><th class=\"n\">Started</th>"
			   "<th class=\"n\">Completed</th>", k->id, k->singular);
	if (k->dismissals)
		out_raw(r, "<th class=\"n\">Dismissed</th>");
	out_printf(r, "<th class=\"n\">%s</th>", k->Rate);
	if (k->dismissals)
		out_raw(r, "<th class=\"n\">Dismiss rate</th>");
	else
		out_raw(r, "<th class=\"n\">Drop-off</th>");
	out_raw(r, "<th class=\"n\">Median time</th>");
	if (!k->dismissals)
		out_raw(r, "<th class=\"n\">90th pct. time</th>");
	out_raw(r, "</tr></thead><tbody>\n");
	for (int i = 0; i < n && i < TABLE_ROWS; i++)
	{
		const char *title = db_str(res, i, "title");
		const char *pct = db_str(res, i, "rate_pct");
		char		num[32];

		out_raw(r, "<tr");
		out_attr(r, "data-uid", db_str(res, i, "uid"));
		out_raw(r, "><td class=\"t\"");
		out_attr(r, "title", db_str(res, i, "uid"));
		out_raw(r, ">");
		if (title)
			out_text_n(r, title, 120);
		else
			out_raw(r, "<i>(no title)</i>");
		state_tags(r, res, i);
		out_printf(r, "</td><td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "started")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "completed")));
		if (k->dismissals)
			out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "dismissed")));
		out_printf(r, "<td class=\"n\">%s%s</td>", pct ? pct : "\xE2\x80\x93", pct ? " %" : "");
		if (k->dismissals)
		{
			const char *d = db_str(res, i, "dismiss_pct");

			out_printf(r, "<td class=\"n\">%s%s</td>", d ? d : "\xE2\x80\x93", d ? " %" : "");
		}
		else
			out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "drop_off")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_duration(num, sizeof(num), db_num(res, i, "median")));
		if (!k->dismissals)
			out_printf(r, "<td class=\"n\">%s</td>", fmt_duration(num, sizeof(num), db_num(res, i, "p90")));
		out_raw(r, "</tr>\n");
	}
	out_raw(r, "</tbody></table>\n");
	if (n > TABLE_ROWS)
		out_printf(r, "<p class=\"sub\">%d more in %s.</p>\n", n - TABLE_ROWS, k->view);
}

/* Started jimers per cohort of first start, split by whether they converted. */
static int
cohort_chart(Report *r, const FunnelKind *k)
{
	static const char *const names[] = {"completed", "not (yet) completed"};
	static const char *const classes[] = {"s-completed", "s-started"};
	char		per_day[768],
				chart[64],
				what[96];
	char	   *sql;
	PGresult   *res;
	int			n;
	double		total = 0,
				max = 0;
	ColumnsSpec spec = {0};
	Columns		c;

	/* day cohorts summed: counts of jimers add up, each has one first start */
	snprintf(per_day, sizeof(per_day),
			 "SELECT cohort_start::date AS day, started_jimers, completed_jimers"
			 "  FROM jimo.funnel_cohorts"
			 " WHERE grain = 'day' AND type = '%s'"
			 "   AND ($1 IS NULL OR cohort_start >= $1)"
			 "   AND ($2 IS NULL OR cohort_start < $2 + 1)"
			 "   AND ($3 IS NULL OR project_uid = $3)", k->type);
	sql = series_query(per_day,
					   "coalesce(sum(d.started_jimers), 0) AS started,"
					   " coalesce(sum(d.completed_jimers), 0) AS completed,"
					   " round(100.0 * sum(d.completed_jimers) / nullif(sum(d.started_jimers), 0), 1) AS pct");
	snprintf(what, sizeof(what), "jimo.funnel_cohorts (%s)", k->plural);
	res = db_query(r, what, sql);
	free(sql);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		total += db_num(res, i, "started");
		max = fmax(max, db_num(res, i, "started"));
	}
	out_printf(r, "<h3>%s by %s of first start</h3>\n", k->Rate, n > 0 ? db_str(res, 0, "grain") : "day");
	out_scope(r, (r->from || r->to) ? "jimers whose first start is in the period" :
			  "every cohort (cohort = day, week or month of a jimer's first start)",
			  r->project ? "the chosen project (jimo.funnel_cohorts has project_uid)" : "all projects");
	if (total == 0)
	{
		char		text[96];

		snprintf(text, sizeof(text), "No %s started %s.", k->plural, period_words(r));
		out_empty(r, text);
		PQclear(res);
		return 0;
	}
	snprintf(chart, sizeof(chart), "%s-cohorts", k->id);
	spec.chart = chart;
	spec.caption = "Jimers by cohort of first start, completed or not, and the conversion rate";
	spec.n = n;
	spec.nseries = 2;
	spec.names = names;
	spec.classes = classes;
	spec.ymax = max;
	spec.y_title = "jimers who started";
	spec.line_name = k->rate;
	spec.line_min = 0;
	spec.line_max = 100;
	spec.line_unit = " %";
	cols_begin(&c, r, &spec);
	for (int i = 0; i < n; i++)
	{
		double		started = db_num(res, i, "started"),
					completed = db_num(res, i, "completed");
		double		vals[2] = {completed, started - completed};
		const char *pct = db_str(res, i, "pct");
		char		detail[160],
					a[32],
					b[32];

		snprintf(detail, sizeof(detail), "%s started, %s completed (%s%s)",
				 fmt_count(a, sizeof(a), started), fmt_count(b, sizeof(b), completed),
				 pct ? pct : "no starts", pct ? " %" : "");
		cols_point(&c, db_str(res, i, "label"), db_str(res, i, "period"), vals,
				   pct ? atof(pct) : NAN, detail);
	}
	cols_end(&c);
	PQclear(res);
	return 0;
}

/* Converted jimers of every experience of the kind, by time to complete. */
static int
time_chart(Report *r, const FunnelKind *k)
{
	static const char *const names[] = {"jimers who completed"};
	static const char *const classes[] = {"s-completed"};
	char		sql[768],
				chart[64],
				what[96];
	PGresult   *res;
	int			n;
	double		total = 0,
				max = 0;
	ColumnsSpec spec = {0};
	Columns		c;

	snprintf(sql, sizeof(sql),
			 "SELECT bucket_index, bucket, sum(completed_jimers) AS jimers,"
			 "       round(100.0 * sum(completed_jimers)"
			 "             / nullif(sum(sum(completed_jimers)) OVER (), 0), 1) AS pct"
			 "  FROM jimo.time_to_complete"
			 " WHERE type = '%s' AND ($3 IS NULL OR project_uid = $3)"
			 " GROUP BY bucket_index, bucket ORDER BY bucket_index", k->type);
	snprintf(what, sizeof(what), "jimo.time_to_complete (%s)", k->plural);
	res = db_query(r, what, sql);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		total += db_num(res, i, "jimers");
		max = fmax(max, db_num(res, i, "jimers"));
	}
	out_raw(r, "<h3>Time from first start to completion</h3>\n");
	out_scope(r, "all time (jimo.time_to_complete has no date)",
			  r->project ? "the chosen project (jimo.time_to_complete has project_uid)" : "all projects");
	if (total == 0)
	{
		char		text[96];

		snprintf(text, sizeof(text), "No completed %s yet.", k->plural);
		out_empty(r, text);
		PQclear(res);
		return 0;
	}
	snprintf(chart, sizeof(chart), "%s-time", k->id);
	spec.chart = chart;
	spec.caption = "Converted jimers by time from first start to completion";
	spec.n = n;
	spec.nseries = 1;
	spec.names = names;
	spec.classes = classes;
	spec.ymax = max;
	spec.y_title = "jimers";
	spec.height = 200;
	cols_begin(&c, r, &spec);
	for (int i = 0; i < n; i++)
	{
		double		v = db_num(res, i, "jimers");
		char		detail[96],
					a[32];

		snprintf(detail, sizeof(detail), "%s jimers (%s %% of those who completed)",
				 fmt_count(a, sizeof(a), v), db_str(res, i, "pct") ? db_str(res, i, "pct") : "0");
		cols_point(&c, db_str(res, i, "bucket"), db_str(res, i, "bucket_index"), &v, NAN, detail);
	}
	cols_end(&c);
	PQclear(res);
	return 0;
}

static int
funnel_section(Report *r, const FunnelKind *k)
{
	PGresult   *res,
			   *sum;
	int			rc = 0;

	sum = db_query(r, k->view, k->summary_sql);
	if (sum == NULL)
		return -1;
	res = db_query(r, k->view, k->sql);
	if (res == NULL)
	{
		PQclear(sum);
		return -1;
	}
	out_printf(r, "<section class=\"card\" id=\"%s\">\n<h2>%s</h2>\n", k->id, k->heading);
	out_printf(r, "<p class=\"sub\">Jimers who started each %s and how many completed it within "
			   "the conversion window after their first start (%s).</p>\n", k->noun, k->view);
	if (PQntuples(res) == 0)
	{
		char		text[64];

		snprintf(text, sizeof(text), "No %s yet.", k->plural);
		out_empty(r, text);
	}
	else
	{
		char		proj[128];

		snprintf(proj, sizeof(proj), "%s", r->project ?
				 "all projects: this view has no project_uid" : "all projects");
		summary_tiles(r, k, sum);
		out_printf(r, "<h3>%s per %s</h3>\n", k->Rate, k->noun);
		out_scope(r, (r->from || r->to) ? "all time: this view has no date" : "all time", proj);
		funnel_chart(r, k, res);
		funnel_table(r, k, res);
		rc = cohort_chart(r, k);
		if (rc == 0)
			rc = time_chart(r, k);
	}
	out_raw(r, "</section>\n");
	PQclear(res);
	PQclear(sum);
	return rc;
}

int
section_tours(Report *r)
{
	return funnel_section(r, &tours);
}

int
section_checklists(Report *r)
{
	return funnel_section(r, &checklists);
}
