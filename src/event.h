/*-------------------------------------------------------------------------
 * event.h
 *	  One Jimo webhook event, validated and classified.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_EVENT_H
#define JIMO_EVENT_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"
#include "utils/uuid.h"

#include "digest.h"

/* objects that have a latest-state table of their own */
typedef enum JimoEntityKind
{
	JENT_EXPERIENCE,
	JENT_JIMER,
	JENT_USER,
	JENT_PROJECT,
	JIMO_NENTITIES
} JimoEntityKind;

/* what an interaction event means for a jimer's journey through an experience */
typedef enum JimoStage
{
	JSTAGE_NONE = -1,
	JSTAGE_STARTED,
	JSTAGE_PROGRESS,			/* a survey step answered or a checklist task done */
	JSTAGE_COMPLETED,
	JSTAGE_DISMISSED,
	JSTAGE_SEEN,
	JSTAGE_LIKED,
	JSTAGE_COMMENTED,
	JIMO_NSTAGES
} JimoStage;

/* which fact table an event adds a row to */
typedef enum JimoFactKind
{
	JFACT_NONE,
	JFACT_SURVEY_ANSWER,
	JFACT_CHECKLIST_TASK,
	JFACT_POST_COMMENT,
	JFACT_POST_LIKE,
	JIMO_NFACTS
} JimoFactKind;

/* the widest fact row (survey_answers, jimer_key included) */
#define JIMO_FACT_MAXCOLS 14

typedef struct JimoEvent
{
	Jsonb	   *payload;
	JimoDigest	digest;
	char	   *name;
	char	   *version;		/* NULL when absent */
	TimestampTz occurred_at;
	int			rank;			/* tie-break among equal times */
	JimoStage	stage;
	bool		deletes;		/* a *.deleted event */

	/* the objects the event mentions, with their validated uids */
	bool		has[JIMO_NENTITIES];
	pg_uuid_t	uid[JIMO_NENTITIES];
	JsonbValue *object[JIMO_NENTITIES];

	/* the fact row, column 0 (event_id) filled once the event is stored */
	JimoFactKind fact;
	Datum		fact_values[JIMO_FACT_MAXCOLS];
	bool		fact_nulls[JIMO_FACT_MAXCOLS];
} JimoEvent;

/* event.c */
extern void jimo_event_parse(Jsonb *payload, JimoEvent *ev);
extern int	jimo_rank_of(const char *name);
extern const pg_uuid_t *jimo_jimer_key(const JimoEvent *ev);

/* payload.c */
extern Jsonb *jimo_payload_parse(const char *body, int len);
extern const char *jimo_payload_text(const char *body, int len, int *text_len);

/* facts.c */
extern void jimo_fact_extract(JimoEvent *ev);

#endif							/* JIMO_EVENT_H */
