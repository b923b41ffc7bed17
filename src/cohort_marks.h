/*-------------------------------------------------------------------------
 * cohort_marks.h
 *	  Mark the funnel cohorts a chunk's journeys may have changed.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_COHORT_MARKS_H
#define JIMO_COHORT_MARKS_H

#include "executor/tuptable.h"
#include "journeys.h"

/* what the journeys upsert returns for jimo_cohort_marks_add, in this order */
#define JIMO_COHORT_MARKS_RETURNING \
	"experience_uid, jimer_uid, first_started_at, last_started_at, starts, " \
	"first_completed_at, last_completed_at, completions"

extern HTAB *jimo_cohort_marks_create(void);
extern void jimo_cohort_marks_add(HTAB *marks, TupleTableSlot *slot,
								  const JimoJourney *p);
extern void jimo_cohort_marks_write(HTAB *marks);

#endif							/* JIMO_COHORT_MARKS_H */
