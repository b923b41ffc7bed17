/*-------------------------------------------------------------------------
 * bulk.h
 *	  New events written the way COPY writes rows (bulk.c).
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_BULK_H
#define JIMO_BULK_H

#include "utils/relcache.h"

#include "batch.h"
#include "partitions.h"

extern bool jimo_bulk_store_new(JimoUnique *uniq, int n,
								const JimoMonthRef *months);
extern void jimo_require_dedup_key(Relation rel);

#endif							/* JIMO_BULK_H */
