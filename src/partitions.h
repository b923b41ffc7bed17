/*-------------------------------------------------------------------------
 * partitions.h
 *	  Monthly partitions and the retention horizon, ahead of each write.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_PARTITIONS_H
#define JIMO_PARTITIONS_H

#include "datatype/timestamp.h"

extern TimestampTz jimo_partitions_prepare(TimestampTz *times, int n);

#endif							/* JIMO_PARTITIONS_H */
