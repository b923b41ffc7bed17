/*-------------------------------------------------------------------------
 * partitions.h
 *	  Monthly partitions and the retention horizon, ahead of each write.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_PARTITIONS_H
#define JIMO_PARTITIONS_H

#include "postgres.h"
#include "datatype/timestamp.h"

extern TimestampTz jimo_partitions_prepare(TimestampTz *times, int n);
extern bool jimo_events_partitions(const TimestampTz *times, int n,
								   int *parts, Oid *relids);

#endif							/* JIMO_PARTITIONS_H */
