/*-------------------------------------------------------------------------
 * digest.h
 *	  SHA-256 digests: the deduplication key of events and rejected bodies.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_DIGEST_H
#define JIMO_DIGEST_H

#include "postgres.h"
#include "common/sha2.h"
#include "utils/jsonb.h"

typedef struct JimoDigest
{
	uint8		bytes[PG_SHA256_DIGEST_LENGTH];
} JimoDigest;

extern void jimo_digest_bytes(const char *data, size_t len, JimoDigest *out);
extern void jimo_digest_jsonb(const Jsonb *jb, JimoDigest *out);
extern Datum jimo_digest_datum(const JimoDigest *d);

#endif							/* JIMO_DIGEST_H */
