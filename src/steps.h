/*-------------------------------------------------------------------------
 * steps.h
 *	  Survey steps and step journeys, kept current at ingest.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_STEPS_H
#define JIMO_STEPS_H

#include "batch.h"

extern void jimo_steps_write(JimoUnique *uniq, int nuniq);

#endif							/* JIMO_STEPS_H */
