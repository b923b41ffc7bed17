/*-------------------------------------------------------------------------
 *
 * svg.h
 *	  The charts of the page, drawn as inline SVG.
 *
 * Charts are streamed: a section reads its query result once to size the
 * chart (rows, largest value), then writes one row or column per result
 * row.  Nothing is copied, so labels can point into a PGresult.
 *
 * Every bar group carries a <title> (the browser's tooltip, and what a
 * screen reader reads) and the caller's data-* attributes, so that the
 * numbers a chart shows can be checked against the views by a program.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_REPORT_SVG_H
#define JIMO_REPORT_SVG_H

#include "report.h"

/* ---- horizontal bars: one row per item -------------------------------- */

typedef enum HBarsMode
{
	/*
	 * Series 0 is a full-height bar (e.g. started); the others are drawn
	 * over it from zero, sharing its height (e.g. completed, dismissed).
	 */
	HBARS_OVERLAY,
	/* Series follow each other, filling the row's total (e.g. NPS). */
	HBARS_STACK
} HBarsMode;

typedef struct HBarsSpec
{
	const char *chart;			/* data-chart attribute: what the chart is */
	const char *caption;		/* aria-label of the chart */
	HBarsMode	mode;
	int			rows;
	int			nseries;
	const char *const *names;	/* legend, per series */
	const char *const *classes; /* CSS class, per series */
	double		max;			/* overlay: axis maximum; stack: unused */
	const char *unit;			/* overlay: axis unit after the numbers ("" none) */
	bool		compact;		/* narrow, for a chart in half a column */
	bool		sublabels;		/* rows have a second, smaller label line */
} HBarsSpec;

/* Where things go across a bar chart (SVG units). */
typedef struct HBarsGeometry
{
	int			width;
	int			label_end;		/* labels end here (right-aligned) */
	int			x0;				/* bars start */
	int			x1;				/* the longest bar ends */
	int			value_x;		/* the value text starts */
	int			label_chars;	/* labels longer than this are shortened */
} HBarsGeometry;

typedef struct HBars
{
	Report	   *r;
	HBarsSpec	spec;
	HBarsGeometry g;
	double		max;			/* rounded up to a tick */
	int			row;
	int			row_h;			/* height of a row */
} HBars;

void		hbars_begin(HBars *c, Report *r, const HBarsSpec *spec);

/*
 * label: the item (a database string, shortened on screen, whole in the
 * tooltip; NULL shows "(no title)").  sublabel: a second line under it
 * (with spec.sublabels; NULL for none).  detail: the rest of the tooltip.
 * vals: nseries values (NaN draws nothing).  value/note: the text right
 * of the bars, value in bold.  data: NULL-terminated name, value pairs of
 * data-* attributes (values escaped here).
 */
void		hbars_row(HBars *c, const char *label, const char *sublabel, const char *detail,
					  const double *vals, const char *value, const char *note,
					  const char *const *data);
void		hbars_end(HBars *c);

/* ---- columns over time or buckets, with an optional line ------------- */

typedef struct ColumnsSpec
{
	const char *chart;
	const char *caption;
	int			n;				/* columns */
	int			nseries;		/* stacked in each column */
	const char *const *names;
	const char *const *classes;
	double		ymax;			/* largest stacked total */
	const char *y_title;		/* what the left axis counts */
	const char *line_name;		/* NULL: no line */
	double		line_min;		/* right axis range of the line */
	double		line_max;
	const char *line_unit;		/* e.g. " %" */
	int			height;			/* 0: default */
} ColumnsSpec;

typedef struct Columns
{
	Report	   *r;
	ColumnsSpec spec;
	double		ymax;
	int			i;
	int			label_every;
	bool		value_labels;
	/* per column, kept to draw the line and the totals over all the bars */
	double	   *x;
	double	   *top;
	double	   *total;
	double	   *line;
} Columns;

void		cols_begin(Columns *c, Report *r, const ColumnsSpec *spec);

/*
 * xlabel: shown under the column (only every few when there are many).
 * key: data-key attribute (e.g. the ISO date).  vals: nseries values.
 * line: the line's value here (NaN: a gap).  detail: the tooltip.
 */
void		cols_point(Columns *c, const char *xlabel, const char *key,
					   const double *vals, double line, const char *detail);
void		cols_end(Columns *c);

/* ---- small charts for table cells ------------------------------------ */

/* Answers per value of a rating step: n bars with their value under each. */
void		svg_minibars(Report *r, int n, const char *const *labels, const double *counts);

/* A trend line with its first and last value written at the ends. */
void		svg_sparkline(Report *r, int n, const double *vals, const char *first, const char *last);

#endif							/* JIMO_REPORT_SVG_H */
