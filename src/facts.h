/*-------------------------------------------------------------------------
 * facts.h
 *	  Fact tables: one row per stored event that carries a sub-object.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_FACTS_H
#define JIMO_FACTS_H

#include "columns.h"
#include "event.h"

/* indexed by JimoFactKind; the JFACT_NONE entry is unused */
extern JimoTable jimo_fact_tables[JIMO_NFACTS];

#endif							/* JIMO_FACTS_H */
