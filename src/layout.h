/*-------------------------------------------------------------------------
 * layout.h
 *	  What the schema of this database looks like to ingest: which later
 *	  columns exist, and whether jimo.distribute() has put it on Citus.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_LAYOUT_H
#define JIMO_LAYOUT_H

#include "postgres.h"

typedef struct JimoLayout
{
	bool		jimer_key;		/* jimo.events has jimer_key (0.4 on) */
	bool		event_type;		/* jimo.experiences has event_type (0.10 on) */
	bool		distributed;	/* jimo.events is a Citus distributed table */
	uint32		generation;		/* changes whenever the three above may have */
} JimoLayout;

extern const JimoLayout *jimo_layout(void);

#endif							/* JIMO_LAYOUT_H */
