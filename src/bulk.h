/*-------------------------------------------------------------------------
 * bulk.h
 *	  New events written the way COPY writes rows (bulk.c).
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_BULK_H
#define JIMO_BULK_H

#include "batch.h"
#include "partitions.h"

extern bool jimo_bulk_store_new(JimoUnique *uniq, int n,
								const JimoMonthRef *months);

#endif							/* JIMO_BULK_H */
