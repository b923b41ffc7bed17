/*-------------------------------------------------------------------------
 * digest.c
 *	  SHA-256 digests with PostgreSQL's own cryptohash implementation.
 *
 * Jimo sends no event id, so an event is identified by its content.  The
 * content is hashed in jsonb's binary form, which is canonical: object keys
 * are sorted and de-duplicated and whitespace is gone, so a redelivery that
 * differs only in key order or spacing gets the same digest.  The binary
 * form is also jsonb's on-disk format, which PostgreSQL keeps stable across
 * major versions (pg_upgrade relies on it), so digests stay comparable.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "utils/builtins.h"

#include "digest.h"

void
jimo_digest_bytes(const char *data, size_t len, JimoDigest *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL ||
		pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_cryptohash_final(ctx, out->bytes, sizeof(out->bytes)) < 0)
	{
		const char *why = ctx ? pg_cryptohash_error(ctx) : "out of memory";

		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("jimo: could not compute SHA-256 digest: %s", why)));
	}
	pg_cryptohash_free(ctx);
}

void
jimo_digest_jsonb(const Jsonb *jb, JimoDigest *out)
{
	jimo_digest_bytes((const char *) &jb->root, VARSIZE(jb) - VARHDRSZ, out);
}

Datum
jimo_digest_datum(const JimoDigest *d)
{
	bytea	   *b = palloc(VARHDRSZ + sizeof(d->bytes));

	SET_VARSIZE(b, VARHDRSZ + sizeof(d->bytes));
	memcpy(VARDATA(b), d->bytes, sizeof(d->bytes));
	return PointerGetDatum(b);
}
