/*-------------------------------------------------------------------------
 *
 * ops.h
 *	  The operations listener: /healthz, /readyz and /metrics.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RECEIVER_OPS_H
#define RECEIVER_OPS_H

#include <stdbool.h>

/* true also when --ops-listen is off (then nothing is started) */
extern bool ops_start(void);
extern void ops_stop(void);

#endif							/* RECEIVER_OPS_H */
