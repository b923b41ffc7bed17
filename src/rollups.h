/*-------------------------------------------------------------------------
 * rollups.h
 *	  Daily rollups kept current at ingest, so that per-day views read a
 *	  small table by a date range instead of every row of jimo.events.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_ROLLUPS_H
#define JIMO_ROLLUPS_H

#include "batch.h"

extern void jimo_rollups_write(JimoUnique *uniq, int nuniq);

#endif							/* JIMO_ROLLUPS_H */
