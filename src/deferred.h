/*-------------------------------------------------------------------------
 * deferred.h
 *	  Bodies whose month a transaction could not create, stored when sent
 *	  again as if they had been stored on their first delivery.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_DEFERRED_H
#define JIMO_DEFERRED_H

#include "batch.h"

extern void jimo_deferred_retry(JimoItem *items, int n);

#endif							/* JIMO_DEFERRED_H */
