/*-------------------------------------------------------------------------
 * number_text.c
 *	  Refuse a body whose numbers would be too long written out as text.
 *
 * jsonb keeps a JSON number as a numeric, and writes it out in full:
 * 1e131071 is 8 bytes in a body and 131 072 characters in SELECT payload,
 * in pg_dump's COPY of the month, in every view that shows the raw answer.
 * One stored body of 8 200 of them made the payload over 1 GB as text, so
 * that reading jimo.events (or jimo.survey_responses, or jimo.experiences'
 * tags) failed with "out of memory", and pg_dump of the database with it
 * (an audit of 0.15).  A body whose numbers would write out to more than
 * twice its own length plus 1 MB is therefore rejected, alone and kept as
 * it came (text is never expanded).  One such number alone is still stored
 * (0.15 made the text the extension derives from it short, extract.c); what
 * is refused is the total.
 *
 * The length is bounded without writing anything: the digits after the
 * point are the numeric's scale, and those before it are bounded by
 * comparing the magnitude with powers of ten, so a body of ordinary
 * numbers costs one comparison and one header read per number.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "number_text.h"

/* what the numbers of a body may write out to beyond twice its length */
#define NUMBER_TEXT_SLACK (1024 * 1024)

/* powers of ten and the digits before the point of a number below each */
static const char *const power_text[] = {"1e40", "1e1000", "1e10000", "1e100000"};
static const int64 digits_below[] = {40, 1000, 10000, 100000};

/* a numeric above any of those has at most this many (NUMERIC_MAX_PRECISION is less) */
#define DIGITS_MAX 131072

static Datum powers[lengthof(power_text)];
static bool powers_made = false;

/* at least the length of numeric_out(num) */
static int64
number_text_bound(Numeric num)
{
	Datum		abs;
	int64		before = DIGITS_MAX;
	size_t		i;

	if (numeric_is_nan(num) || numeric_is_inf(num))
		return 9;				/* -Infinity; not JSON, but a jsonb may hold it */
	if (!powers_made)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		for (i = 0; i < lengthof(power_text); i++)
			powers[i] = DirectFunctionCall3(numeric_in, CStringGetDatum(power_text[i]),
											ObjectIdGetDatum(InvalidOid),
											Int32GetDatum(-1));
		MemoryContextSwitchTo(old);
		powers_made = true;
	}
	abs = DirectFunctionCall1(numeric_abs, NumericGetDatum(num));
	for (i = 0; i < lengthof(power_text); i++)
		if (DatumGetBool(DirectFunctionCall2(numeric_lt, abs, powers[i])))
		{
			before = digits_below[i];
			break;
		}
	/* sign, digits before the point, the point, the scale's digits */
	return 2 + before + DatumGetInt32(DirectFunctionCall1(numeric_scale,
														  NumericGetDatum(num)));
}

/*
 * Raise 54000 (program limit exceeded: the body is rejected alone, batch.c)
 * when the numbers of jb would write out to more than 2 * body_len + 1 MB.
 */
void
jimo_check_number_text(Jsonb *jb, Size body_len)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken r;
	int64		limit = 2 * (int64) body_len + NUMBER_TEXT_SLACK;
	int64		total = 0;

	it = JsonbIteratorInit(&jb->root);
	while ((r = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if ((r != WJB_VALUE && r != WJB_ELEM) || v.type != jbvNumeric)
			continue;
		total += number_text_bound(v.val.numeric);
		if (total > limit)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("jimo: the numbers of this body would be over %lld characters written out as text",
							(long long) limit),
					 errdetail("A number such as 1e131071 is a few bytes of JSON and as many digits as its exponent when PostgreSQL writes the payload as text (SELECT payload, pg_dump); stored, this body would make its month unreadable and unrestorable."),
					 errhint("The body is kept as it came in jimo.rejected.")));
	}
}
