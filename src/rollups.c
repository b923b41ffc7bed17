/*-------------------------------------------------------------------------
 * rollups.c
 *	  jimo.seen_days: one row per (UTC day, experience, jimer) with *.seen
 *	  events, kept current at ingest.
 *
 * experience_reach_daily used to count the *.seen events of every day from
 * jimo.events, reading the whole table on every refresh.  Here each chunk's
 * new *.seen events are folded in memory into one row per day, experience
 * and jimer, and merged into the table with LEAST, GREATEST and +, as
 * journeys are: only stored (hence distinct) events count, so redeliveries
 * change nothing, and the merge does not depend on the order in which
 * events arrive or how they are split into calls.
 *
 * Days are UTC days.  A rollup has to fix its day boundaries when it is
 * written, and only a fixed zone lets the view turn a date filter into a
 * range of the primary key, which starts with the day for that reason.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "columns.h"
#include "rollups.h"

typedef struct SeenDayKey
{
	DateADT		day;
	pg_uuid_t	experience_uid;
	pg_uuid_t	jimer_uid;
} SeenDayKey;

typedef struct SeenDay
{
	SeenDayKey	key;			/* hash key: must be first */
	TimestampTz first_seen_at;
	TimestampTz last_seen_at;
	int32		views;
	const char *prefix;			/* smallest event name prefix, e.g. "hint" */
} SeenDay;

static const JimoColumn seen_day_cols[] = {
	{"day", DATEOID, JCOL_KEY, NULL},
	{"experience_uid", UUIDOID, JCOL_KEY, NULL},
	{"jimer_uid", UUIDOID, JCOL_KEY, NULL},
	{"views", INT4OID, JCOL_SUM, NULL},
	{"first_seen_at", TIMESTAMPTZOID, JCOL_MIN, NULL},
	{"last_seen_at", TIMESTAMPTZOID, JCOL_MAX, NULL},
	{"event_prefix", TEXTOID, JCOL_MIN, NULL},
};

static JimoTable seen_days_table = {
	"jimo.seen_days", seen_day_cols, lengthof(seen_day_cols),
	JCONFLICT_MERGE, NULL, NULL, NULL
};

/* the key's field order (day first) is the table's, and so the lock order */
static int
seen_day_cmp(const void *a, const void *b)
{
	const SeenDayKey *ka = &(*(SeenDay *const *) a)->key;
	const SeenDayKey *kb = &(*(SeenDay *const *) b)->key;
	int			c;

	if (ka->day != kb->day)
		return ka->day < kb->day ? -1 : 1;
	c = memcmp(&ka->experience_uid, &kb->experience_uid, sizeof(pg_uuid_t));
	if (c != 0)
		return c;
	return memcmp(&ka->jimer_uid, &kb->jimer_uid, sizeof(pg_uuid_t));
}

/* the UTC day of an event time, by PostgreSQL's own timestamp -> date cast */
static DateADT
utc_day(TimestampTz t)
{
	return DatumGetDateADT(DirectFunctionCall1(timestamp_date,
											   TimestampGetDatum(t)));
}

static void
fold_seen(HTAB *days, const JimoEvent *ev)
{
	SeenDayKey	key;
	SeenDay    *d;
	bool		found;
	const char *dot = strchr(ev->name, '.');
	char	   *prefix = pnstrdup(ev->name, dot ? (Size) (dot - ev->name) : strlen(ev->name));

	memset(&key, 0, sizeof(key));
	key.day = utc_day(ev->occurred_at);
	key.experience_uid = ev->uid[JENT_EXPERIENCE];
	key.jimer_uid = ev->uid[JENT_JIMER];
	d = hash_search(days, &key, HASH_ENTER, &found);
	if (!found)
	{
		d->first_seen_at = d->last_seen_at = ev->occurred_at;
		d->views = 0;
		d->prefix = prefix;
	}
	d->first_seen_at = Min(d->first_seen_at, ev->occurred_at);
	d->last_seen_at = Max(d->last_seen_at, ev->occurred_at);
	d->views++;
	if (strcmp(prefix, d->prefix) < 0)
		d->prefix = prefix;
}

void
jimo_rollups_write(JimoUnique *uniq, int nuniq)
{
	HASHCTL		ctl;
	HTAB	   *days;
	HASH_SEQ_STATUS seq;
	SeenDay    *d;
	SeenDay   **sorted;
	JimoRows	rows;
	long		n;
	long		i;

	/*
	 * A database still at 0.1 (the new library installed, ALTER EXTENSION
	 * UPDATE not yet run) has no rollup table; its events are folded in by
	 * the upgrade script, which fills the table from jimo.events.
	 */
	if (!OidIsValid(get_relname_relid("seen_days",
									  get_namespace_oid("jimo", false))))
		return;

	ctl.keysize = sizeof(SeenDayKey);
	ctl.entrysize = sizeof(SeenDay);
	ctl.hcxt = CurrentMemoryContext;
	days = hash_create("jimo seen days", 64, &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	/* the events journeys count as views: the same set, so the same totals */
	for (i = 0; i < nuniq; i++)
	{
		const JimoEvent *ev = uniq[i].item->ev;

		if (uniq[i].is_new && ev->stage == JSTAGE_SEEN &&
			ev->has[JENT_EXPERIENCE] && ev->has[JENT_JIMER])
			fold_seen(days, ev);
	}

	n = hash_get_num_entries(days);
	if (n == 0)
		return;
	sorted = palloc(sizeof(SeenDay *) * n);
	i = 0;
	hash_seq_init(&seq, days);
	while ((d = hash_seq_search(&seq)) != NULL)
		sorted[i++] = d;
	qsort(sorted, n, sizeof(SeenDay *), seen_day_cmp);

	jimo_rows_init(&rows, &seen_days_table, n);
	for (i = 0; i < n; i++)
	{
		Datum		values[lengthof(seen_day_cols)];
		bool		nulls[lengthof(seen_day_cols)] = {0};

		d = sorted[i];
		values[0] = DateADTGetDatum(d->key.day);
		values[1] = UUIDPGetDatum(&d->key.experience_uid);
		values[2] = UUIDPGetDatum(&d->key.jimer_uid);
		values[3] = Int32GetDatum(d->views);
		values[4] = TimestampTzGetDatum(d->first_seen_at);
		values[5] = TimestampTzGetDatum(d->last_seen_at);
		values[6] = CStringGetTextDatum(d->prefix);
		jimo_rows_add(&rows, values, nulls);
	}
	jimo_rows_write(&rows);
}
