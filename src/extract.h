/*-------------------------------------------------------------------------
 * extract.h
 *	  Tolerant readers of jsonb values into typed Datums.
 *
 * Descriptive fields (titles, dates, flags, ...) are read leniently: a
 * value of an unexpected type yields SQL NULL, never an error, because the
 * whole object is kept as jsonb anyway and a later version can re-derive
 * it.  Only identity fields are strict (see event.c).
 *-------------------------------------------------------------------------
 */
#ifndef JIMO_EXTRACT_H
#define JIMO_EXTRACT_H

#include "postgres.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

/* the value of key in an object container, or NULL; JSON null counts as absent */
extern JsonbValue *jimo_get(JsonbContainer *obj, const char *key);

/* the first of several keys that is present */
extern JsonbValue *jimo_get_any(JsonbContainer *obj, const char *const *keys);

/* the container of an object value, or NULL when v is not an object */
extern JsonbContainer *jimo_as_object(JsonbValue *v);

/* the container of an array value, or NULL when v is not an array */
extern JsonbContainer *jimo_as_array(JsonbValue *v);

/* a copy of any value (scalar or container) as a Jsonb datum */
extern Datum jimo_jsonb_datum(JsonbValue *v);

/*
 * Longest sub-object id (step, task, comment uid) kept as sent.  These ids
 * are keys of btree indexes and primary keys, which cannot hold an entry of
 * more than about 2.7 kB; a longer one would fail the whole write.
 */
#define JIMO_MAX_KEY_BYTES 512
#define JIMO_KEY_DIGEST_PREFIX "sha256:"

/*
 * A sub-object id as text, read like jimo_text(); one longer than
 * JIMO_MAX_KEY_BYTES becomes "sha256:" and the hex SHA-256 of its text, which
 * still tells ids apart and groups equal ones (the payload keeps the id).
 */
extern bool jimo_key_text(JsonbValue *v, Datum *out);

/* lenient conversions: return false (and leave *out alone) when not possible */
extern bool jimo_text(JsonbValue *v, Datum *out);
extern char *jimo_cstring(JsonbValue *v);
extern char *jimo_numeric_cstring(Numeric num);
extern bool jimo_bool(JsonbValue *v, Datum *out);
extern bool jimo_numeric(JsonbValue *v, Datum *out);
extern bool jimo_int4(JsonbValue *v, Datum *out);
extern bool jimo_timestamptz(JsonbValue *v, Datum *out);
extern bool jimo_epoch_timestamptz(double value, TimestampTz *result);

/* a unix time in seconds or milliseconds, as a number or a numeric string */
extern bool jimo_epoch(JsonbValue *v, TimestampTz *out);

/* a short printable rendering of a value for error messages */
extern char *jimo_describe(JsonbValue *v);

/* true when s is a plain decimal number: digits, optional fraction */
extern bool jimo_is_decimal(const char *s);

#endif							/* JIMO_EXTRACT_H */
