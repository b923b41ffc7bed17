/*-------------------------------------------------------------------------
 *
 * html.c
 *	  The page writer: markup, escaping, number formats.
 *
 * Every string from the database goes through out_text, which escapes the
 * five characters that matter in HTML text and in quoted attribute values
 * (so one function serves both) and also repairs what a browser would show
 * as garbage: bytes that are not UTF-8 (possible when the server's encoding
 * is SQL_ASCII, where client_encoding converts nothing) and control
 * characters become U+FFFD.  Inline SVG is parsed by the HTML parser, so
 * the same escaping holds inside <svg>.
 *
 * Write errors are remembered rather than reported at each call: the
 * caller checks once at the end (disk full shows up there, or at fclose).
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "html.h"

#define REPLACEMENT "\xEF\xBF\xBD"	/* U+FFFD */

static void
out_bytes(Report *r, const char *s, size_t n)
{
	if (n > 0 && fwrite(s, 1, n, r->out) != n)
		r->write_failed = true;
}

void
out_raw(Report *r, const char *s)
{
	out_bytes(r, s, strlen(s));
}

void
out_printf(Report *r, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	if (vfprintf(r->out, fmt, ap) < 0)
		r->write_failed = true;
	va_end(ap);
}

/*
 * Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs,
 * no surrogates, nothing above U+10FFFF), or 0 if there is none.
 */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF)
	{
		unsigned char lo = (c == 0xE0) ? 0xA0 : 0x80;
		unsigned char hi = (c == 0xED) ? 0x9F : 0xBF;

		if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4)
	{
		unsigned char lo = (c == 0xF0) ? 0x90 : 0x80;
		unsigned char hi = (c == 0xF4) ? 0x8F : 0xBF;

		if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

void
out_text_n(Report *r, const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *) s;
	const unsigned char *run = p;	/* start of bytes that need no escaping */
	size_t		chars = 0;

	if (s == NULL)
		return;
	while (*p)
	{
		const char *esc = NULL;
		size_t		len = utf8_len(p);

		if (chars == max_chars)
		{
			out_bytes(r, (const char *) run, p - run);
			out_raw(r, "\xE2\x80\xA6");	/* … */
			return;
		}
		chars++;
		switch (*p)
		{
			case '&':
				esc = "&amp;";
				break;
			case '<':
				esc = "&lt;";
				break;
			case '>':
				esc = "&gt;";
				break;
			case '"':
				esc = "&quot;";
				break;
			case '\'':
				esc = "&#39;";
				break;
			case '\t':
			case '\n':
			case '\r':
				break;
			default:
				/* controls, and bytes that start no valid sequence */
				if (*p < 0x20 || *p == 0x7F || len == 0)
					esc = REPLACEMENT;
				break;
		}
		if (esc)
		{
			out_bytes(r, (const char *) run, p - run);
			out_raw(r, esc);
			p += len ? len : 1;
			run = p;
		}
		else
			p += len;
	}
	out_bytes(r, (const char *) run, p - run);
}

void
out_text(Report *r, const char *s)
{
	out_text_n(r, s, (size_t) -1);
}

void
out_attr(Report *r, const char *name, const char *value)
{
	if (value == NULL)
		return;
	out_printf(r, " %s=\"", name);
	out_text(r, value);
	out_raw(r, "\"");
}

char *
fmt_count(char *buf, size_t size, double v)
{
	char		digits[32];
	size_t		n,
				o = 0;

	if (isnan(v))
	{
		snprintf(buf, size, "\xE2\x80\x93");	/* – */
		return buf;
	}
	snprintf(digits, sizeof(digits), "%.0f", fabs(v));
	n = strlen(digits);
	if (v < 0 && o + 1 < size)
		buf[o++] = '-';
	for (size_t i = 0; i < n && o + 4 < size; i++)
	{
		/*
		 * Groups of three from 10 000 up, separated by a narrow no-break
		 * space (U+202F, the SI style): neither "." nor "," is read the
		 * same way everywhere.
		 */
		if (n > 4 && i > 0 && (n - i) % 3 == 0)
		{
			memcpy(buf + o, "\xE2\x80\xAF", 3);
			o += 3;
		}
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char *
fmt_duration(char *buf, size_t size, double s)
{
	long		t;

	if (isnan(s))
	{
		snprintf(buf, size, "\xE2\x80\x93");
		return buf;
	}
	/* round first, so that 59.7 s is "1 min 0 s" and not "60 s" */
	t = lround(s);
	if (t < 60)
		snprintf(buf, size, "%ld s", t);
	else if (t < 3600)
		snprintf(buf, size, "%ld min %ld s", t / 60, t % 60);
	else if ((t = lround(s / 60)) < 24 * 60)
		snprintf(buf, size, "%ld h %ld min", t / 60, t % 60);
	else
		snprintf(buf, size, "%.1f d", s / 86400);
	return buf;
}

char *
fmt_signed(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "\xE2\x80\x93");
	else if (v == 0)
		snprintf(buf, size, "0.0");	/* not "+0.0" */
	else
		snprintf(buf, size, "%+.1f", v);
	return buf;
}
