/*-------------------------------------------------------------------------
 * rollups.h
 *	  Daily rollups kept current at ingest, so that per-day views read a
 *	  small table by a date range instead of every row of jimo.events.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_ROLLUPS_H
#define JIMO_ROLLUPS_H

#include "batch.h"
#include "utils/date.h"

extern void jimo_rollups_write(JimoUnique *uniq, int nuniq);

/* the UTC day of a time: the day boundaries every rollup is kept by */
extern DateADT jimo_utc_day(TimestampTz t);

/*
 * This session's writer slot (backend id modulo 16): a rollup row that every
 * session would write (today's delivery counts, a day's cohort mark) is
 * keyed by it too, so that concurrent sessions do not queue on one row lock.
 */
extern int16 jimo_writer_slot(void);

/*
 * health.c: the delivery_health rollup (jimo.delivery_days and
 * jimo.delivery_lags).  jimo_health_init defines the setting
 * jimo.delivery_rollup (from _PG_init); jimo_health_write counts a chunk's
 * events (uniq) and rejected bodies (runiq) once both are stored.
 */
extern void jimo_health_init(void);
extern bool jimo_health_rollup_on(void);
extern void jimo_health_write(JimoUnique *uniq, int nuniq,
							  JimoUnique *runiq, int nruniq);

#endif							/* JIMO_ROLLUPS_H */
