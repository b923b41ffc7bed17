/*-------------------------------------------------------------------------
 * step_scales.h
 *	  jimo.survey_step_stats: the scale each survey step is answered on,
 *	  kept current at ingest.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_STEP_SCALES_H
#define JIMO_STEP_SCALES_H

#include "batch.h"

extern void jimo_step_scales_write(JimoUnique *uniq, int nuniq);

#endif							/* JIMO_STEP_SCALES_H */
