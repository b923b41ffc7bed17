/*-------------------------------------------------------------------------
 *
 * svg.c
 *	  Inline SVG charts: horizontal bars, columns with a line, and small
 *	  charts for table cells.
 *
 * Sizes are in the SVG's own units (viewBox); the page scales the SVG to
 * its column width, so one layout serves screens and print.  Text cannot
 * be measured here, so labels are shortened to a number of characters that
 * fits their column at the page's font size, and every label is whole in
 * its tooltip.  Colours and fonts live in the page's CSS (page.c), by
 * class, so that charts and tables share them.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "svg.h"

#define WIDTH		1000

/*
 * Horizontal bars, full width and compact (half a column, where the page
 * scales the SVG down, so the compact layout has fewer units for the same
 * text size).  Label widths are for about 7 units per character at 12.5px.
 */
static const HBarsGeometry hb_full = {WIDTH, 252, 262, 690, 704, 34};
static const HBarsGeometry hb_compact = {560, 168, 176, 390, 400, 22};

#define HB_TOP		46			/* legend and axis above the first row */
#define HB_ROW		28
#define HB_ROW_TWO_LINES 40
#define HB_BAR		20
#define TOOLTIP_CHARS 300		/* a title of 10 kB would bloat every tooltip */

/* columns */
#define COL_LEFT	58
#define COL_RIGHT_LINE 58
#define COL_RIGHT	18
#define COL_TOP		34
#define COL_BOTTOM	30
#define COL_HEIGHT	250
#define COL_MAX_LABELS 12
#define COL_MAX_VALUE_LABELS 35

/*
 * A tick step of 1, 2 or 5 times a power of ten that cuts [0, max] into
 * about `parts` pieces, so that the axis shows round numbers.
 */
static double
nice_step(double max, int parts)
{
	double		raw = max / parts;
	double		mag,
				f;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	if (f <= 1)
		return mag;
	if (f <= 2)
		return 2 * mag;
	if (f <= 5)
		return 5 * mag;
	return 10 * mag;
}

/* Counts are whole; steps below 1 would give ticks like 0.5 jimers. */
static double
count_step(double max, int parts)
{
	double		step = nice_step(max, parts);

	return step < 1 ? 1 : step;
}

static void
legend(Report *r, double x, double y, int n, const char *const *names,
	   const char *const *classes, const char *extra)
{
	for (int i = 0; i < n; i++)
	{
		out_printf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" rx=\"2\" class=\"%s\"/>"
				   "<text x=\"%.1f\" y=\"%.1f\" class=\"legend\">",
				   x, y - 10, classes[i], x + 17, y);
		out_text(r, names[i]);
		out_raw(r, "</text>");
		/* no text metrics: about 7 units per character at the legend's size */
		x += 17 + 7.0 * strlen(names[i]) + 22;
	}
	if (extra)
	{
		out_printf(r, "<text x=\"%.1f\" y=\"%.1f\" class=\"legend muted\">", x, y);
		out_text(r, extra);
		out_raw(r, "</text>");
	}
}

static void
svg_open(Report *r, const char *chart, const char *caption, int width, int height)
{
	out_printf(r, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
			   "xmlns=\"http://www.w3.org/2000/svg\"", width, height);
	out_attr(r, "data-chart", chart);
	out_attr(r, "aria-label", caption);
	out_raw(r, ">");
}

static void
data_attrs(Report *r, const char *const *data)
{
	for (; data && data[0]; data += 2)
		out_attr(r, data[0], data[1]);
}

static void
tooltip(Report *r, const char *label, const char *sublabel, const char *detail)
{
	out_raw(r, "<title>");
	out_text_n(r, label ? label : "(no title)", TOOLTIP_CHARS);
	if (sublabel)
	{
		out_raw(r, " \xE2\x80\x94 ");	/* — */
		out_text_n(r, sublabel, TOOLTIP_CHARS);
	}
	if (detail)
	{
		out_raw(r, label ? ": " : "");
		out_text(r, detail);
	}
	out_raw(r, "</title>");
}

/* ---- horizontal bars ---------------------------------------------------- */

void
hbars_begin(HBars *c, Report *r, const HBarsSpec *spec)
{
	int			row_h = spec->sublabels ? HB_ROW_TWO_LINES : HB_ROW;
	int			height = HB_TOP + spec->rows * row_h + 8;
	double		bottom = HB_TOP + spec->rows * row_h;
	double		step;

	c->r = r;
	c->spec = *spec;
	c->row_h = row_h;
	c->g = spec->compact ? hb_compact : hb_full;
	c->row = 0;
	svg_open(r, spec->chart, spec->caption, c->g.width, height);
	/* a compact chart of one series sits under a heading that says what it is */
	if (!(spec->compact && spec->nseries == 1))
		legend(r, c->g.x0, 16, spec->nseries, spec->names, spec->classes, NULL);

	if (spec->mode == HBARS_STACK)
	{
		c->max = 100;
		step = 25;
	}
	else
	{
		step = count_step(spec->max, spec->compact ? 2 : 5);
		c->max = ceil((spec->max > 0 ? spec->max : 1) / step) * step;
	}
	for (double t = 0; t <= c->max + step / 2; t += step)
	{
		double		x = c->g.x0 + (c->g.x1 - c->g.x0) * t / c->max;
		char		num[32];

		out_printf(r, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" class=\"grid\"/>",
				   x, x, HB_TOP - 4, bottom);
		out_printf(r, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s%s</text>",
				   x, HB_TOP - 9, fmt_count(num, sizeof(num), t),
				   spec->mode == HBARS_STACK ? " %" : (spec->unit ? spec->unit : ""));
	}
}

void
hbars_row(HBars *c, const char *label, const char *sublabel, const char *detail, const double *vals,
		  const char *value, const char *note, const char *const *data)
{
	Report	   *r = c->r;
	double		y = HB_TOP + c->row * c->row_h + (c->row_h - HB_BAR) / 2.0;
	double		scale = (c->g.x1 - c->g.x0) / c->max;
	int			n = c->spec.nseries;

	out_raw(r, "<g class=\"row\"");
	data_attrs(r, data);
	out_raw(r, ">");
	tooltip(r, label, sublabel, detail);

	/* with a second line, the two lines sit around the bar's middle */
	out_printf(r, "<text x=\"%d\" y=\"%.1f\" class=\"lbl%s\" text-anchor=\"end\">",
			   c->g.label_end, y + HB_BAR / 2.0 + (c->spec.sublabels ? -2 : 4), label ? "" : " muted");
	out_text_n(r, label ? label : "(no title)", c->g.label_chars);
	out_raw(r, "</text>");
	if (c->spec.sublabels && sublabel)
	{
		out_printf(r, "<text x=\"%d\" y=\"%.1f\" class=\"sublbl\" text-anchor=\"end\">",
				   c->g.label_end, y + HB_BAR / 2.0 + 11);
		/* a smaller font fits more characters in the same width */
		out_text_n(r, sublabel, c->g.label_chars * 6 / 5);
		out_raw(r, "</text>");
	}

	if (c->spec.mode == HBARS_OVERLAY)
	{
		/* the first series full height, the others share it, in order */
		double		sub = n > 1 ? (double) HB_BAR / (n - 1) : HB_BAR;

		for (int i = 0; i < n; i++)
		{
			double		w = isnan(vals[i]) ? 0 : vals[i] * scale;
			double		top = i == 0 ? y : y + (i - 1) * sub;
			double		h = i == 0 ? HB_BAR : sub;

			if (w > 0)
				out_printf(r, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"/>",
						   c->g.x0, top, w < 1 ? 1 : w, h, c->spec.classes[i]);
		}
	}
	else
	{
		double		total = 0,
					x = c->g.x0;

		for (int i = 0; i < n; i++)
			total += isnan(vals[i]) ? 0 : vals[i];
		for (int i = 0; i < n && total > 0; i++)
		{
			double		share = (isnan(vals[i]) ? 0 : vals[i]) / total;
			double		w = share * (c->g.x1 - c->g.x0);

			if (w <= 0)
				continue;
			out_printf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" class=\"%s\"/>",
					   x, y, w, HB_BAR, c->spec.classes[i]);
			/* the share inside its segment, when it fits */
			if (w >= 34)
				out_printf(r, "<text x=\"%.1f\" y=\"%.1f\" class=\"inbar\" text-anchor=\"middle\">%.0f %%</text>",
						   x + w / 2, y + HB_BAR / 2.0 + 4, share * 100);
			x += w;
		}
	}

	out_printf(r, "<text x=\"%d\" y=\"%.1f\" class=\"val\">", c->g.value_x, y + HB_BAR / 2.0 + 4);
	if (value)
	{
		out_raw(r, "<tspan class=\"v\">");
		out_text(r, value);
		out_raw(r, "</tspan>");
	}
	if (note)
	{
		out_raw(r, "<tspan class=\"note\">");
		out_raw(r, value ? " \xC2\xB7 " : "");	/* · */
		out_text(r, note);
		out_raw(r, "</tspan>");
	}
	out_raw(r, "</text></g>\n");
	c->row++;
}

void
hbars_end(HBars *c)
{
	out_raw(c->r, "</svg>\n");
}

/* ---- columns -------------------------------------------------------------- */

static double
col_right(const Columns *c)
{
	return WIDTH - (c->spec.line_name ? COL_RIGHT_LINE : COL_RIGHT);
}

static double
col_height(const Columns *c)
{
	return c->spec.height > 0 ? c->spec.height : COL_HEIGHT;
}

static double
line_y(const Columns *c, double v)
{
	double		bottom = col_height(c) - COL_BOTTOM;
	double		span = c->spec.line_max - c->spec.line_min;

	return bottom - (bottom - COL_TOP) * (v - c->spec.line_min) / (span > 0 ? span : 1);
}

void
cols_begin(Columns *c, Report *r, const ColumnsSpec *spec)
{
	double		height,
				bottom,
				step;

	c->r = r;
	c->spec = *spec;
	c->i = 0;
	c->x = calloc(spec->n + 1, sizeof(double));
	c->top = calloc(spec->n + 1, sizeof(double));
	c->total = calloc(spec->n + 1, sizeof(double));
	c->line = calloc(spec->n + 1, sizeof(double));
	if (!c->x || !c->top || !c->total || !c->line)
	{
		fprintf(stderr, "jimo-report: out of memory\n");
		exit(EXIT_REPORT_QUERY);
	}
	height = col_height(c);
	bottom = height - COL_BOTTOM;
	c->label_every = (spec->n + COL_MAX_LABELS - 1) / COL_MAX_LABELS;
	if (c->label_every < 1)
		c->label_every = 1;
	c->value_labels = spec->n <= COL_MAX_VALUE_LABELS;

	svg_open(r, spec->chart, spec->caption, WIDTH, (int) height);
	legend(r, COL_LEFT, 14, spec->nseries, spec->names, spec->classes, NULL);
	if (spec->line_name)
	{
		/* the line's legend entry: a stroke and a dot, after the others */
		double		x = COL_LEFT;

		for (int i = 0; i < spec->nseries; i++)
			x += 17 + 7.0 * strlen(spec->names[i]) + 22;
		out_printf(r, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"10\" y2=\"10\" class=\"line\"/>"
				   "<circle cx=\"%.1f\" cy=\"10\" r=\"3\" class=\"dot\"/>"
				   "<text x=\"%.1f\" y=\"14\" class=\"legend\">",
				   x, x + 18, x + 9, x + 24);
		out_text(r, spec->line_name);
		out_raw(r, "</text>");
	}

	/* left axis: counts */
	step = count_step(spec->ymax, 4);
	c->ymax = ceil((spec->ymax > 0 ? spec->ymax : 1) / step) * step;
	for (double t = 0; t <= c->ymax + step / 2; t += step)
	{
		double		y = bottom - (bottom - COL_TOP) * t / c->ymax;
		char		num[32];

		out_printf(r, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
				   "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%s</text>",
				   COL_LEFT, col_right(c), y, y, COL_LEFT - 6, y + 4,
				   fmt_count(num, sizeof(num), t));
	}
	if (spec->y_title)
	{
		out_printf(r, "<text x=\"12\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\" "
				   "transform=\"rotate(-90 12 %.1f)\">", (COL_TOP + bottom) / 2, (COL_TOP + bottom) / 2);
		out_text(r, spec->y_title);
		out_raw(r, "</text>");
	}
	/* right axis: the line's range, in quarters */
	if (spec->line_name)
	{
		for (int q = 0; q <= 4; q++)
		{
			double		v = spec->line_min + (spec->line_max - spec->line_min) * q / 4;

			out_printf(r, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\">%.0f%s</text>",
					   col_right(c) + 6, line_y(c, v) + 4, v,
					   spec->line_unit ? spec->line_unit : "");
		}
	}
	out_printf(r, "<line x1=\"%d\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n",
			   COL_LEFT, col_right(c), bottom, bottom);
}

void
cols_point(Columns *c, const char *xlabel, const char *key, const double *vals,
		   double line, const char *detail)
{
	Report	   *r = c->r;
	double		bottom = col_height(c) - COL_BOTTOM;
	double		slot = (col_right(c) - COL_LEFT) / (c->spec.n > 0 ? c->spec.n : 1);
	double		barw = fmin(slot * 0.72, 56);
	double		cx = COL_LEFT + slot * (c->i + 0.5);
	double		y = bottom,
				total = 0;

	if (c->i >= c->spec.n)
		return;					/* more points than announced: a bug, drop it */
	for (int s = 0; s < c->spec.nseries; s++)
		total += isnan(vals[s]) ? 0 : vals[s];
	out_raw(r, "<g class=\"col\"");
	out_attr(r, "data-key", key);
	out_printf(r, " data-total=\"%.10g\"", total);
	if (c->spec.line_name && !isnan(line))
		out_printf(r, " data-line=\"%.10g\"", line);
	out_raw(r, ">");
	tooltip(r, xlabel, NULL, detail);
	/* a full-height target, so the tooltip shows wherever the column is */
	out_printf(r, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"hit\"/>",
			   cx - slot / 2, COL_TOP, slot, bottom - COL_TOP);
	for (int s = 0; s < c->spec.nseries; s++)
	{
		double		v = isnan(vals[s]) ? 0 : vals[s];
		double		h = (bottom - COL_TOP) * v / c->ymax;

		if (h <= 0)
			continue;
		y -= h;
		out_printf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"%s\"/>",
				   cx - barw / 2, y, barw, h, c->spec.classes[s]);
	}
	if (xlabel && c->i % c->label_every == 0)
	{
		out_printf(r, "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">", cx, bottom + 16);
		out_text_n(r, xlabel, 14);
		out_raw(r, "</text>");
	}
	out_raw(r, "</g>\n");
	c->x[c->i] = cx;
	c->top[c->i] = y;
	c->total[c->i] = total;
	c->line[c->i] = line;
	c->i++;
}

void
cols_end(Columns *c)
{
	Report	   *r = c->r;

	/*
	 * The line and the totals go over every bar: drawn with each column,
	 * the next column's bar would cover the segment leading to it.  The
	 * totals come last, with a halo (CSS), so that the line never hides
	 * one.
	 */
	if (c->spec.line_name)
	{
		bool		pen = false;

		out_raw(r, "<path class=\"line\" d=\"");
		for (int i = 0; i < c->i; i++)
		{
			if (isnan(c->line[i]))
			{
				pen = false;	/* a gap where there is no value */
				continue;
			}
			out_printf(r, "%c%.1f %.1f ", pen ? 'L' : 'M', c->x[i], line_y(c, c->line[i]));
			pen = true;
		}
		out_raw(r, "\"/>");
		for (int i = 0; i < c->i; i++)
			if (!isnan(c->line[i]))
				out_printf(r, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"dot\"/>",
						   c->x[i], line_y(c, c->line[i]));
		out_raw(r, "\n");
	}
	if (c->value_labels)
		for (int i = 0; i < c->i; i++)
		{
			char		num[32];

			if (c->total[i] > 0)
				out_printf(r, "<text x=\"%.1f\" y=\"%.1f\" class=\"colval\" text-anchor=\"middle\">%s</text>",
						   c->x[i], c->top[i] - 4, fmt_count(num, sizeof(num), c->total[i]));
		}
	out_raw(r, "</svg>\n");
	free(c->x);
	free(c->top);
	free(c->total);
	free(c->line);
	c->x = c->top = c->total = c->line = NULL;
}

/* ---- small charts ------------------------------------------------------- */

void
svg_minibars(Report *r, int n, const char *const *labels, const double *counts)
{
	double		max = 0;
	double		slot = n > 12 ? 180.0 / n : 15;
	int			width = (int) ceil(slot * n) + 2;

	for (int i = 0; i < n; i++)
		max = fmax(max, counts[i]);
	out_printf(r, "<svg class=\"mini\" viewBox=\"0 0 %d 46\" width=\"%d\" height=\"46\" "
			   "xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"answers per value\">",
			   width, width);
	for (int i = 0; i < n; i++)
	{
		double		h = max > 0 ? 30 * counts[i] / max : 0;
		char		num[32];

		out_raw(r, "<g><title>");
		out_text(r, labels[i]);
		out_printf(r, ": %s</title>", fmt_count(num, sizeof(num), counts[i]));
		out_printf(r, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" class=\"s-rating\"/>",
				   1 + i * slot + slot * 0.1, 32 - h, slot * 0.8, h < 1 && counts[i] > 0 ? 1 : h);
		if (n <= 12)
		{
			out_printf(r, "<text x=\"%.1f\" y=\"44\" class=\"minitick\" text-anchor=\"middle\">",
					   1 + (i + 0.5) * slot);
			out_text_n(r, labels[i], 3);
			out_raw(r, "</text>");
		}
		out_raw(r, "</g>");
	}
	out_raw(r, "</svg>");
}

void
svg_sparkline(Report *r, int n, const double *vals, const char *first, const char *last)
{
	double		lo = INFINITY,
				hi = -INFINITY;
	const double x0 = 40,
				x1 = 140,
				top = 6,
				bottom = 30;
	bool		pen = false;

	for (int i = 0; i < n; i++)
		if (!isnan(vals[i]))
		{
			lo = fmin(lo, vals[i]);
			hi = fmax(hi, vals[i]);
		}
	out_raw(r, "<svg class=\"mini\" viewBox=\"0 0 180 36\" width=\"180\" height=\"36\" "
			"xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"trend\">");
	if (isinf(lo))
	{
		out_raw(r, "</svg>");
		return;
	}
	if (hi - lo < 1e-9)
	{
		lo -= 1;
		hi += 1;
	}
	out_printf(r, "<text x=\"%.0f\" y=\"22\" class=\"minitick\" text-anchor=\"end\">", x0 - 5);
	out_text(r, first);
	out_printf(r, "</text><text x=\"%.0f\" y=\"22\" class=\"minitick\">", x1 + 5);
	out_text(r, last);
	out_raw(r, "</text><path class=\"line\" d=\"");
	for (int i = 0; i < n; i++)
	{
		double		x = n > 1 ? x0 + (x1 - x0) * i / (n - 1) : (x0 + x1) / 2;

		if (isnan(vals[i]))
		{
			pen = false;
			continue;
		}
		out_printf(r, "%c%.1f %.1f ", pen ? 'L' : 'M', x,
				   bottom - (bottom - top) * (vals[i] - lo) / (hi - lo));
		pen = true;
	}
	out_raw(r, "\"/>");
	for (int i = 0; i < n; i++)
	{
		double		x = n > 1 ? x0 + (x1 - x0) * i / (n - 1) : (x0 + x1) / 2;

		if (!isnan(vals[i]))
			out_printf(r, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2\" class=\"dot\"/>", x,
					   bottom - (bottom - top) * (vals[i] - lo) / (hi - lo));
	}
	out_raw(r, "</svg>");
}
