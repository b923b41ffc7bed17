/*-------------------------------------------------------------------------
 *
 * page.c
 *	  The frame of the page (head, styles, header, footer) and the pieces
 *	  every section uses.
 *
 * The page must open anywhere, offline, years later, and be safe to mail
 * around: so no script at all, styles inline, charts as inline SVG, and a
 * Content-Security-Policy that forbids every fetch (an accidental external
 * reference would be blocked, and reported in the browser's console, which
 * the test watches).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "html.h"
#include "sections.h"

static const char *const css =
":root{--fg:#1d2330;--muted:#687080;--bg:#f4f5f7;--card:#fff;--line:#e2e5ea}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;background:var(--bg);color:var(--fg);"
"font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif}\n"
"main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}\n"
"header.top h1{font-size:26px;margin:8px 0 4px}\n"
"header.top .meta{color:var(--muted);font-size:13px}\n"
"header.top .meta b{color:var(--fg);font-weight:600}\n"
"nav.toc{margin:12px 0 0;font-size:13px}\n"
"nav.toc a{color:#2f5fb8;text-decoration:none;margin-right:16px}\n"
"section.card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
"padding:18px 24px 20px;margin:18px 0}\n"
"h2{font-size:20px;margin:0 0 6px}\n"
"h3{font-size:15px;margin:22px 0 2px}\n"
"p.sub{color:var(--muted);font-size:12.5px;margin:0 0 6px}\n"
".scope{color:var(--muted);font-size:12.5px;background:#f7f8fa;border-left:3px solid #9db7ea;"
"padding:5px 10px;margin:4px 0 12px}\n"
".scope b{color:#3c4452;font-weight:600}\n"
".empty{color:var(--muted);font-style:italic;padding:10px 0;margin:0}\n"
".tiles{display:flex;flex-wrap:wrap;gap:12px;margin:10px 0 4px}\n"
".tile{flex:1 1 150px;max-width:300px;border:1px solid var(--line);border-radius:8px;padding:9px 14px}\n"
".tile .n{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}\n"
".tile .k{color:var(--muted);font-size:12px}\n"
"svg.chart{width:100%;height:auto;display:block;margin:6px 0 10px}\n"
"svg text{font-family:inherit}\n"
".lbl{font-size:12.5px;fill:var(--fg)}.sublbl{font-size:10.5px;fill:var(--muted)}\n"
".muted{fill:var(--muted);font-style:italic}\n"
".tick{font-size:11px;fill:var(--muted)}\n"
".legend{font-size:12px;fill:#3c4452}\n"
".val{font-size:12.5px;fill:var(--fg)}.val .v{font-weight:650}.val .note{fill:var(--muted)}\n"
".inbar{font-size:11px;fill:#fff;font-weight:600}\n"
".colval{font-size:10px;fill:#3c4452;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}\n"
".minitick{font-size:9px;fill:var(--muted)}\n"
".grid{stroke:#eceef2}.axis{stroke:#a3a9b4}\n"
".line{stroke:#1d2330;stroke-width:2;fill:none}.dot{fill:#1d2330}\n"
".hit{fill:transparent}.col:hover .hit,.row:hover .lbl{fill:#eef2fa}\n"
".s-started{fill:#c9d8f4}.s-completed{fill:#2f6fdb}.s-dismissed{fill:#e8912d}\n"
".s-promoter{fill:#2e9e5b}.s-passive{fill:#c3c8d0}.s-detractor{fill:#d64545}\n"
".s-hint{fill:#7b61d6}.s-banner{fill:#16a394}.s-other{fill:#a3a9b4}.s-reach{fill:#7b61d6}\n"
".s-stored{fill:#2f6fdb}.s-duplicate{fill:#f0b429}.s-rejected{fill:#d64545}\n"
".s-rating{fill:#2f6fdb}.s-share{fill:#2f6fdb}\n"
"table{border-collapse:collapse;width:100%;font-size:13px;margin:6px 0 4px}\n"
"th{text-align:left;color:var(--muted);font-weight:600;border-bottom:1px solid var(--line);"
"padding:5px 8px;white-space:nowrap}\n"
"td{border-bottom:1px solid #f0f1f4;padding:5px 8px;vertical-align:middle}\n"
"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
"td.t{overflow-wrap:anywhere;max-width:360px}\n"
".tag{display:inline-block;font-size:11px;line-height:16px;padding:0 6px;border-radius:8px;"
"background:#eef1f6;color:#4b5563;margin-left:6px;white-space:nowrap}\n"
".tag.deleted{background:#fde8e8;color:#a61b1b}.tag.paused{background:#fff3d1;color:#7a5200}\n"
".grid2{display:grid;grid-template-columns:1fr 1fr;gap:4px 28px}\n"
".grid2 h4{font-size:13px;margin:14px 0 0;overflow-wrap:anywhere}\n"
"footer{color:var(--muted);font-size:12px;margin-top:24px}\n"
"@media (max-width:820px){.grid2{grid-template-columns:1fr}}\n"
"@media print{body{background:#fff}main{padding:0}section.card{break-inside:avoid;border:0;"
"padding:0 0 12px}}\n";

int
page_begin(Report *r)
{
	PGresult   *res;
	const char *title = r->title ? r->title : "Jimo report";

	/* what the header states; one row */
	res = db_query(r, "the database and its settings",
				   "SELECT current_database() AS db, current_user AS usr,"
				   "       to_char(now(), 'YYYY-MM-DD HH24:MI') AS at,"
				   "       current_setting('TimeZone') AS tz,"
				   "       (SELECT extversion FROM pg_catalog.pg_extension"
				   "         WHERE extname = 'jimo_webhooks') AS ext,"
				   "       coalesce(nullif(current_setting('jimo.funnel_window', true), ''),"
				   "                '14 days') AS fwindow");
	if (res == NULL)
		return -1;

	out_raw(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<meta http-equiv=\"Content-Security-Policy\" "
			"content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
			"<link rel=\"icon\" href=\"data:,\">\n");
	out_raw(r, "<meta name=\"generator\" content=\"jimo-report " JIMO_REPORT_VERSION "\">\n<title>");
	out_text(r, title);
	out_raw(r, "</title>\n<style>\n");
	out_raw(r, css);
	out_raw(r, "</style>\n</head>\n<body>\n<main>\n<header class=\"top\">\n<h1>");
	out_text(r, title);
	out_raw(r, "</h1>\n<div class=\"meta\">Database <b>");
	out_text(r, db_str(res, 0, "db"));
	out_raw(r, "</b> as <b>");
	out_text(r, db_str(res, 0, "usr"));
	out_raw(r, "</b> \xC2\xB7 generated <b>");
	out_text(r, db_str(res, 0, "at"));
	out_raw(r, "</b> (");
	out_text(r, db_str(res, 0, "tz"));
	out_raw(r, ") \xC2\xB7 jimo_webhooks ");
	out_text(r, db_str(res, 0, "ext"));
	out_raw(r, "<br>Period <b data-filter=\"period\">");
	if (r->from || r->to)
	{
		out_text(r, r->from ? r->from : "the beginning");
		out_raw(r, " \xE2\x80\x93 ");
		out_text(r, r->to ? r->to : "today");
	}
	else
		out_raw(r, "all data");
	out_raw(r, "</b> \xC2\xB7 project <b data-filter=\"project\">");
	out_text(r, r->project ? r->project : "all projects");
	out_raw(r, "</b> \xC2\xB7 conversion window <b>");
	out_text(r, db_str(res, 0, "fwindow"));
	out_raw(r, "</b> after a jimer's first start</div>\n");
	out_raw(r, "<nav class=\"toc\"><a href=\"#tours\">Tours</a><a href=\"#checklists\">Checklists</a>"
			"<a href=\"#surveys\">Surveys</a><a href=\"#reach\">Reach</a>"
			"<a href=\"#delivery\">Delivery health</a></nav>\n</header>\n");
	PQclear(res);
	return 0;
}

void
page_end(Report *r)
{
	out_raw(r, "<footer>Made by jimo-report " JIMO_REPORT_VERSION " from the jimo.* views only. "
			"Days, weeks and months are those of the database session's time zone, except for views "
			"per day, cohorts of first start and deliveries per day of arrival, which "
			"jimo.experience_reach_daily, jimo.funnel_cohorts and jimo.delivery_health count in UTC days. "
			"Rates are of jimers, not of events; a redelivered event counts once.</footer>\n"
			"</main>\n</body>\n</html>\n");
}

void
out_scope(Report *r, const char *period, const char *project)
{
	out_printf(r, "<p class=\"scope\"><b>Period:</b> %s \xC2\xB7 <b>Project:</b> %s</p>\n",
			   period, project);
}

void
out_empty(Report *r, const char *text)
{
	out_raw(r, "<p class=\"empty\">");
	out_text(r, text);
	out_raw(r, "</p>\n");
}

void
out_tile(Report *r, const char *metric, const char *value_raw, const char *shown,
		 const char *caption)
{
	out_raw(r, "<div class=\"tile\"");
	out_attr(r, "data-metric", metric);
	out_attr(r, "data-value", value_raw ? value_raw : "");
	out_raw(r, "><div class=\"n\">");
	out_text(r, shown);
	out_raw(r, "</div><div class=\"k\">");
	out_text(r, caption);
	out_raw(r, "</div></div>");
}

const char *
period_words(const Report *r)
{
	return (r->from || r->to) ? "in the period" : "so far";
}

char *
series_query(const char *per_day, const char *sums)
{
	static const char *const tmpl =
	"WITH d AS (%s),"
	" b AS (SELECT coalesce($1, min(day)) AS lo, coalesce($2, max(day)) AS hi FROM d),"
	" g AS (SELECT CASE WHEN hi - lo <= 62 THEN 'day' WHEN hi - lo <= 731 THEN 'week'"
	"                   ELSE 'month' END AS grain, lo, hi"
	"         FROM b WHERE lo <= hi),"
	" axis AS (SELECT s::date AS period, g.grain FROM g,"
	"            generate_series(date_trunc(g.grain, g.lo::timestamp),"
	"                            date_trunc(g.grain, g.hi::timestamp),"
	"                            ('1 ' || g.grain)::interval) s)"
	" SELECT a.period, a.grain,"
	"        to_char(a.period, CASE a.grain WHEN 'month' THEN 'Mon YYYY' ELSE 'Mon DD' END) AS label,"
	"        %s"
	"   FROM axis a LEFT JOIN d ON date_trunc(a.grain, d.day::timestamp)::date = a.period"
	"  GROUP BY a.period, a.grain ORDER BY a.period";
	size_t		size = strlen(tmpl) + strlen(per_day) + strlen(sums) + 1;
	char	   *sql = malloc(size);

	if (sql == NULL)
	{
		fprintf(stderr, "jimo-report: out of memory\n");
		exit(EXIT_REPORT_QUERY);
	}
	snprintf(sql, size, tmpl, per_day, sums);
	return sql;
}
