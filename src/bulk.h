/*-------------------------------------------------------------------------
 * bulk.h
 *	  New events written the way COPY writes rows (bulk.c).
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_BULK_H
#define JIMO_BULK_H

#include "batch.h"

extern bool jimo_bulk_store_new(JimoUnique *uniq, int n);

#endif							/* JIMO_BULK_H */
