/*-------------------------------------------------------------------------
 * subxact.h
 *	  Run a piece of work in a subtransaction of its own (subxact.c).
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_SUBXACT_H
#define JIMO_SUBXACT_H

#include "postgres.h"

/* the work: returns false to have it rolled back without an error */
typedef bool (*JimoSubxactWork) (void *arg);

extern bool jimo_subxact(JimoSubxactWork work, void *arg, ErrorData **error);

#endif							/* JIMO_SUBXACT_H */
