/*-------------------------------------------------------------------------
 * batch.h
 *	  Ingest of many webhook bodies in one call.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_BATCH_H
#define JIMO_BATCH_H

#include "postgres.h"
#include "utils/jsonb.h"

#include "digest.h"
#include "event.h"

typedef enum JimoStatus
{
	JSTATUS_PENDING,
	JSTATUS_STORED,
	JSTATUS_DUPLICATE,
	JSTATUS_REJECTED
} JimoStatus;

typedef struct JimoItem
{
	/* input: raw body bytes, or an already parsed jsonb */
	const char *body;
	int			len;
	bool		from_bytes;		/* must be checked as valid text first */
	const char *text;			/* the body as text in the database encoding
								 * (set by parsing: for bytes, converted) */
	int			text_len;
	Jsonb	   *jsonb;
	bool		parsed;			/* phase one done (jimo_batch_parse) */

	/* outcome */
	JimoStatus	status;
	int64		event_id;		/* for stored and duplicate */
	char	   *error;			/* for rejected */
	int			sqlerrcode;
	bool		body_is_text;	/* rejected body can be kept as text */
	JimoEvent  *ev;				/* the parsed event, unless rejected */
} JimoItem;

/*
 * Largest chunk handled in one go: bounds the memory a call uses whatever
 * the size of the array it is given (about 2 kB per event is kept until the
 * chunk is written).  Larger chunks fold more events into each
 * latest-state and journey row, so each row is written fewer times.
 */
#define JIMO_CHUNK_ITEMS 25000
#define JIMO_CHUNK_BYTES (32 * 1024 * 1024)

extern void jimo_batch_parse(JimoItem *items, int n, bool raise_errors);
extern void jimo_batch_run(JimoItem *items, int n, bool raise_errors);

/* store.c */
typedef struct JimoUnique
{
	JimoItem   *item;			/* first item with this digest */
	JimoDigest	digest;
	int			deliveries;		/* items with this digest in the chunk */
	bool		is_new;
	int64		event_id;
	TimestampTz first_received_at;	/* of a redelivered event: its first arrival */
	/* set when this event alone cannot be written: its items are rejected */
	char	   *error;
	int			sqlerrcode;
} JimoUnique;

extern void jimo_store_events(JimoUnique *uniq, int n);
extern void jimo_store_rejected(JimoUnique *uniq, int n);

#endif							/* JIMO_BATCH_H */
