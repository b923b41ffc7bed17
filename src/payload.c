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
 * A body that comes in as bytes (from the receiver) is JSON as sent over
 * HTTP, which is UTF-8 (RFC 8259, 8.1) whatever the database encoding.  It
 * must be valid UTF-8, and is converted to the database encoding before it
 * is parsed or kept as text; the bytes themselves are left as they are (a
 * rejected body's digest is that of its bytes).  Checked as text of the
 * database encoding instead, a UTF-8 body in a LATIN1 database was read byte
 * by byte ("Caf\xc3\xa9" stored as the five characters "CafÃ©", and as a
 * second event when the same body also came as text), and a SQL_ASCII
 * database took any bytes.  A character the database encoding cannot hold
 * rejects the body (22P05, from the conversion).  Returns the text and its
 * length: the bytes themselves in a UTF-8 database, else a palloc'd copy.
 */
const char *
jimo_payload_text(const char *body, int len, int *text_len)
{
	char	   *text;

	if (memchr(body, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("jimo: body contains a NUL byte"),
				 errhint("A JSON body cannot contain raw NUL bytes.")));
	if (!pg_verify_mbstr(PG_UTF8, body, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("jimo: body is not valid UTF8 text")));
	*text_len = len;
	if (GetDatabaseEncoding() == PG_UTF8)
		return body;
	text = pg_any_to_server(body, len, PG_UTF8);
	if (text != body)
		*text_len = strlen(text);
	return text;
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
