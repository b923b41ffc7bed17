/*-------------------------------------------------------------------------
 * journeys.h
 *	  jimo.journeys: one row per (experience, jimer), kept current at ingest.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_JOURNEYS_H
#define JIMO_JOURNEYS_H

#include "columns.h"
#include "event.h"
#include "utils/hsearch.h"

typedef struct JimoJourneyKey
{
	pg_uuid_t	experience_uid;
	pg_uuid_t	jimer_uid;
} JimoJourneyKey;

typedef struct JimoJourney
{
	JimoJourneyKey key;			/* hash key: must be first */
	TimestampTz first[JIMO_NSTAGES];
	TimestampTz last[JIMO_NSTAGES];
	int32		count[JIMO_NSTAGES];
} JimoJourney;

extern HTAB *jimo_journeys_create(int nelem);
extern void jimo_journeys_add(HTAB *journeys, const JimoEvent *ev);
extern void jimo_journeys_write(HTAB *journeys);

#endif							/* JIMO_JOURNEYS_H */
