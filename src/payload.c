/*-------------------------------------------------------------------------
 * payload.c
 *	  From request body bytes to jsonb.
 *
 * The JSON parser is PostgreSQL's own (jsonb_in): it bounds recursion with
 * check_stack_depth(), refuses \u0000 and broken surrogate pairs, and
 * produces the canonical binary form that the digest is computed on.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "parser/scansup.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"

#include "event.h"

/*
 * Bodies that come in as bytes (from the receiver) must be valid text in the
 * database encoding before they can be parsed or stored as text.
 */
void
jimo_payload_check_bytes(const char *body, int len)
{
	if (memchr(body, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("jimo: body contains a NUL byte"),
				 errhint("A JSON body cannot contain raw NUL bytes.")));
	if (!pg_verify_mbstr(GetDatabaseEncoding(), body, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("jimo: body is not valid %s text",
						GetDatabaseEncodingName())));
}

Jsonb *
jimo_payload_parse(const char *body, int len)
{
	int			i;

	for (i = 0; i < len; i++)
		if (!scanner_isspace(body[i]))
			break;
	if (i == len)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("jimo: body is empty"),
				 errhint("Jimo sends one JSON object per request.")));

	return DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
											  CStringGetDatum(pnstrdup(body, len))));
}
