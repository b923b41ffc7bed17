/*-------------------------------------------------------------------------
 *
 * sections.h
 *	  The parts of the page, in the order they appear, and what they share.
 *
 * Each section function writes its part and returns 0, or -1 after a
 * failed query (the message is printed and r->status set by db_query).
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_REPORT_SECTIONS_H
#define JIMO_REPORT_SECTIONS_H

#include "report.h"

/* page.c: <head>, styles, the header with the filters in force; the end */
int			page_begin(Report *r);
void		page_end(Report *r);

/* funnels.c: jimo.tour_funnel / checklist_funnel, funnel_cohorts, time_to_complete */
int			section_tours(Report *r);
int			section_checklists(Report *r);

/* surveys.c: jimo.survey_nps, survey_nps_trend, survey_ratings(_trend), survey_choices */
int			section_surveys(Report *r);

/* reach.c: jimo.experience_reach_daily, experience_reach */
int			section_reach(Report *r);

/* health.c: jimo.delivery_health */
int			section_delivery(Report *r);

/* ---- shared by the sections (page.c) ---- */

/*
 * The line under a heading saying which filters its numbers follow: each
 * argument is our own text (not escaped), e.g. "all time: the view has no
 * date".
 */
void		out_scope(Report *r, const char *period, const char *project);

/* "No tours yet." and the like, in place of a chart or table. */
void		out_empty(Report *r, const char *text);

/* A headline number: <div class="tile" data-metric=...>. */
void		out_tile(Report *r, const char *metric, const char *value_raw,
					 const char *shown, const char *caption);

/* "in the period" / "ever", as the filters say. */
const char *period_words(const Report *r);

/*
 * The query of a chart over time, built from `per_day`, a query giving
 * one row per day with a `day` date column and the values (already
 * filtered to the period): one row per period from the first to the last
 * day (or --from to --to), empty periods included, at a grain that keeps
 * the chart readable (day up to two months, week up to two years, month
 * beyond), with columns period (date), grain, label, and `sums` (a select
 * list over the per-day rows, named d).  Returns malloc'd text.
 */
char	   *series_query(const char *per_day, const char *sums);

#endif							/* JIMO_REPORT_SECTIONS_H */
