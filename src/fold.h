/*-------------------------------------------------------------------------
 * fold.h
 *	  Fold a chunk's events into one in-memory entry per table key, then
 *	  hand the entries back in key order.
 *
 * Every derived table (latest states, journeys, rollups) is written the
 * same way: one entry per row the chunk touches, merged in memory first so
 * that each row is written once per chunk, and written in key order so that
 * concurrent sessions lock rows in the same order and cannot deadlock.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_FOLD_H
#define JIMO_FOLD_H

#include "postgres.h"
#include "utils/hsearch.h"

/* a hash of entrysize-byte entries keyed by their first keysize bytes */
extern HTAB *jimo_fold_create(const char *name, Size keysize, Size entrysize,
							  long nelem);

/*
 * The entries, sorted by cmp (which compares two pointers to entries);
 * *n is set to their number, NULL is returned when there are none.
 */
extern void **jimo_fold_sorted(HTAB *fold, int (*cmp) (const void *, const void *),
							   long *n);

#endif							/* JIMO_FOLD_H */
