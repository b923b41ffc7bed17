/*-------------------------------------------------------------------------
 * number_text.h
 *	  Refuse a body whose numbers would be too long written out as text.
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_NUMBER_TEXT_H
#define JIMO_NUMBER_TEXT_H

#include "utils/jsonb.h"

extern void jimo_check_number_text(Jsonb *jb, Size body_len);

#endif							/* JIMO_NUMBER_TEXT_H */
