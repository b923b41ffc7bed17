/*-------------------------------------------------------------------------
 *
 * probe.h
 *	  Lookups run as index probes from one plan kept for the session.
 *
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_PROBE_H
#define JIMO_PROBE_H

#include "executor/spi.h"

extern SPIPlanPtr jimo_prepare_probe(const char *sql, int nargs, Oid *argtypes);
extern int	jimo_execute_probe(SPIPlanPtr plan, Datum *args);
extern int	jimo_probe_begin(void);
extern void jimo_probe_end(int nestlevel);

#endif							/* JIMO_PROBE_H */
