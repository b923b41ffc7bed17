/*-------------------------------------------------------------------------
 *
 * health.c
 *	  Delivery health: what arrived, what was a redelivery, what was
 *	  rejected, and how late events arrived.
 *
 * jimo.delivery_health has one row per day of first arrival and nothing
 * per project (a delivery is about the webhook, not an experience), so the
 * period applies and the project does not.  Daily medians of lag cannot be
 * combined into a median of the period, so the totals show the largest
 * lag, and the medians stay per day in the table.
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

#define TABLE_DAYS "31"		/* rows of the table; the chart has every day */

#define PERIOD_FILTER " WHERE ($1 IS NULL OR day >= $1) AND ($2 IS NULL OR day <= $2)"

static void
totals(Report *r, const PGresult *t)
{
	char		num[32];

	out_raw(r, "<div class=\"tiles\">");
	out_tile(r, "stored", db_str(t, 0, "stored"), fmt_count(num, sizeof(num), db_num(t, 0, "stored")),
			 "events stored (distinct)");
	out_tile(r, "duplicate_deliveries", db_str(t, 0, "duplicate_deliveries"),
			 fmt_count(num, sizeof(num), db_num(t, 0, "duplicate_deliveries")),
			 "redeliveries of stored events");
	out_tile(r, "rejected", db_str(t, 0, "rejected"),
			 fmt_count(num, sizeof(num), db_num(t, 0, "rejected")), "rejected bodies (distinct)");
	out_tile(r, "deliveries", db_str(t, 0, "deliveries"),
			 fmt_count(num, sizeof(num), db_num(t, 0, "deliveries")), "deliveries in all");
	out_tile(r, "max_lag_seconds", db_str(t, 0, "max_lag"),
			 fmt_duration(num, sizeof(num), db_num(t, 0, "max_lag")),
			 "largest lag (arrival minus event time)");
	out_raw(r, "</div>\n");
}

static int
daily_chart(Report *r)
{
	static const char *const names[] = {"stored", "redeliveries", "rejected deliveries"};
	static const char *const classes[] = {"s-stored", "s-duplicate", "s-rejected"};
	char	   *sql;
	PGresult   *res;
	ColumnsSpec spec = {0};
	Columns		c;
	int			n;
	double		max = 0;

	sql = series_query("SELECT day, stored, duplicate_deliveries, rejected, rejected_deliveries,"
					   "       deliveries FROM jimo.delivery_health" PERIOD_FILTER,
					   "coalesce(sum(d.stored), 0) AS stored,"
					   " coalesce(sum(d.duplicate_deliveries), 0) AS duplicates,"
					   " coalesce(sum(d.rejected), 0) AS rejected,"
					   " coalesce(sum(d.rejected_deliveries), 0) AS rejected_deliveries,"
					   " coalesce(sum(d.deliveries), 0) AS deliveries");
	res = db_query(r, "jimo.delivery_health (per day)", sql);
	free(sql);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
		max = fmax(max, db_num(res, i, "deliveries"));
	out_printf(r, "<h3>Deliveries per %s of arrival</h3>\n", n > 0 ? db_str(res, 0, "grain") : "day");
	spec.chart = "delivery-daily";
	spec.caption = "Deliveries per period of first arrival: stored, redelivered, rejected";
	spec.n = n;
	spec.nseries = 3;
	spec.names = names;
	spec.classes = classes;
	spec.ymax = max;
	spec.y_title = "deliveries";
	spec.height = 220;
	cols_begin(&c, r, &spec);
	for (int i = 0; i < n; i++)
	{
		double		vals[3] = {db_num(res, i, "stored"), db_num(res, i, "duplicates"),
		db_num(res, i, "rejected_deliveries")};
		char		detail[192];

		snprintf(detail, sizeof(detail), "%s deliveries: %s events stored, %s redeliveries, "
				 "%s rejected bodies (%s deliveries)",
				 db_str(res, i, "deliveries"), db_str(res, i, "stored"), db_str(res, i, "duplicates"),
				 db_str(res, i, "rejected"), db_str(res, i, "rejected_deliveries"));
		cols_point(&c, db_str(res, i, "label"), db_str(res, i, "period"), vals, NAN, detail);
	}
	cols_end(&c);
	PQclear(res);
	return 0;
}

static int
daily_table(Report *r)
{
	PGresult   *res;
	int			n,
				days;

	res = db_query(r, "jimo.delivery_health (table)",
				   "SELECT day, stored, duplicate_deliveries, rejected, deliveries,"
				   "       median_lag_seconds, max_lag_seconds, count(*) OVER () AS days"
				   "  FROM jimo.delivery_health" PERIOD_FILTER
				   " ORDER BY day DESC LIMIT " TABLE_DAYS);
	if (res == NULL)
		return -1;
	n = PQntuples(res);
	days = n > 0 ? (int) db_num(res, 0, "days") : 0;
	out_printf(r, "<h3>%s</h3>\n", days > n ? "The latest days" : "Per day");
	out_raw(r, "<table data-table=\"delivery\"><thead><tr><th>Day of arrival</th>"
			"<th class=\"n\">Stored</th><th class=\"n\">Redeliveries</th>"
			"<th class=\"n\">Rejected</th><th class=\"n\">Deliveries</th>"
			"<th class=\"n\">Median lag</th><th class=\"n\">Max lag</th></tr></thead><tbody>\n");
	for (int i = 0; i < n; i++)
	{
		char		num[32];

		out_raw(r, "<tr");
		out_attr(r, "data-day", db_str(res, i, "day"));
		out_raw(r, "><td>");
		out_text(r, db_str(res, i, "day"));
		out_printf(r, "</td><td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "stored")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "duplicate_deliveries")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "rejected")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_count(num, sizeof(num), db_num(res, i, "deliveries")));
		out_printf(r, "<td class=\"n\">%s</td>", fmt_duration(num, sizeof(num), db_num(res, i, "median_lag_seconds")));
		out_printf(r, "<td class=\"n\">%s</td></tr>\n", fmt_duration(num, sizeof(num), db_num(res, i, "max_lag_seconds")));
	}
	out_raw(r, "</tbody></table>\n");
	if (days > n)
		out_printf(r, "<p class=\"sub\">%d earlier days with deliveries are in the chart only.</p>\n",
				   days - n);
	PQclear(res);
	return 0;
}

int
section_delivery(Report *r)
{
	PGresult   *t;
	int			rc = 0;

	t = db_query(r, "jimo.delivery_health (totals)",
				 "SELECT count(*) AS days, coalesce(sum(stored), 0) AS stored,"
				 "       coalesce(sum(duplicate_deliveries), 0) AS duplicate_deliveries,"
				 "       coalesce(sum(rejected), 0) AS rejected,"
				 "       coalesce(sum(deliveries), 0) AS deliveries,"
				 "       max(max_lag_seconds) AS max_lag"
				 "  FROM jimo.delivery_health" PERIOD_FILTER);
	if (t == NULL)
		return -1;
	out_raw(r, "<section class=\"card\" id=\"delivery\">\n<h2>Delivery health</h2>\n"
			"<p class=\"sub\">What the webhook brought in, by day of first arrival "
			"(jimo.delivery_health): distinct events stored, redeliveries of them "
			"(Jimo retries until it gets a 200), bodies rejected as unusable, and the lag "
			"from event time to arrival.</p>\n");
	out_scope(r, (r->from || r->to) ? "days of arrival in the period" : "every day of arrival",
			  r->project ? "all projects: deliveries have no project" : "all projects");
	if (db_num(t, 0, "days") == 0)
	{
		char		text[64];

		snprintf(text, sizeof(text), "No deliveries %s.", (r->from || r->to) ? "in the period" : "yet");
		out_empty(r, text);
	}
	else
	{
		totals(r, t);
		rc = daily_chart(r);
		if (rc == 0)
			rc = daily_table(r);
	}
	out_raw(r, "</section>\n");
	PQclear(t);
	return rc;
}
