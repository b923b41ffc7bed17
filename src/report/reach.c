/*-------------------------------------------------------------------------
 *
 * reach.c
 *	  Reach: how often hints, banners and anything else "seen" were seen,
 *	  per day and per experience.
 *
 * Jimo sends only *.seen for hints and banners (no click), so reach is
 * all there is.  The per-day view has a day (filtered on the period) but no
 * project; the per-experience view has neither.  Unique jimers cannot be
 * added up across days (the same jimer comes back), so the per-day chart
 * counts views, and the per-experience chart takes its unique jimers from
 * jimo.experience_reach, which is all time.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "html.h"
#include "sections.h"
#include "svg.h"

#define CHART_ROWS 25

static const char *const no_project = "all projects: the reach views have no project_uid";

static int
daily_part(Report *r)
{
	static const char *const names[] = {"hint views", "banner views", "other views"};
	static const char *const classes[] = {"s-hint", "s-banner", "s-other"};
	char	   *sql;
	PGresult   *res;
	ColumnsSpec spec = {0};
	Columns		c;
	int			n,
				busiest = -1;
	double		max = 0,
				total = 0;

	sql = series_query("SELECT day, type, views, unique_jimers FROM jimo.experience_reach_daily"
					   " WHERE ($1 IS NULL OR day >= $1) AND ($2 IS NULL OR day <= $2)",
					   "coalesce(sum(d.views) FILTER (WHERE d.type = 'HINT'), 0) AS hint,"
					   " coalesce(sum(d.views) FILTER (WHERE d.type = 'BANNER'), 0) AS banner,"
					   " coalesce(sum(d.views) FILTER (WHERE d.type IS DISTINCT FROM 'HINT'"
					   "                          AND d.type IS DISTINCT FROM 'BANNER'), 0) AS other,"
					   " coalesce(sum(d.views), 0) AS views");
	res = db_query(r, "jimo.experience_reach_daily", sql);
	free(sql);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		if (db_num(res, i, "views") > max)
			busiest = i;
		max = fmax(max, db_num(res, i, "views"));
		total += db_num(res, i, "views");
	}
	out_printf(r, "<h3>Views per %s</h3>\n", n > 0 ? db_str(res, 0, "grain") : "day");
	/* the view's days are UTC days, whatever the session's TimeZone */
	out_scope(r, (r->from || r->to) ? "UTC days of the *.seen events in the period" :
			  "every UTC day with a *.seen event", no_project);
	if (total == 0)
	{
		char		text[96];

		snprintf(text, sizeof(text), "No hint, banner or other views %s.", period_words(r));
		out_empty(r, text);
		PQclear(res);
		return 0;
	}
	out_raw(r, "<div class=\"tiles\">");
	{
		char		num[32],
					raw[32],
					caption[64];

		snprintf(raw, sizeof(raw), "%.0f", total);
		out_tile(r, "views", raw, fmt_count(num, sizeof(num), total),
				 (r->from || r->to) ? "views in the period" : "views so far");
		snprintf(caption, sizeof(caption), "views on the busiest %s, %s",
				 db_str(res, busiest, "grain"), db_str(res, busiest, "label"));
		out_tile(r, "busiest", db_str(res, busiest, "views"),
				 fmt_count(num, sizeof(num), max), caption);
	}
	out_raw(r, "</div>\n");
	spec.chart = "reach-daily";
	spec.caption = "Views of hints, banners and other experiences per period";
	spec.n = n;
	spec.nseries = 3;
	spec.names = names;
	spec.classes = classes;
	spec.ymax = max;
	spec.y_title = "views";
	cols_begin(&c, r, &spec);
	for (int i = 0; i < n; i++)
	{
		double		vals[3] = {db_num(res, i, "hint"), db_num(res, i, "banner"),
		db_num(res, i, "other")};
		char		detail[128];

		snprintf(detail, sizeof(detail), "%s views: %s of hints, %s of banners, %s of others",
				 db_str(res, i, "views"), db_str(res, i, "hint"), db_str(res, i, "banner"),
				 db_str(res, i, "other"));
		cols_point(&c, db_str(res, i, "label"), db_str(res, i, "period"), vals, NAN, detail);
	}
	cols_end(&c);
	PQclear(res);
	return 0;
}

static int
per_experience_part(Report *r)
{
	static const char *const names[] = {"jimers who saw it"};
	static const char *const classes[] = {"s-reach"};
	PGresult   *res;
	HBarsSpec	spec = {0};
	HBars		c;
	int			n,
				shown;

	res = db_query(r, "jimo.experience_reach",
				   "SELECT experience_uid::text AS uid, type, title, is_deleted,"
				   "       unique_jimers, views, first_seen_at::date AS first_seen,"
				   "       last_seen_at::date AS last_seen"
				   "  FROM jimo.experience_reach"
				   " ORDER BY unique_jimers DESC, views DESC, title, experience_uid");
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	out_raw(r, "<h3>Jimers reached per experience</h3>\n");
	out_scope(r, (r->from || r->to) ? "all time: jimo.experience_reach has no date" : "all time",
			  no_project);
	if (n == 0)
	{
		out_empty(r, "No hints or banners yet.");
		PQclear(res);
		return 0;
	}
	shown = n < CHART_ROWS ? n : CHART_ROWS;
	spec.chart = "reach";
	spec.caption = "Distinct jimers who saw each hint, banner or other seen experience";
	spec.mode = HBARS_OVERLAY;
	spec.rows = shown;
	spec.nseries = 1;
	spec.names = names;
	spec.classes = classes;
	spec.unit = "";
	for (int i = 0; i < shown; i++)
		spec.max = fmax(spec.max, db_num(res, i, "unique_jimers"));
	hbars_begin(&c, r, &spec);
	for (int i = 0; i < shown; i++)
	{
		double		v = db_num(res, i, "unique_jimers");
		const char *type = db_str(res, i, "type");
		char		kind[32] = "?",
					value[48],
					note[96],
					detail[192],
					a[32],
					b[32];
		const char *data[] = {
			"data-uid", db_str(res, i, "uid"),
			"data-jimers", db_str(res, i, "unique_jimers"),
			"data-views", db_str(res, i, "views"),
			NULL
		};

		/* "hint" reads better than "HINT" in a sentence */
		if (type)
		{
			size_t		k;

			for (k = 0; type[k] && k < sizeof(kind) - 1; k++)
				kind[k] = tolower((unsigned char) type[k]);
			kind[k] = '\0';
		}
		snprintf(value, sizeof(value), "%s jimer%s", fmt_count(a, sizeof(a), v), v == 1 ? "" : "s");
		snprintf(note, sizeof(note), "%s views \xC2\xB7 %s%s", fmt_count(b, sizeof(b), db_num(res, i, "views")),
				 kind, strcmp(db_str(res, i, "is_deleted"), "t") == 0 ? ", deleted" : "");
		snprintf(detail, sizeof(detail), "%s, seen %s times by %s jimers, first %s, last %s",
				 type ? type : "type unknown", b, a,
				 db_str(res, i, "first_seen") ? db_str(res, i, "first_seen") : "never",
				 db_str(res, i, "last_seen") ? db_str(res, i, "last_seen") : "never");
		hbars_row(&c, db_str(res, i, "title"), NULL, detail, &v, value, note, data);
	}
	hbars_end(&c);
	if (shown < n)
		out_printf(r, "<p class=\"sub\">The %d experiences seen by the most jimers, of %d.</p>\n", shown, n);
	PQclear(res);
	return 0;
}

int
section_reach(Report *r)
{
	int			rc;

	out_raw(r, "<section class=\"card\" id=\"reach\">\n<h2>Reach</h2>\n"
			"<p class=\"sub\">How often hints, banners and other experiences were seen "
			"(distinct *.seen events; Jimo sends no clicks for them).</p>\n");
	rc = daily_part(r);
	if (rc == 0)
		rc = per_experience_part(r);
	out_raw(r, "</section>\n");
	return rc;
}
