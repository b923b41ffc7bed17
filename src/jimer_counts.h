/*-------------------------------------------------------------------------
 * jimer_counts.h
 *	  Keep jimo.jimer_journey_counts from the merged journeys of a chunk.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_JIMER_COUNTS_H
#define JIMO_JIMER_COUNTS_H

#include "executor/tuptable.h"
#include "journeys.h"

/*
 * The column of the journeys upsert's RETURNING list (after those of
 * JIMO_COHORT_MARKS_RETURNING) that jimo_jimer_counts_add reads: the merged
 * row's events of every stage.
 */
#define JIMO_JIMER_COUNTS_RETURNING \
	"starts + progress_events + completions + dismissals + views + likes + comments"

extern HTAB *jimo_jimer_counts_create(void);
extern void jimo_jimer_counts_add(HTAB *counts, TupleTableSlot *slot,
								  const JimoJourney *p);
extern void jimo_jimer_counts_write(HTAB *counts);

#endif							/* JIMO_JIMER_COUNTS_H */
