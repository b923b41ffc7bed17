/*-------------------------------------------------------------------------
 *
 * html.h
 *	  Writing the page: raw markup, escaped text, and number formats.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_REPORT_HTML_H
#define JIMO_REPORT_HTML_H

#include <stddef.h>

#include "report.h"

/* Markup we wrote ourselves; never pass database strings here. */
void		out_raw(Report *r, const char *s);
void		out_printf(Report *r, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/*
 * Any string that did not come from this program (titles, choices, names,
 * the --title option): escaped for HTML text and attribute values alike.
 * NULL writes nothing.
 */
void		out_text(Report *r, const char *s);

/* As out_text, but at most max_chars characters, then "…" if cut. */
void		out_text_n(Report *r, const char *s, size_t max_chars);

/* ` name="value"` with value escaped; nothing when value is NULL. */
void		out_attr(Report *r, const char *name, const char *value);

/*
 * Number formats shared by charts and tables.  Each writes into buf (size
 * at least 32) and returns it.  NaN (a NULL from the database) gives "–".
 */
char	   *fmt_count(char *buf, size_t size, double v);	/* 12 345 */
char	   *fmt_duration(char *buf, size_t size, double seconds);	/* 8 min 32 s */
char	   *fmt_signed(char *buf, size_t size, double v);	/* +11.9, -50.0 */

#endif							/* JIMO_REPORT_HTML_H */
