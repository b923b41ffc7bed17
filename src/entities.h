/*-------------------------------------------------------------------------
 * entities.h
 *	  Latest-state tables: experiences, jimers, users, projects.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_ENTITIES_H
#define JIMO_ENTITIES_H

#include "columns.h"
#include "event.h"

/* the newest event seen for one object in a chunk, and what merges over all */
typedef struct JimoEntityState
{
	pg_uuid_t	uid;			/* hash key: must be first */
	JimoEvent  *winner;
	TimestampTz first_event_at;
	bool		deleted;
	TimestampTz deleted_at;
	const char *event_type;		/* least first part of the event names, */
	int			event_type_len;	/* not terminated (experiences only) */
} JimoEntityState;

extern JimoTable jimo_entity_tables[JIMO_NENTITIES];

extern bool jimo_entity_newer(const JimoEvent *a, const JimoEvent *b);
extern void jimo_entity_event_type(JimoEntityState *st, const JimoEvent *ev,
								   bool first);
extern void jimo_entity_row(JimoEntityKind kind, const JimoEntityState *st,
							Datum *values, bool *nulls);

/* the widest entity row (experiences) */
#define JIMO_ENTITY_MAXCOLS 21

#endif							/* JIMO_ENTITIES_H */
