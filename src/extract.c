/*-------------------------------------------------------------------------
 * extract.c
 *	  Tolerant readers of jsonb values into typed Datums.
 *
 * Everything here returns "not available" rather than raising: Jimo's
 * documentation and its examples disagree on several types (a title said to
 * be a number, a time said to be a string), so every reader accepts the
 * plausible spellings and otherwise leaves the typed column NULL.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "digest.h"
#include "extract.h"

/* longest string we try to read as a number or a date */
#define JIMO_MAX_SCALAR_LEN 64

JsonbValue *
jimo_get(JsonbContainer *obj, const char *key)
{
	JsonbValue *v;

	if (obj == NULL)
		return NULL;
	v = getKeyJsonValueFromContainer(obj, key, strlen(key), NULL);
	if (v != NULL && v->type == jbvNull)
		return NULL;
	return v;
}

JsonbValue *
jimo_get_any(JsonbContainer *obj, const char *const *keys)
{
	for (; *keys != NULL; keys++)
	{
		JsonbValue *v = jimo_get(obj, *keys);

		if (v != NULL)
			return v;
	}
	return NULL;
}

JsonbContainer *
jimo_as_object(JsonbValue *v)
{
	if (v != NULL && v->type == jbvBinary &&
		JsonContainerIsObject(v->val.binary.data))
		return v->val.binary.data;
	return NULL;
}

JsonbContainer *
jimo_as_array(JsonbValue *v)
{
	if (v != NULL && v->type == jbvBinary &&
		JsonContainerIsArray(v->val.binary.data))
		return v->val.binary.data;
	return NULL;
}

Datum
jimo_jsonb_datum(JsonbValue *v)
{
	return JsonbPGetDatum(JsonbValueToJsonb(v));
}

/*
 * The text of a JSON number: what numeric_out writes, unless the number is
 * so large or so small that it would be far longer than it was in the body.
 * 1e131071 is 9 bytes of JSON and 131 072 digits from numeric_out, so a
 * body of a few kilobytes made hundreds of megabytes of answer text, and
 * tag names of one stored body made every view that shows tags fail (a
 * text array over 1 GB).  Beyond 1e40 and below 1e-40 (nothing a person
 * types as a rating, a tag or a label) the number is written in exponent
 * form with at most 16 significant digits, which numeric_out_sci computes
 * without expanding it; so no number turns into more than about 45 bytes.
 */
char *
jimo_numeric_cstring(Numeric num)
{
	static Datum big = (Datum) 0;
	static Datum small;
	static Datum zero;
	Datum		abs;
	char	   *s;
	char	   *e;
	char	   *m;

	if (big == (Datum) 0)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		small = DirectFunctionCall3(numeric_in, CStringGetDatum("1e-40"),
									ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		zero = DirectFunctionCall3(numeric_in, CStringGetDatum("0"),
								   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		big = DirectFunctionCall3(numeric_in, CStringGetDatum("1e40"),
								  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		MemoryContextSwitchTo(old);
	}
	if (numeric_is_nan(num) || numeric_is_inf(num))
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
	abs = DirectFunctionCall1(numeric_abs, NumericGetDatum(num));
	if (!DatumGetBool(DirectFunctionCall2(numeric_ge, abs, big)) &&
		(DatumGetBool(DirectFunctionCall2(numeric_ge, abs, small)) ||
		 DatumGetBool(DirectFunctionCall2(numeric_eq, abs, zero))))
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));

	/* d.ddddddddddddddde+N, less the mantissa's trailing zeros */
	s = numeric_out_sci(num, 15);
	e = strchr(s, 'e');
	if (e == NULL)
		return s;
	for (m = e; m > s && m[-1] == '0'; m--)
		;
	if (m > s && m[-1] == '.')
		m--;
	memmove(m, e, strlen(e) + 1);
	return s;
}

char *
jimo_cstring(JsonbValue *v)
{
	if (v == NULL)
		return NULL;
	switch (v->type)
	{
		case jbvString:
			return pnstrdup(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			return jimo_numeric_cstring(v->val.numeric);
		case jbvBool:
			return pstrdup(v->val.boolean ? "true" : "false");
		default:
			return NULL;
	}
}

bool
jimo_text(JsonbValue *v, Datum *out)
{
	if (v != NULL && v->type == jbvString)
	{
		*out = PointerGetDatum(cstring_to_text_with_len(v->val.string.val,
														v->val.string.len));
		return true;
	}
	else
	{
		char	   *s = jimo_cstring(v);

		if (s == NULL)
			return false;
		*out = CStringGetTextDatum(s);
		return true;
	}
}

bool
jimo_key_text(JsonbValue *v, Datum *out)
{
	text	   *t;
	JimoDigest	d;
	char		hex[sizeof(JIMO_KEY_DIGEST_PREFIX) + 2 * sizeof(d.bytes)];

	if (!jimo_text(v, out))
		return false;
	t = DatumGetTextPP(*out);
	if (VARSIZE_ANY_EXHDR(t) <= JIMO_MAX_KEY_BYTES)
		return true;
	jimo_digest_bytes(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), &d);
	strcpy(hex, JIMO_KEY_DIGEST_PREFIX);
	hex_encode((const char *) d.bytes, sizeof(d.bytes),
			   hex + strlen(JIMO_KEY_DIGEST_PREFIX));
	hex[sizeof(hex) - 1] = '\0';
	*out = CStringGetTextDatum(hex);
	return true;
}

bool
jimo_bool(JsonbValue *v, Datum *out)
{
	bool		b;

	if (v == NULL)
		return false;
	if (v->type == jbvBool)
		b = v->val.boolean;
	else if (v->type != jbvString ||
			 !parse_bool_with_len(v->val.string.val, v->val.string.len, &b))
		return false;
	*out = BoolGetDatum(b);
	return true;
}

bool
jimo_is_decimal(const char *s)
{
	bool		digits = false;

	if (*s == '-')
		s++;
	while (isdigit((unsigned char) *s))
		s++, digits = true;
	if (*s == '.')
	{
		s++;
		digits = false;
		while (isdigit((unsigned char) *s))
			s++, digits = true;
	}
	return digits && *s == '\0';
}

/* a number, or a string holding a plain decimal number, as a C string */
static char *
decimal_cstring(JsonbValue *v)
{
	char	   *s;

	if (v == NULL || (v->type != jbvNumeric && v->type != jbvString))
		return NULL;
	if (v->type == jbvString && v->val.string.len > JIMO_MAX_SCALAR_LEN)
		return NULL;
	s = jimo_cstring(v);
	if (v->type == jbvString && !jimo_is_decimal(s))
		return NULL;
	return s;
}

bool
jimo_numeric(JsonbValue *v, Datum *out)
{
	char	   *s;

	if (v != NULL && v->type == jbvNumeric)
	{
		*out = NumericGetDatum(v->val.numeric);
		return true;
	}
	s = decimal_cstring(v);
	if (s == NULL)
		return false;
	*out = DirectFunctionCall3(numeric_in, CStringGetDatum(s),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	return true;
}

bool
jimo_int4(JsonbValue *v, Datum *out)
{
	char	   *s = decimal_cstring(v);
	char	   *end;
	long		n;

	/* integers only, and short enough that strtol cannot overflow */
	if (s == NULL || strchr(s, '.') != NULL || strlen(s) > 11)
		return false;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || n < PG_INT32_MIN || n > PG_INT32_MAX)
		return false;
	*out = Int32GetDatum((int32) n);
	return true;
}

/*
 * An ISO-8601 date string through PostgreSQL's own date/time parser.  Words
 * are refused first: "now" or "today" would be read at ingest time and make
 * the result depend on when an event arrived.
 */
static bool
parse_iso_timestamptz(const char *str, TimestampTz *result)
{
	char		workbuf[MAXDATELEN + MAXDATEFIELDS];
	char	   *field[MAXDATEFIELDS];
	int			ftype[MAXDATEFIELDS];
	int			nf;
	int			dtype;
	int			tz;
	fsec_t		fsec;
	struct pg_tm tt;
	const char *p;
	int			saved_order;

	if (!isdigit((unsigned char) str[0]))
		return false;
	for (p = str; *p; p++)
		if (!isdigit((unsigned char) *p) && strchr("-:.+TtZz ", *p) == NULL)
			return false;
	/*
	 * Without an offset the time is UTC (what Jimo sends), not the ingesting
	 * session's TimeZone: the stored value must not depend on which session
	 * stored it.  DecodeDateTime() refuses a zone when given no place for it,
	 * so a first pass without one tells whether the string has one.
	 * DecodeDateTime() may write into the fields: parse again for each pass.
	 */
	if (ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype,
					  MAXDATEFIELDS, &nf) != 0)
		return false;

	/*
	 * Nor on the session's DateStyle: DecodeDateTime() reads fields whose
	 * order is ambiguous ("01-02-03", "01-02-2025") in its field order, so
	 * that the same body stored 2025-01-02 under MDY and 2025-02-01 under
	 * DMY.  Always year first, ISO-8601's order: an ISO date reads the same,
	 * "01-02-2025" is not a date.
	 */
	saved_order = DateOrder;
	DateOrder = DATEORDER_YMD;
	PG_TRY();
	{
		if (DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, NULL) == 0)
			tz = 0;
		else if (ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype,
							   MAXDATEFIELDS, &nf) != 0 ||
				 DecodeDateTime(field, ftype, nf, &dtype, &tt, &fsec, &tz) != 0)
			dtype = -1;
	}
	PG_FINALLY();
	{
		DateOrder = saved_order;
	}
	PG_END_TRY();
	if (dtype != DTK_DATE)
		return false;
	if (tm2timestamp(&tt, fsec, &tz, result) != 0)
		return false;
	return IS_VALID_TIMESTAMP(*result);
}

bool
jimo_epoch_timestamptz(double value, TimestampTz *result)
{
	double		usecs;

	if (isnan(value) || isinf(value) || value <= 0)
		return false;
	/* Jimo documents a unix timestamp; its examples are in milliseconds */
	usecs = value < 1e11 ? value * 1e6 : value * 1e3;
	usecs -= (double) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * USECS_PER_DAY;
	usecs = rint(usecs);
	if (!(usecs >= (double) MIN_TIMESTAMP && usecs < (double) END_TIMESTAMP))
		return false;
	*result = (TimestampTz) usecs;
	return true;
}

bool
jimo_epoch(JsonbValue *v, TimestampTz *out)
{
	char	   *s = decimal_cstring(v);

	return s != NULL && jimo_epoch_timestamptz(strtod(s, NULL), out);
}

bool
jimo_timestamptz(JsonbValue *v, Datum *out)
{
	TimestampTz ts;

	if (v == NULL)
		return false;
	if (!jimo_epoch(v, &ts))
	{
		char	   *s;

		if (v->type != jbvString || v->val.string.len > JIMO_MAX_SCALAR_LEN)
			return false;
		s = pnstrdup(v->val.string.val, v->val.string.len);
		if (!parse_iso_timestamptz(s, &ts))
			return false;
	}
	*out = TimestampTzGetDatum(ts);
	return true;
}

char *
jimo_describe(JsonbValue *v)
{
	const int	maxlen = 60;
	char	   *s;

	if (v == NULL || v->type == jbvNull)
		return pstrdup("null");
	switch (v->type)
	{
		case jbvString:
			/* clip on a character boundary: the message must stay valid text */
			s = pnstrdup(v->val.string.val,
						 pg_mbcliplen(v->val.string.val, v->val.string.len,
									  maxlen));
			return psprintf("\"%s%s\"", s,
							v->val.string.len > maxlen ? "..." : "");
		case jbvNumeric:
		case jbvBool:
			s = jimo_cstring(v);
			if (strlen(s) > maxlen)
				return psprintf("%.*s...", maxlen, s);
			return s;
		case jbvBinary:
			return pstrdup(JsonContainerIsObject(v->val.binary.data) ?
						   "an object" : "an array");
		default:
			return pstrdup("a value");
	}
}
