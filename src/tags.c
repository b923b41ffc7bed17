/*-------------------------------------------------------------------------
 * tags.c
 *	  jimo.tag_names(jsonb): the names in an experience's tags array.
 *
 * Every per-experience view shows its tags, and jimo.journey_conversions
 * shows them on each of its rows (one per jimer and experience).  As a SQL
 * function with an aggregate it could not be inlined, so each row paid a
 * SQL function call (about 5 us; 2.3 of the 2.5 s of a read of
 * journey_conversions at 1M events).  This is the same function in C.
 *
 * Same result as the SQL it replaces, for every input:
 *	 SELECT array_agg(t.tag ->> 'name' ORDER BY t.ord)
 *	   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(tags) = 'array'
 *									  THEN tags END) WITH ORDINALITY t(tag, ord)
 *	  WHERE t.tag ->> 'name' IS NOT NULL
 * that is: NULL unless tags is an array; each element that is an object
 * with a non-null "name" gives that value as ->> gives it (a string as is,
 * anything else as its JSON text), in array order; NULL when none does.
 * Except numbers beyond 1e40 or below 1e-40, written in exponent form
 * rather than with every digit (0.15: one body's tags made a text array
 * over 1 GB, and every view that shows tags failed).
 *
 * jimo.json_text(jsonb) is ->> with the same bound, for experience_tags.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "extract.h"

/*
 * The text of a JSON value as ->> gives it (jsonb_object_field_text), but
 * for numbers beyond 1e40 or below 1e-40, which are written in exponent form
 * (jimo_numeric_cstring) instead of expanded to as many digits.
 */
static text *
value_text(JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			return cstring_to_text_with_len(v->val.string.val, v->val.string.len);
		case jbvNumeric:
			/* bounded: a number in exponent form must not expand (extract.c) */
			return cstring_to_text(jimo_numeric_cstring(v->val.numeric));
		case jbvBool:
			return cstring_to_text(v->val.boolean ? "true" : "false");
		case jbvBinary:
			{
				StringInfoData buf;

				initStringInfo(&buf);
				(void) JsonbToCString(&buf, v->val.binary.data, v->val.binary.len);
				return cstring_to_text_with_len(buf.data, buf.len);
			}
		default:
			/* jbvNull is filtered out by the caller; nothing else is stored */
			elog(ERROR, "jimo.tag_names: unexpected jsonb value type %d", (int) v->type);
			return NULL;		/* keep compiler quiet */
	}
}

PG_FUNCTION_INFO_V1(jimo_tag_names);
Datum
jimo_tag_names(PG_FUNCTION_ARGS)
{
	Jsonb	   *tags = PG_GETARG_JSONB_P(0);
	ArrayBuildState *names = NULL;
	uint32		n;
	uint32		i;

	if (!JB_ROOT_IS_ARRAY(tags) || JB_ROOT_IS_SCALAR(tags))
		PG_RETURN_NULL();

	n = JB_ROOT_COUNT(tags);
	for (i = 0; i < n; i++)
	{
		JsonbValue *tag = getIthJsonbValueFromContainer(&tags->root, i);
		JsonbValue	name;

		if (tag == NULL || tag->type != jbvBinary ||
			!JsonContainerIsObject(tag->val.binary.data))
			continue;
		if (getKeyJsonValueFromContainer(tag->val.binary.data, "name", 4, &name) == NULL ||
			name.type == jbvNull)
			continue;
		names = accumArrayResult(names, PointerGetDatum(value_text(&name)), false,
								 TEXTOID, CurrentMemoryContext);
	}
	if (names == NULL)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(makeArrayResult(names, CurrentMemoryContext));
}

/*
 * jimo.json_text(value jsonb): what ->> gives for a value already extracted
 * with ->, with numbers bounded as in tag_names (experience_tags reads tag
 * uids and names with it: ->> made 131 072 digits of text of the 9 bytes of
 * 1e131071, for every tag of every read).  NULL for JSON null.
 */
PG_FUNCTION_INFO_V1(jimo_json_text);
Datum
jimo_json_text(PG_FUNCTION_ARGS)
{
	Jsonb	   *value = PG_GETARG_JSONB_P(0);
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(value))
	{
		if (!JsonbExtractScalar(&value->root, &v) || v.type == jbvNull)
			PG_RETURN_NULL();
	}
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &value->root;
		v.val.binary.len = VARSIZE(value) - VARHDRSZ;
	}
	PG_RETURN_TEXT_P(value_text(&v));
}
