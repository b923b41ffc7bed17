/*-------------------------------------------------------------------------
 * partitions.h
 *	  Monthly partitions and the retention horizon, ahead of each write.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_PARTITIONS_H
#define JIMO_PARTITIONS_H

#include "postgres.h"
#include "datatype/timestamp.h"

/*
 * An event of a chunk and the month (partition) of jimo.events it belongs
 * to; sorted by jimo_month_ref_cmp, events go month by month and, within a
 * month, in chunk (digest) order: the order every session writes and locks
 * in, so that sessions wait for each other in one order.
 */
typedef struct JimoMonthRef
{
	int			part;			/* partition, in month order */
	int			index;			/* in the chunk, so in digest order */
	Oid			relid;
} JimoMonthRef;

extern int	jimo_month_ref_cmp(const void *a, const void *b);

/*
 * New months one transaction may create (about 44 locks each, held until
 * commit; see partitions.c): 64 take a third of PostgreSQL's default lock
 * table.
 */
#define JIMO_MAX_NEW_MONTHS 64

extern TimestampTz jimo_partitions_prepare(TimestampTz *times, int n,
										   bool *deferred);
extern void jimo_partitions_missing(const TimestampTz *times, int n,
									bool *missing);
extern bool jimo_events_partitions(const TimestampTz *times, int n,
								   int *parts, Oid *relids);

#endif							/* JIMO_PARTITIONS_H */
